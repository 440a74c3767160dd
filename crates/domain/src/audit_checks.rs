//! The five-checkpoint campaign audit of DESIGN.md, as plain functions of a campaign's records:
//! each checkpoint passes, is partial or fails, with the rows that show why.
//!
//! Where DESIGN.md leaves the grade open, the rule taken is stated on each checkpoint. Handoffs
//! and one live version are graded by the share of deliverables with a problem: none passes,
//! fewer than a quarter is partial, more fails.

use serde::Serialize;

/// How a checkpoint came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Pass,
    Partial,
    Fail,
}

/// One row of evidence: what it is, its id (a brief revision, a version, a comment, a lock), when,
/// who, and what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub kind: String,
    pub id: String,
    pub at: Option<i64>,
    pub who: Option<String>,
    pub detail: String,
}

impl Evidence {
    fn new(kind: &str, id: impl Into<String>, at: Option<i64>, who: Option<&str>, detail: impl Into<String>) -> Self {
        Evidence { kind: kind.to_owned(), id: id.into(), at, who: who.map(str::to_owned), detail: detail.into() }
    }
}

/// A checkpoint's result.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Checkpoint {
    /// `brief`, `handoffs`, `feedback`, `one_version` or `approval`.
    pub key: &'static str,
    pub grade: Grade,
    /// In words, for the audit card.
    pub summary: String,
    pub evidence: Vec<Evidence>,
}

/// A brief revision as the audit reads it.
#[derive(Clone, Debug)]
pub struct BriefRevision {
    pub number: i64,
    pub submitted_at: Option<i64>,
    /// Required fields it leaves empty (labels).
    pub missing: Vec<String>,
}

/// 1. **Brief is written**: a submitted revision with every required field filled existed
///    before the first upload. Partial: one was submitted, but after the first upload or
///    incomplete (naming the missing fields). Fail: none was ever submitted.
pub fn brief(revisions: &[BriefRevision], first_upload_at: Option<i64>) -> Checkpoint {
    let submitted: Vec<&BriefRevision> = revisions.iter().filter(|r| r.submitted_at.is_some()).collect();
    let before = |r: &BriefRevision| first_upload_at.is_none_or(|u| r.submitted_at.is_some_and(|s| s <= u));
    let row = |r: &BriefRevision, detail: String| {
        Evidence::new("brief_revision", r.number.to_string(), r.submitted_at, None, detail)
    };
    if let Some(r) = submitted.iter().find(|r| before(r) && r.missing.is_empty()) {
        return Checkpoint {
            key: "brief",
            grade: Grade::Pass,
            summary: format!("Revision {} was submitted complete before the first upload.", r.number),
            evidence: vec![row(r, String::from("submitted complete before the first upload"))],
        };
    }
    let Some(first) = submitted.iter().min_by_key(|r| r.submitted_at) else {
        return Checkpoint {
            key: "brief",
            grade: Grade::Fail,
            summary: String::from("No brief was ever submitted."),
            evidence: Vec::new(),
        };
    };
    let late = !before(first);
    let mut words = Vec::new();
    if late {
        words.push(String::from("submitted after the first upload"));
    }
    if !first.missing.is_empty() {
        words.push(format!("missing {}", first.missing.join(", ")));
    }
    Checkpoint {
        key: "brief",
        grade: Grade::Partial,
        summary: format!("The brief was written, but {}.", words.join(" and ")),
        evidence: vec![row(first, words.join("; "))],
    }
}

/// Grades a share of problem deliverables: none passes, under a quarter is partial.
fn by_share(affected: usize, of: usize) -> Grade {
    match affected {
        0 => Grade::Pass,
        n if n * 4 < of.max(1) => Grade::Partial,
        _ => Grade::Fail,
    }
}

/// An upload as the handoff check reads it.
#[derive(Clone, Debug)]
pub struct Upload {
    pub version_id: String,
    pub asset_id: String,
    pub asset_name: String,
    pub folder_id: String,
    pub sha256: Option<String>,
    pub at: i64,
    pub by: String,
}

