//! Workflows: the stages a deliverable moves through, what a template may say about them, and
//! how a stage's decision rule reads its reviewers' decisions.
//!
//! A stage has *seats*: one per reviewer named in it (a group is expanded into one seat per
//! member when the stage is entered). A seat is filled by the reviewer's latest decision on
//! the version under review, made since the stage was entered, or by their backup's. A rule asks
//! for `k` passing seats: every seat (`all`), one (`any`), or `quorum N` (capped at the seats
//! there are). The stage passes when `k` seats pass, and sends the deliverable back with
//! changes requested as soon as `k` can no longer be reached.

use serde::{Deserialize, Serialize};

use crate::calendar::MAX_BUSINESS_DAYS;
use crate::problem::Problem;
use crate::review::Decision;

/// Stages in one workflow.
pub const MAX_STAGES: usize = 20;
/// Reviewers named in one stage.
pub const MAX_REVIEWERS: usize = 50;
/// Checklist items in one stage.
pub const MAX_CHECKLIST: usize = 30;
/// The most business hours a stage may wait past its due time before asking the backup.
pub const MAX_ESCALATE_HOURS: u32 = 1000;

/// What a stage is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Production: no reviewers; a new version ends it.
    Work,
    /// Reviewers decide by the stage's rule.
    Review,
    /// Its reviewers are the deliverable's required approvers: passing it locks the version
    /// with the approval lock and its receipt.
    Approval,
    /// Handing the approved cut over; a member marks it delivered.
    Delivery,
}

impl StageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Work => "work",
            StageKind::Review => "review",
            StageKind::Approval => "approval",
            StageKind::Delivery => "delivery",
        }
    }

    pub fn parse(s: &str) -> Option<StageKind> {
        [StageKind::Work, StageKind::Review, StageKind::Approval, StageKind::Delivery]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Review and approval stages wait on reviewers.
    pub fn has_reviewers(self) -> bool {
        matches!(self, StageKind::Review | StageKind::Approval)
    }
}

/// How many seats must pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    #[default]
    All,
    Any,
    /// `quorum` seats.
    Quorum,
}

/// Who a reviewer entry names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewerKind {
    /// A workspace member (`user_id`).
    User,
    /// Someone without an account, by `email`: they decide through a share link.
    Guest,
    /// A named group of members (`group_id`), one seat per member.
    Group,
}

/// A reviewer named in a stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewerSpec {
    pub kind: ReviewerKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<uuid::Uuid>,
    /// A member asked instead when this reviewer is overdue or out of office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_user_id: Option<uuid::Uuid>,
    /// Or a guest, by e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_email: Option<String>,
}

/// Who must tick a checklist item.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistPer {
    /// Each reviewer ticks it before they approve.
    #[default]
    Reviewer,
    /// Someone ticks it once for the stage, before anyone approves.
    Stage,
}

/// Something to confirm before approving ("Supers match the legal copy").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub text: String,
    #[serde(default)]
    pub per: ChecklistPer,
}

/// A stage of a workflow template (and, once applied, of a campaign).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    pub name: String,
    pub kind: StageKind,
    #[serde(default)]
    pub reviewers: Vec<ReviewerSpec>,
    #[serde(default)]
    pub rule: Rule,
    /// With `rule: quorum`: how many seats must pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<i64>,
    /// Business days from entering the stage to its due time (the end of that working day).
    pub duration_days: i64,
    #[serde(default)]
    pub checklist: Vec<ChecklistItem>,
    /// No decision by the due time passes the stage as *deemed* (recorded as such, and shown to
    /// reviewers from the start).
    #[serde(default)]
    pub deemed_approval: bool,
    /// Business hours past the due time after which an undecided reviewer's backup is asked.
    #[serde(default)]
    pub escalate_after_hours: u32,
}

/// Where a new version goes after changes were requested.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reentry {
    /// Back to the stage that asked for changes.
    #[default]
    SameStage,
    /// To the first review stage.
    FirstReview,
}