/// 2. **Handoffs in one place**: no bytes uploaded twice in the campaign (the same SHA-256),
///    and no deliverable re-created as a new asset instead of a new version (two assets of the
///    same name in the same folder). Graded by the share of deliverables involved.
pub fn handoffs(uploads: &[Upload], deliverables: usize) -> Checkpoint {
    let mut evidence = Vec::new();
    let mut affected: Vec<&str> = Vec::new();
    let mut by_sha: std::collections::BTreeMap<&str, Vec<&Upload>> = std::collections::BTreeMap::new();
    for u in uploads {
        if let Some(s) = &u.sha256 {
            by_sha.entry(s.as_str()).or_default().push(u);
        }
    }
    for group in by_sha.values().filter(|g| g.len() > 1) {
        for u in &group[1..] {
            evidence.push(Evidence::new(
                "duplicate_upload",
                u.version_id.clone(),
                Some(u.at),
                Some(&u.by),
                format!("the same bytes as {} were uploaded again as {}", group[0].version_id, u.version_id),
            ));
            affected.extend([u.asset_id.as_str(), group[0].asset_id.as_str()]);
        }
    }
    let mut by_name: std::collections::BTreeMap<(String, String), Vec<&Upload>> = std::collections::BTreeMap::new();
    for u in uploads {
        let group = by_name.entry((u.folder_id.clone(), u.asset_name.to_lowercase())).or_default();
        if !group.iter().any(|x| x.asset_id == u.asset_id) {
            group.push(u);
        }
    }
    for group in by_name.values().filter(|g| g.len() > 1) {
        for u in &group[1..] {
            evidence.push(Evidence::new(
                "recreated_asset",
                u.asset_id.clone(),
                Some(u.at),
                Some(&u.by),
                format!("“{}” was made again as a new asset instead of a new version", u.asset_name),
            ));
            affected.push(u.asset_id.as_str());
        }
    }
    affected.sort_unstable();
    affected.dedup();
    let grade = by_share(affected.len(), deliverables);
    let summary = match grade {
        Grade::Pass => String::from("Every cut arrived once, as a version of its deliverable."),
        _ => {
            format!("{} of {} deliverables had bytes uploaded twice or were re-created.", affected.len(), deliverables)
        }
    };
    Checkpoint { key: "handoffs", grade, summary, evidence }
}

/// A comment as the feedback check reads it.
#[derive(Clone, Debug)]
pub struct Remark {
    pub comment_id: String,
    pub anchored: bool,
    pub at: i64,
    pub by: String,
}

/// 3. **Feedback time-stamped and tracked**: the share of comments anchored to a frame, range,
///    page or point; 90 % or more passes, half or more is partial, less fails (no comments:
///    pass). The review time and the stall (from the numbers) go in the summary; the unanchored
///    comments are the evidence.
pub fn feedback(remarks: &[Remark], review: Option<&str>) -> Checkpoint {
    let total = remarks.len();
    let anchored = remarks.iter().filter(|r| r.anchored).count();
    let grade = if total == 0 || anchored * 10 >= total * 9 {
        Grade::Pass
    } else if anchored * 2 >= total {
        Grade::Partial
    } else {
        Grade::Fail
    };
    let mut summary = if total == 0 {
        String::from("No comments.")
    } else {
        format!("{anchored} of {total} comments are anchored to a frame, page or point.")
    };
    if let Some(r) = review {
        summary.push(' ');
        summary.push_str(r);
    }
    let evidence = remarks
        .iter()
        .filter(|r| !r.anchored)
        .map(|r| Evidence::new("unanchored_comment", r.comment_id.clone(), Some(r.at), Some(&r.by), "not anchored"))
        .collect();
    Checkpoint { key: "feedback", grade, summary, evidence }
}

/// When each version of an asset was its current one.
#[derive(Clone, Debug)]
pub struct Current {
    pub asset_id: String,
    pub version_id: String,
    pub number: i64,
    /// From when it was current.
    pub since: i64,
}

/// Something done to a version: a comment, a decision, a download.
#[derive(Clone, Debug)]
pub struct Touch {
    /// `comment`, `decision` or `download`.
    pub kind: String,
    pub id: String,
    pub asset_id: String,
    pub version_id: String,
    pub at: i64,
    pub by: String,
}

/// 4. **One live version**: nobody commented on, decided on or downloaded a version after a
///    newer one of the same stack was current. Graded by the share of deliverables involved.
pub fn one_version(currents: &[Current], touches: &[Touch], deliverables: usize) -> Checkpoint {
    let mut evidence = Vec::new();
    let mut affected: Vec<&str> = Vec::new();
    for t in touches {
        let Some(mine) = currents.iter().find(|c| c.version_id == t.version_id) else { continue };
        let newer = currents
            .iter()
            .filter(|c| c.asset_id == t.asset_id && c.number > mine.number && c.since <= t.at)
            .max_by_key(|c| c.number);
        if let Some(n) = newer {
            evidence.push(Evidence::new(
                &format!("{}_on_old_version", t.kind),
                t.id.clone(),
                Some(t.at),
                Some(&t.by),
                format!("on v{} while v{} was current", mine.number, n.number),
            ));
            affected.push(t.asset_id.as_str());
        }
    }
    affected.sort_unstable();
    affected.dedup();
    let grade = by_share(affected.len(), deliverables);
    let summary = match grade {
        Grade::Pass => String::from("All feedback and downloads were on the current version."),
        _ => format!("{} things were done on an old version, in {} deliverables.", evidence.len(), affected.len()),
    };
    Checkpoint { key: "one_version", grade, summary, evidence }
}

/// An approved deliverable's seal, as the approval check reads it.
#[derive(Clone, Debug)]
pub struct Seal {
    pub asset_id: String,
    pub asset_name: String,
    /// The lock, when there is one: its id, kind (`approvals`, `manual`, `deemed`), reason,
    /// the approvers its receipt names, and whether the receipt verifies.
    pub lock: Option<SealLock>,
}

#[derive(Clone, Debug)]
pub struct SealLock {
    pub id: String,
    pub kind: String,
    pub reason: Option<String>,
    pub approvers: Vec<String>,
    pub verifies: bool,
    pub at: i64,
}

/// 5. **Approval logged with a name**: every approved deliverable has a lock whose receipt names
///    each approver and verifies, and manual locks carry a reason (a manual lock's receipt names
///    who locked it; a deemed one says it was deemed). Fail: an approved deliverable
///    with no lock, or a receipt that does not verify. Partial: a lock names no approver, or a
///    manual lock has no reason. No approved deliverable yet: pass, saying so.
pub fn approval(seals: &[Seal]) -> Checkpoint {
    let mut evidence = Vec::new();
    let mut grade = Grade::Pass;
    let worse = |g: &mut Grade, to: Grade| {
        if to == Grade::Fail || *g == Grade::Pass {
            *g = to;
        }
    };
    for s in seals {
        match &s.lock {
            None => {
                worse(&mut grade, Grade::Fail);
                evidence.push(Evidence::new(
                    "unsealed_approval",
                    s.asset_id.clone(),
                    None,
                    None,
                    format!("“{}” was approved but never sealed: no receipt names its approvers", s.asset_name),
                ));
            }
            Some(l) if !l.verifies => {
                worse(&mut grade, Grade::Fail);
                evidence.push(Evidence::new(
                    "receipt_invalid",
                    l.id.clone(),
                    Some(l.at),
                    None,
                    "the receipt does not verify",
                ));
            }
            Some(l) => {
                if l.kind == "manual" && l.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    worse(&mut grade, Grade::Partial);
                    evidence.push(Evidence::new(
                        "manual_lock_without_reason",
                        l.id.clone(),
                        Some(l.at),
                        None,
                        "locked by hand with no reason",
                    ));
                } else if l.kind == "approvals" && l.approvers.is_empty() {
                    worse(&mut grade, Grade::Partial);
                    evidence.push(Evidence::new(
                        "receipt_without_approvers",
                        l.id.clone(),
                        Some(l.at),
                        None,
                        "the receipt names no approver",
                    ));
                } else {
                    evidence.push(Evidence::new(
                        "receipt",
                        l.id.clone(),
                        Some(l.at),
                        None,
                        if l.approvers.is_empty() {
                            format!("{}: {}", s.asset_name, l.reason.clone().unwrap_or_default())
                        } else {
                            format!("{}: approved by {}", s.asset_name, l.approvers.join(", "))
                        },
                    ));
                }
            }
        }
    }
    let summary = if seals.is_empty() {
        String::from("Nothing is approved yet.")
    } else {
        match grade {
            Grade::Pass => {
                format!("All {} approved deliverables are sealed with a receipt that names who approved.", seals.len())
            }
            Grade::Partial => String::from(
                "Every approval is sealed, but some receipts name no approver or a hand lock gives no reason.",
            ),
            Grade::Fail => String::from("An approved deliverable has no verifiable receipt naming its approvers."),
        }
    };
    Checkpoint { key: "approval", grade, summary, evidence }
}