impl Reentry {
    pub fn as_str(self) -> &'static str {
        match self {
            Reentry::SameStage => "same_stage",
            Reentry::FirstReview => "first_review",
        }
    }

    pub fn parse(s: &str) -> Reentry {
        if s == "first_review" { Reentry::FirstReview } else { Reentry::SameStage }
    }
}

fn email_ok(e: &str) -> bool {
    crate::validate::email(e).is_ok()
}

/// Checks a workflow's stages. `seats_of` says how many seats a reviewer entry makes (a group:
/// its members now; `None` when the group does not exist in the workspace).
pub fn check_stages(stages: &[StageSpec], seats_of: impl Fn(&ReviewerSpec) -> Option<usize>) -> Result<(), Problem> {
    if stages.is_empty() || stages.len() > MAX_STAGES {
        return Err(Problem::new(
            "workflow-stages-invalid",
            "stages",
            format!("a workflow has 1 to {MAX_STAGES} stages, not {}", stages.len()),
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, s) in stages.iter().enumerate() {
        let at = |part: &str| format!("stages[{i}].{part}");
        let bad =
            |code: &'static str, part: &str, why: String| Problem::new(code, at(part), format!("{}: {why}", at(part)));
        let name = s.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(bad("stage-name-invalid", "name", String::from("a stage name has 1 to 100 characters")));
        }
        if !names.insert(name.to_lowercase()) {
            return Err(bad("stage-name-invalid", "name", format!("{name:?} names two stages")));
        }
        if s.duration_days < 1 || s.duration_days > i64::from(MAX_BUSINESS_DAYS) {
            return Err(bad(
                "stage-duration-invalid",
                "duration_days",
                format!("a duration is 1 to {MAX_BUSINESS_DAYS} business days, not {}", s.duration_days),
            ));
        }
        if s.escalate_after_hours > MAX_ESCALATE_HOURS {
            return Err(bad(
                "stage-escalation-invalid",
                "escalate_after_hours",
                format!("at most {MAX_ESCALATE_HOURS} business hours"),
            ));
        }
        if s.checklist.len() > MAX_CHECKLIST {
            return Err(bad("stage-checklist-invalid", "checklist", format!("at most {MAX_CHECKLIST} items")));
        }
        for (j, item) in s.checklist.iter().enumerate() {
            let t = item.text.trim();
            if t.is_empty() || t.chars().count() > 300 || t.chars().any(char::is_control) {
                return Err(bad(
                    "stage-checklist-invalid",
                    &format!("checklist[{j}].text"),
                    String::from("an item has 1 to 300 characters"),
                ));
            }
        }
        if !s.kind.has_reviewers() {
            if !s.reviewers.is_empty() {
                return Err(bad(
                    "stage-reviewers-not-allowed",
                    "reviewers",
                    format!("a {} stage has no reviewers", s.kind.as_str()),
                ));
            }
            if s.deemed_approval || !s.checklist.is_empty() || s.quorum.is_some() || s.rule != Rule::All {
                return Err(bad(
                    "stage-rule-invalid",
                    "kind",
                    format!("a {} stage has no rule, quorum, checklist or deemed approval", s.kind.as_str()),
                ));
            }
            continue;
        }
        if s.reviewers.is_empty() {
            return Err(bad(
                "stage-reviewers-missing",
                "reviewers",
                format!("a {} stage needs reviewers", s.kind.as_str()),
            ));
        }
        if s.reviewers.len() > MAX_REVIEWERS {
            return Err(bad("stage-reviewers-invalid", "reviewers", format!("at most {MAX_REVIEWERS} reviewers")));
        }
        let mut seats = 0usize;
        let mut seen = std::collections::BTreeSet::new();
        for (j, r) in s.reviewers.iter().enumerate() {
            let part = format!("reviewers[{j}]");
            let invalid = |why: &str| bad("stage-reviewer-invalid", &part, why.to_owned());
            let ident = match r.kind {
                ReviewerKind::User if r.email.is_none() && r.group_id.is_none() => {
                    r.user_id.map(|u| format!("user:{u}")).ok_or_else(|| invalid("a user reviewer names user_id"))?
                }
                ReviewerKind::Guest if r.user_id.is_none() && r.group_id.is_none() => match r.email.as_deref() {
                    Some(e) if email_ok(e) => format!("guest:{}", e.trim().to_lowercase()),
                    _ => return Err(invalid("a guest reviewer names a valid email")),
                },
                ReviewerKind::Group if r.user_id.is_none() && r.email.is_none() => {
                    if r.backup_user_id.is_some() || r.backup_email.is_some() {
                        return Err(invalid("a group has no backup (give its members backups of their own)"));
                    }
                    r.group_id
                        .map(|g| format!("group:{g}"))
                        .ok_or_else(|| invalid("a group reviewer names group_id"))?
                }
                _ => {
                    return Err(invalid(
                        "a reviewer names exactly one of user_id (user), email (guest), group_id (group)",
                    ));
                }
            };
            if r.backup_user_id.is_some() && r.backup_email.is_some() {
                return Err(invalid("a backup is a member (backup_user_id) or a guest (backup_email), not both"));
            }
            if r.backup_email.as_deref().is_some_and(|e| !email_ok(e)) {
                return Err(invalid("backup_email is not a valid e-mail address"));
            }
            let backup = r
                .backup_user_id
                .map(|u| format!("user:{u}"))
                .or(r.backup_email.as_deref().map(|e| format!("guest:{}", e.trim().to_lowercase())));
            if backup.as_deref() == Some(ident.as_str()) {
                return Err(invalid("a reviewer is not their own backup"));
            }
            if !seen.insert(ident) {
                return Err(invalid("this reviewer is named twice in the stage"));
            }
            seats += seats_of(r).ok_or_else(|| invalid("no such member or group in the workspace"))?;
        }
        match (s.rule, s.quorum) {
            (Rule::Quorum, Some(q)) if q < 1 => {
                return Err(bad("stage-quorum-invalid", "quorum", format!("a quorum is at least 1, not {q}")));
            }
            (Rule::Quorum, Some(q)) if usize::try_from(q).unwrap_or(usize::MAX) > seats => {
                return Err(bad(
                    "stage-quorum-too-large",
                    "quorum",
                    format!("a quorum of {q} is more than the stage's {seats} reviewers"),
                ));
            }
            (Rule::Quorum, None) => {
                return Err(bad("stage-quorum-invalid", "quorum", String::from("rule quorum needs a quorum")));
            }
            (Rule::All | Rule::Any, Some(_)) => {
                return Err(bad("stage-quorum-invalid", "quorum", String::from("only rule quorum takes a quorum")));
            }
            _ => {}
        }
        if s.kind == StageKind::Approval && s.rule != Rule::All {
            return Err(bad(
                "stage-rule-invalid",
                "rule",
                String::from(
                    "an approval stage's reviewers are the required approvers, and the lock needs all of them",
                ),
            ));
        }
    }
    Ok(())
}

/// How many of `seats` must pass under `rule`.
pub fn needed(rule: Rule, quorum: Option<i64>, seats: usize) -> usize {
    match rule {
        Rule::All => seats,
        Rule::Any => seats.min(1),
        Rule::Quorum => usize::try_from(quorum.unwrap_or(1).max(1)).unwrap_or(usize::MAX).min(seats),
    }
}

/// What a decision counts as in a review stage: approving (with or without changes) passes a
/// seat; changes requested and rejected object.
pub fn passes(d: Decision) -> bool {
    matches!(d, Decision::Approved | Decision::ApprovedWithChanges)
}

/// Where a stage stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Open,
    Passed,
    ChangesRequested,
}

/// The verdict of `needed` passes over seats whose decisions are `votes` (`None`: undecided).
pub fn verdict(needed: usize, votes: &[Option<Decision>]) -> Verdict {
    let seats = votes.len();
    let pass = votes.iter().flatten().filter(|d| passes(**d)).count();
    let object = votes.iter().flatten().filter(|d| !passes(**d)).count();
    if seats > 0 && pass >= needed {
        Verdict::Passed
    } else if object > seats.saturating_sub(needed) {
        Verdict::ChangesRequested
    } else {
        Verdict::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Approved as A, ChangesRequested as C};

    fn user() -> ReviewerSpec {
        ReviewerSpec {
            kind: ReviewerKind::User,
            user_id: Some(uuid::Uuid::now_v7()),
            email: None,
            group_id: None,
            backup_user_id: None,
            backup_email: None,
        }
    }

    fn stage(kind: StageKind, reviewers: Vec<ReviewerSpec>) -> StageSpec {
        StageSpec {
            name: String::from("S"),
            kind,
            reviewers,
            rule: Rule::All,
            quorum: None,
            duration_days: 2,
            checklist: vec![],
            deemed_approval: false,
            escalate_after_hours: 0,
        }
    }

    #[test]
    fn rules_pass_and_send_back_as_soon_as_they_can() {
        assert_eq!(verdict(needed(Rule::All, None, 3), &[Some(A), Some(A), None]), Verdict::Open);
        assert_eq!(verdict(needed(Rule::All, None, 3), &[Some(A), Some(A), Some(A)]), Verdict::Passed);
        assert_eq!(verdict(needed(Rule::All, None, 3), &[Some(A), Some(C), None]), Verdict::ChangesRequested);
        assert_eq!(verdict(needed(Rule::Any, None, 3), &[None, Some(A), None]), Verdict::Passed);
        assert_eq!(verdict(needed(Rule::Any, None, 3), &[Some(C), Some(C), None]), Verdict::Open);
        assert_eq!(verdict(needed(Rule::Any, None, 3), &[Some(C), Some(C), Some(C)]), Verdict::ChangesRequested);
        let q = needed(Rule::Quorum, Some(2), 3);
        assert_eq!(verdict(q, &[Some(C), Some(A), None]), Verdict::Open);
        assert_eq!(verdict(q, &[Some(C), Some(A), Some(A)]), Verdict::Passed);
        assert_eq!(verdict(q, &[Some(C), Some(C), None]), Verdict::ChangesRequested);
        assert_eq!(verdict(q, &[Some(A), Some(Decision::ApprovedWithChanges), None]), Verdict::Passed);
        assert_eq!(needed(Rule::Quorum, Some(5), 2), 2, "a quorum is capped at the seats there are");
    }

    #[test]
    fn bad_stages_name_their_field() {
        let seats = |r: &ReviewerSpec| Some(if r.kind == ReviewerKind::Group { 2 } else { 1 });
        let err = |s: Vec<StageSpec>| check_stages(&s, seats).unwrap_err();
        let mut s = stage(StageKind::Review, vec![]);
        assert_eq!(
            (err(vec![s.clone()]).code, err(vec![s.clone()]).field.as_str()),
            ("stage-reviewers-missing", "stages[0].reviewers")
        );
        s.reviewers = vec![user(), user()];
        s.rule = Rule::Quorum;
        s.quorum = Some(3);
        let mut work = stage(StageKind::Work, vec![]);
        work.name = String::from("Edit");
        assert_eq!(err(vec![work.clone(), s.clone()]).field, "stages[1].quorum");
        assert_eq!(err(vec![s.clone()]).code, "stage-quorum-too-large");
        s.quorum = Some(2);
        assert_eq!(check_stages(&[s.clone()], seats), Ok(()));
        assert_eq!(err(vec![s.clone(), s.clone()]).field, "stages[1].name", "two stages named alike");
        s.duration_days = 0;
        assert_eq!(err(vec![s.clone()]).code, "stage-duration-invalid");
        let mut a = stage(StageKind::Approval, vec![user()]);
        a.rule = Rule::Any;
        assert_eq!(err(vec![a]).code, "stage-rule-invalid");
        assert_eq!(err(vec![stage(StageKind::Work, vec![user()])]).code, "stage-reviewers-not-allowed");
        let u = user();
        assert_eq!(err(vec![stage(StageKind::Review, vec![u.clone(), u])]).field, "stages[0].reviewers[1]");
        assert_eq!(check_stages(&[], seats).unwrap_err().field, "stages");
    }
}