/// Over several campaigns' audits: the checkpoint that failed (or was partial) most often, and
/// how often, in words; none when every checkpoint passed everywhere.
pub fn most_often_missed(audits: &[Vec<Checkpoint>]) -> Option<(&'static str, usize, String)> {
    const LABELS: [(&str, &str); 5] = [
        ("brief", "the written brief"),
        ("handoffs", "handoffs in one place"),
        ("feedback", "time-stamped feedback"),
        ("one_version", "one live version"),
        ("approval", "approvals logged with a name"),
    ];
    let mut best: Option<(&'static str, usize)> = None;
    for (key, _) in LABELS {
        let n = audits.iter().filter(|a| a.iter().any(|c| c.key == key && c.grade != Grade::Pass)).count();
        if n > 0 && best.is_none_or(|(_, m)| n > m) {
            best = Some((key, n));
        }
    }
    let (key, n) = best?;
    let label = LABELS.iter().find(|(k, _)| *k == key).map_or(key, |(_, l)| l);
    Some((
        key,
        n,
        format!("Your real bottleneck is {label}: it fell short in {n} of your last {} campaigns.", audits.len()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(n: i64, at: Option<i64>, missing: &[&str]) -> BriefRevision {
        BriefRevision { number: n, submitted_at: at, missing: missing.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn the_brief_passes_only_when_submitted_complete_before_the_first_upload() {
        assert_eq!(brief(&[rev(1, Some(10), &[])], Some(20)).grade, Grade::Pass);
        let late = brief(&[rev(1, Some(30), &[])], Some(20));
        assert_eq!(
            (late.grade, late.summary.as_str()),
            (Grade::Partial, "The brief was written, but submitted after the first upload.")
        );
        let thin = brief(&[rev(1, Some(10), &["Audience"])], Some(20));
        assert_eq!((thin.grade, thin.evidence[0].detail.as_str()), (Grade::Partial, "missing Audience"));
        assert_eq!(brief(&[rev(1, None, &[])], Some(20)).grade, Grade::Fail, "a draft is not a brief");
        // A later complete revision submitted before the upload passes.
        assert_eq!(brief(&[rev(1, Some(5), &["Audience"]), rev(2, Some(9), &[])], Some(20)).grade, Grade::Pass);
    }

    fn up(v: &str, a: &str, name: &str, sha: &str) -> Upload {
        Upload {
            version_id: v.into(),
            asset_id: a.into(),
            asset_name: name.into(),
            folder_id: "f".into(),
            sha256: Some(sha.into()),
            at: 1,
            by: "ed".into(),
        }
    }

    #[test]
    fn handoffs_name_duplicate_bytes_and_recreated_assets() {
        assert_eq!(handoffs(&[up("v1", "a", "Hero", "x"), up("v2", "a", "Hero", "y")], 1).grade, Grade::Pass);
        let dup = handoffs(&[up("v1", "a", "Hero", "x"), up("v2", "a", "Hero", "x")], 1);
        assert_eq!(
            (dup.grade, dup.evidence[0].kind.as_str(), dup.evidence[0].id.as_str()),
            (Grade::Fail, "duplicate_upload", "v2")
        );
        let again = handoffs(&[up("v1", "a", "Hero", "x"), up("v9", "b", "hero", "z")], 2);
        assert_eq!(
            (again.grade, again.evidence[0].kind.as_str(), again.evidence[0].id.as_str()),
            (Grade::Fail, "recreated_asset", "b")
        );
        // One deliverable of ten involved: partial.
        let mut many: Vec<Upload> =
            (0..10).map(|i| up(&format!("v{i}"), &format!("a{i}"), &format!("Cut {i}"), &format!("s{i}"))).collect();
        many.push(up("v10", "a0", "Cut 0", "s0"));
        assert_eq!(handoffs(&many, 10).grade, Grade::Partial);
    }

    #[test]
    fn feedback_is_graded_by_the_anchored_share() {
        let r = |id: &str, anchored: bool| Remark { comment_id: id.into(), anchored, at: 1, by: "rita".into() };
        assert_eq!(feedback(&[], None).grade, Grade::Pass);
        let half = feedback(&[r("c1", true), r("c2", false)], Some("Review took 2 business days."));
        assert_eq!(half.grade, Grade::Partial);
        assert_eq!(
            half.summary,
            "1 of 2 comments are anchored to a frame, page or point. Review took 2 business days."
        );
        assert_eq!(half.evidence.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), vec!["c2"]);
        assert_eq!(feedback(&[r("c1", false), r("c2", false), r("c3", true)], None).grade, Grade::Fail);
        let nine: Vec<Remark> = (0..10).map(|i| r(&format!("c{i}"), i != 0)).collect();
        assert_eq!(feedback(&nine, None).grade, Grade::Pass);
    }

    #[test]
    fn one_live_version_catches_work_on_a_superseded_version() {
        let cur =
            |v: &str, n: i64, since: i64| Current { asset_id: "a".into(), version_id: v.into(), number: n, since };
        let t = |id: &str, v: &str, at: i64| Touch {
            kind: "comment".into(),
            id: id.into(),
            asset_id: "a".into(),
            version_id: v.into(),
            at,
            by: "rita".into(),
        };
        let currents = [cur("v1", 1, 0), cur("v2", 2, 100)];
        assert_eq!(one_version(&currents, &[t("c1", "v1", 50), t("c2", "v2", 150)], 1).grade, Grade::Pass);
        let late = one_version(&currents, &[t("c3", "v1", 150)], 1);
        assert_eq!(
            (late.grade, late.evidence[0].kind.as_str(), late.evidence[0].detail.as_str()),
            (Grade::Fail, "comment_on_old_version", "on v1 while v2 was current")
        );
    }

    #[test]
    fn approvals_need_a_verifying_receipt_that_names_who() {
        let lock = |kind: &str, approvers: &[&str], reason: Option<&str>| SealLock {
            id: "l1".into(),
            kind: kind.into(),
            reason: reason.map(str::to_owned),
            approvers: approvers.iter().map(|s| s.to_string()).collect(),
            verifies: true,
            at: 5,
        };
        let seal = |l: Option<SealLock>| Seal { asset_id: "a".into(), asset_name: "Hero".into(), lock: l };
        assert_eq!(approval(&[]).summary, "Nothing is approved yet.");
        assert_eq!(approval(&[seal(Some(lock("approvals", &["Lara"], None)))]).grade, Grade::Pass);
        let unsealed = approval(&[seal(None)]);
        assert_eq!((unsealed.grade, unsealed.evidence[0].kind.as_str()), (Grade::Fail, "unsealed_approval"));
        assert_eq!(approval(&[seal(Some(lock("manual", &[], None)))]).grade, Grade::Partial);
        assert_eq!(approval(&[seal(Some(lock("manual", &[], Some("Signed on paper"))))]).grade, Grade::Pass);
        assert_eq!(
            approval(&[seal(Some(lock("deemed", &[], Some("no decision by the due time"))))]).grade,
            Grade::Pass
        );
        let mut bad = lock("approvals", &["Lara"], None);
        bad.verifies = false;
        assert_eq!(approval(&[seal(Some(bad)), seal(Some(lock("manual", &[], None)))]).grade, Grade::Fail);
    }

    #[test]
    fn the_checkpoint_that_falls_short_most_often_is_named() {
        let c = |key: &'static str, grade: Grade| Checkpoint { key, grade, summary: String::new(), evidence: vec![] };
        let audits = vec![
            vec![c("brief", Grade::Pass), c("feedback", Grade::Fail)],
            vec![c("brief", Grade::Partial), c("feedback", Grade::Partial)],
            vec![c("brief", Grade::Pass), c("feedback", Grade::Fail)],
        ];
        let (key, n, words) = most_often_missed(&audits).unwrap();
        assert_eq!((key, n), ("feedback", 3));
        assert_eq!(
            words,
            "Your real bottleneck is time-stamped feedback: it fell short in 3 of your last 3 campaigns."
        );
        assert_eq!(most_often_missed(&[vec![c("brief", Grade::Pass)]]), None);
    }
}
