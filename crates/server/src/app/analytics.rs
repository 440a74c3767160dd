//! Review-cycle analytics of a campaign and its deliverables (DESIGN.md "The numbers"),
//! computed on read from the stage runs, versions, locks, briefs and comments by
//! `frameproof_domain::analytics`. Team members only: reviewers and guests see none of it.

use frameproof_domain::analytics::{
    self, CampaignItem, CampaignNumbers, DeliverableFacts, DeliverableNumbers, RunFacts, SeatFacts,
};
use frameproof_domain::calendar::Calendar;
use frameproof_domain::workflow::StageSpec;
use frameproof_domain::{Action, AssetId, ProjectId};
use frameproof_store::projects::ProjectRow;
use frameproof_store::workflows::{self as wstore, StageRow};
use frameproof_store::{Conn, briefs, reminders as rem};
use std::collections::BTreeMap;

use serde::Serialize;

use crate::access::{self, require};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One deliverable's numbers, with where it is.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliverableAnalytics {
    pub asset_id: AssetId,
    pub name: String,
    /// The stage it is in now (none: delivered, or not a deliverable).
    pub stage: Option<String>,
    pub delivered: bool,
    pub overdue: bool,
    pub comments: i64,
    pub anchored_comments: i64,
    pub numbers: DeliverableNumbers,
}

/// A campaign's numbers and each deliverable's.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignAnalytics {
    pub project_id: ProjectId,
    pub numbers: CampaignNumbers,
    pub deliverables: Vec<DeliverableAnalytics>,
}

/// A version as the numbers read it: number, created, locked, locked at.
type VersionMark = (i64, i64, bool, Option<i64>);

/// A campaign's records, read once for all its deliverables.
struct Records {
    stages: Vec<StageRow>,
    /// The campaign brief's revisions: `(submitted_at)` of each submitted one.
    submitted: Vec<i64>,
    versions: BTreeMap<uuid::Uuid, Vec<VersionMark>>,
    runs: BTreeMap<uuid::Uuid, Vec<wstore::RunRow>>,
    seats: BTreeMap<uuid::Uuid, Vec<wstore::SeatRow>>,
    names: BTreeMap<uuid::Uuid, String>,
    counts: BTreeMap<uuid::Uuid, (i64, i64)>,
}

async fn records(c: &mut Conn, project: &ProjectRow) -> ApiResult<Records> {
    let mut versions: BTreeMap<uuid::Uuid, Vec<VersionMark>> = BTreeMap::new();
    for (a, n, at, locked, locked_at) in frameproof_store::checks::version_marks(&mut *c, project.id).await? {
        versions.entry(a).or_default().push((n, at, locked, locked_at));
    }
    let mut runs: BTreeMap<uuid::Uuid, Vec<wstore::RunRow>> = BTreeMap::new();
    for r in wstore::runs_of_project(&mut *c, project.id).await? {
        runs.entry(r.asset_id.0).or_default().push(r);
    }
    let mut seats: BTreeMap<uuid::Uuid, Vec<wstore::SeatRow>> = BTreeMap::new();
    for s in wstore::seats_of_project(&mut *c, project.id).await? {
        seats.entry(s.run_id).or_default().push(s);
    }
    let submitted = match campaign_brief(&mut *c, project).await? {
        Some(b) => briefs::revisions(&mut *c, b).await?.into_iter().filter_map(|r| r.submitted_at).collect(),
        None => Vec::new(),
    };
    Ok(Records {
        stages: wstore::stages(&mut *c, project.id).await?,
        submitted,
        versions,
        runs,
        seats,
        names: frameproof_store::checks::asset_names(&mut *c, project.id).await?.into_iter().collect(),
        counts: rem::comment_counts(&mut *c, project.id).await?.into_iter().map(|(a, t, an)| (a, (t, an))).collect(),
    })
}

/// What a deliverable's numbers are read from, at `now`.
async fn facts(
    c: &mut Conn,
    rec: &Records,
    d: &wstore::DeliverableRow,
    now: i64,
) -> ApiResult<(DeliverableFacts, Option<String>, bool, bool)> {
    let no_versions = Vec::new();
    let vs = rec.versions.get(&d.asset_id.0).unwrap_or(&no_versions);
    let first_upload_at = vs.iter().find(|v| v.0 == 1).map(|v| v.1).or(vs.iter().map(|v| v.1).min());
    // The final lock: the newest version that is locked.
    let approved = vs.iter().filter(|v| v.2).max_by_key(|v| v.0);
    let approved_at = approved.and_then(|v| v.3);
    // The brief revision in force at the first upload: the newest submitted by then.
    let brief_submitted_at = first_upload_at.and_then(|at| rec.submitted.iter().copied().filter(|s| *s <= at).max());
    let versions = approved.map_or_else(|| i64::try_from(vs.len()).unwrap_or(0), |v| v.0);
    let stages = &rec.stages;
    let mut runs = Vec::new();
    let no_runs = Vec::new();
    let no_seats = Vec::new();
    for r in rec.runs.get(&d.asset_id.0).unwrap_or(&no_runs) {
        let stage = stages.iter().find(|s| s.id == r.stage_id);
        let seats = rec.seats.get(&r.id).unwrap_or(&no_seats);
        let open_items = match (r.exited_at, stage.and_then(|s| serde_json::from_str::<StageSpec>(&s.spec).ok())) {
            (None, Some(spec)) if !spec.checklist.is_empty() => {
                let ticks = wstore::ticks(&mut *c, r.id).await?;
                spec.checklist
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !ticks.iter().any(|(x, _, _, _)| *x == i64::try_from(*i).unwrap_or(-1)))
                    .map(|(_, item)| item.text.clone())
                    .collect()
            }
            _ => Vec::new(),
        };
        let person = |user: Option<uuid::Uuid>, email: &Option<String>, name: &str| {
            (
                user.map(|u| format!("user:{u}")).or(email.as_ref().map(|e| format!("email:{e}"))).unwrap_or_default(),
                name.to_owned(),
            )
        };
        runs.push(RunFacts {
            stage: stage.map(|s| s.name.clone()).unwrap_or_default(),
            entered_at: r.entered_at,
            due_at: r.due_at,
            exited_at: r.exited_at,
            outcome: r.outcome.clone(),
            seats: seats
                .iter()
                .map(|s| SeatFacts {
                    person: person(s.user_id, &s.email, &s.name),
                    asked_at: s.asked_at,
                    decided_at: s.decided_at,
                    backup: s.backup_asked_at.map(|at| {
                        let (k, n) =
                            person(s.backup_user_id, &s.backup_email, s.backup_name.as_deref().unwrap_or_default());
                        (k, n, at)
                    }),
                })
                .collect(),
            open_items,
        });
    }
    let delivered = d.delivered_at.is_some();
    let stage = (!delivered).then(|| stages.iter().find(|s| s.id == d.stage_id)).flatten().map(|s| s.name.clone());
    let open_overdue = runs.iter().any(|r| r.exited_at.is_none() && now > r.due_at);
    let own_due = d.due_at;
    let overdue = !delivered && (open_overdue || own_due.is_some_and(|t| now > t && approved_at.is_none()));
    Ok((
        DeliverableFacts { first_upload_at, approved_at, brief_submitted_at, versions, due_at: own_due, runs },
        stage,
        delivered,
        overdue,
    ))
}

async fn campaign_brief(c: &mut Conn, project: &ProjectRow) -> ApiResult<Option<uuid::Uuid>> {
    Ok(briefs::brief_for(&mut *c, project.id, None).await?.map(|b| b.id))
}

/// One deliverable's numbers and the facts they came from; none when its asset is gone.
async fn one_with_facts(
    c: &mut Conn,
    cal: &Calendar,
    rec: &Records,
    d: &wstore::DeliverableRow,
    now: i64,
) -> ApiResult<Option<(DeliverableAnalytics, DeliverableFacts)>> {
    let Some(name) = rec.names.get(&d.asset_id.0) else { return Ok(None) };
    let (f, stage, delivered, overdue) = facts(c, rec, d, now).await?;
    let numbers = analytics::deliverable(cal, &f, now);
    let counts = rec.counts.get(&d.asset_id.0).copied().unwrap_or((0, 0));
    Ok(Some((
        DeliverableAnalytics {
            asset_id: d.asset_id,
            name: name.clone(),
            stage,
            delivered,
            overdue,
            comments: counts.0,
            anchored_comments: counts.1,
            numbers,
        },
        f,
    )))
}

/// Every live deliverable of a campaign with its numbers and the facts they came from (a
/// handful of queries for the whole campaign).
async fn rows(
    c: &mut Conn,
    cal: &Calendar,
    project: &ProjectRow,
    now: i64,
) -> ApiResult<Vec<(DeliverableAnalytics, DeliverableFacts)>> {
    let rec = records(&mut *c, project).await?;
    let mut out = Vec::new();
    for d in wstore::deliverables(&mut *c, project.id).await? {
        if let Some(x) = one_with_facts(&mut *c, cal, &rec, &d, now).await? {
            out.push(x);
        }
    }
    Ok(out)
}

fn sums(out: &[DeliverableAnalytics]) -> CampaignNumbers {
    let items: Vec<CampaignItem> = out
        .iter()
        .map(|d| CampaignItem {
            stage: d.stage.clone(),
            overdue: d.overdue,
            numbers: d.numbers.clone(),
            comments: d.comments,
            anchored_comments: d.anchored_comments,
        })
        .collect();
    analytics::campaign(&items)
}

pub async fn campaign(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<CampaignAnalytics> {
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let (project, role) = access::project(&mut c, p, id, false).await?;
    require(role, Action::EditContent)?;
    let cal = super::calendars::calendar_of(&mut c, project.workspace_id).await?;
    let out: Vec<DeliverableAnalytics> = rows(&mut c, &cal, &project, now).await?.into_iter().map(|(d, _)| d).collect();
    Ok(CampaignAnalytics { project_id: project.id, numbers: sums(&out), deliverables: out })
}

/// One deliverable's numbers (team members).
pub async fn deliverable(state: &AppState, p: &Principal, id: AssetId) -> ApiResult<DeliverableAnalytics> {
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let (asset, project, role) = access::asset(&mut c, p, id, false).await?;
    require(role, Action::EditContent)?;
    let Some(d) = wstore::deliverable(&mut c, asset.id).await? else {
        return Err(ApiError::conflict(
            "not-a-deliverable",
            "this asset is not a deliverable: its project has no workflow",
        ));
    };
    let cal = super::calendars::calendar_of(&mut c, project.workspace_id).await?;
    let rec = records(&mut c, &project).await?;
    Ok(one_with_facts(&mut c, &cal, &rec, &d, now).await?.ok_or_else(ApiError::not_found)?.0)
}

/// `GET /api/v1/projects/{id}/analytics.csv`
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvParams {
    /// `deliverables` (default), `reviewers` or `stages`.
    pub table: Option<String>,
}

fn row(cells: &[String]) -> String {
    let line: Vec<String> = cells.iter().map(|c| frameproof_interchange::text::csv_cell(c)).collect();
    line.join(",") + "\r\n"
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// One of a campaign's tables as CSV (RFC 4180, a header row, formula prefixes guarded): the
/// file's name and its text.
pub async fn campaign_csv(state: &AppState, p: &Principal, id: ProjectId, q: CsvParams) -> ApiResult<(String, String)> {
    let table = q.table.as_deref().unwrap_or("deliverables");
    if !["deliverables", "reviewers", "stages"].contains(&table) {
        return Err(ApiError::bad_request("invalid-table", "table: deliverables, reviewers or stages")
            .with_fields(["table".to_owned()]));
    }
    let a = campaign(state, p, id).await?;
    let mut out = String::new();
    match table {
        "deliverables" => {
            out.push_str(&row(&[
                "asset_id",
                "name",
                "stage",
                "delivered",
                "overdue",
                "lead_time_wall_secs",
                "lead_time_business_secs",
                "brief_to_approval_business_secs",
                "rounds",
                "on_time",
                "stalled",
                "stalled_waiting_on",
                "comments",
                "anchored_comments",
            ]
            .map(String::from)));
            for d in &a.deliverables {
                let n = &d.numbers;
                out.push_str(&row(&[
                    d.asset_id.to_string(),
                    d.name.clone(),
                    d.stage.clone().unwrap_or_default(),
                    d.delivered.to_string(),
                    d.overdue.to_string(),
                    opt(n.lead_time.map(|s| s.wall_secs)),
                    opt(n.lead_time.map(|s| s.business_secs)),
                    opt(n.brief_to_approval.map(|s| s.business_secs)),
                    n.rounds.to_string(),
                    opt(n.on_time),
                    n.stalled.is_some().to_string(),
                    n.stalled.as_ref().map(|s| s.waiting_on.join("; ")).unwrap_or_default(),
                    d.comments.to_string(),
                    d.anchored_comments.to_string(),
                ]));
            }
        }
        "reviewers" => {
            out.push_str(&row(
                &["key", "name", "waiting_wall_secs", "waiting_business_secs", "deliverables"].map(String::from)
            ));
            for (w, n) in analytics::waiting_totals(a.deliverables.iter().map(|d| &d.numbers)) {
                let (wall, business) = (w.span.wall_secs.to_string(), w.span.business_secs.to_string());
                out.push_str(&row(&[w.key, w.name, wall, business, n.to_string()]));
            }
        }
        _ => {
            out.push_str(&row(&["stage", "wall_secs", "business_secs", "deliverables_now"].map(String::from)));
            for (s, span) in analytics::stage_totals(a.deliverables.iter().map(|d| &d.numbers)) {
                let now = a.numbers.by_stage.iter().find(|(n, _)| *n == s).map_or(0, |(_, c)| *c);
                out.push_str(&row(&[s, span.wall_secs.to_string(), span.business_secs.to_string(), now.to_string()]));
            }
        }
    }
    Ok((format!("campaign-{table}.csv"), out))
}

// ---------------------------------------------------------------------------------------------
// The workspace

/// `GET /api/v1/workspaces/{id}/analytics`
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// Start of the range (default: 90 days before `to`).
    pub from: Option<frameproof_domain::Timestamp>,
    /// End of the range (default: now).
    pub to: Option<frameproof_domain::Timestamp>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectNumbers {
    pub project_id: ProjectId,
    pub name: String,
    pub numbers: CampaignNumbers,
}

/// How a person answered: response times (asked → decided) of the decisions they gave in the
/// range, in business seconds, and how often they were late.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewerNumbers {
    pub key: String,
    pub name: String,
    pub decisions: usize,
    pub response_p50_business_secs: Option<i64>,
    pub response_p90_business_secs: Option<i64>,
    /// Decisions given after the stage's due time, and seats still open past it.
    pub overdue: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageNumbers {
    pub stage: String,
    pub business_secs: i64,
    pub wall_secs: i64,
    /// Of all stages' business time.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WeekCount {
    /// The Monday the week starts (local date).
    pub week: String,
    pub approved: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StalledItem {
    pub project_id: ProjectId,
    pub project_name: String,
    pub asset_id: AssetId,
    pub name: String,
    pub stall: analytics::Stall,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MostMissed {
    pub key: String,
    pub campaigns: usize,
    pub words: String,
}

/// A workspace's numbers over a range: its campaigns, its reviewers, its stages, approvals per
/// week, what is stalled now, and the audit checkpoint missed most often in its last campaigns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkspaceAnalytics {
    pub from: frameproof_domain::Timestamp,
    pub to: frameproof_domain::Timestamp,
    pub numbers: CampaignNumbers,
    pub projects: Vec<ProjectNumbers>,
    pub reviewers: Vec<ReviewerNumbers>,
    pub stages: Vec<StageNumbers>,
    pub throughput: Vec<WeekCount>,
    pub stalled: Vec<StalledItem>,
    /// Over the last ten campaigns.
    pub most_often_missed: Option<MostMissed>,
}

/// Campaigns the audit summary reads.
const AUDITED: usize = 10;

/// A deliverable counts in a range when it had its first upload by the range's end and was not
/// approved before its start.
fn in_range(f: &DeliverableFacts, from: i64, to: i64) -> bool {
    f.first_upload_at.is_some_and(|u| u <= to) && f.approved_at.is_none_or(|a| a >= from)
}

pub async fn workspace(
    state: &AppState,
    p: &Principal,
    ws: frameproof_domain::WorkspaceId,
    q: RangeParams,
) -> ApiResult<WorkspaceAnalytics> {
    let now = state.now().0;
    let to = q.to.map_or(now, |t| t.0);
    let from = q.from.map_or(to - 90 * 86_400_000, |t| t.0);
    if from > to {
        return Err(ApiError::bad_request("invalid-range", "from: the range starts after it ends")
            .with_fields(["from".to_owned()]));
    }
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::EditContent)?;
    let cal = super::calendars::calendar_of(&mut c, ws).await?;
    let mut projects = Vec::new();
    let mut all: Vec<DeliverableAnalytics> = Vec::new();
    let mut stalled = Vec::new();
    let mut responses: BTreeMap<String, (String, Vec<i64>, usize)> = BTreeMap::new();
    let mut weeks: BTreeMap<String, usize> = BTreeMap::new();
    let ids = frameproof_store::checks::campaigns_of(&mut c, ws).await?;
    for id in &ids {
        let Some(project) = frameproof_store::projects::get(&mut c, ProjectId(*id)).await? else { continue };
        let mut mine = Vec::new();
        for (d, f) in rows(&mut c, &cal, &project, now).await? {
            if !in_range(&f, from, to) {
                continue;
            }
            if let Some(s) = &d.numbers.stalled {
                stalled.push(StalledItem {
                    project_id: project.id,
                    project_name: project.name.clone(),
                    asset_id: d.asset_id,
                    name: d.name.clone(),
                    stall: s.clone(),
                });
            }
            if let Some(a) = f.approved_at.filter(|a| (from..=to).contains(a)) {
                let day = cal.local_date(a);
                let back = i64::from(day.weekday().to_monday_zero_offset());
                let monday = day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day);
                *weeks.entry(monday.to_string()).or_default() += 1;
            }
            for r in &f.runs {
                for seat in &r.seats {
                    let e = responses
                        .entry(seat.person.0.clone())
                        .or_insert_with(|| (seat.person.1.clone(), Vec::new(), 0));
                    match seat.decided_at {
                        Some(d) if (from..=to).contains(&d) => {
                            e.1.push(analytics::Span::between(&cal, seat.asked_at, d).business_secs);
                            if d > r.due_at {
                                e.2 += 1;
                            }
                        }
                        None if r.exited_at.is_none() && now > r.due_at => e.2 += 1,
                        _ => {}
                    }
                }
            }
            mine.push(d);
        }
        if !mine.is_empty() {
            projects.push(ProjectNumbers { project_id: project.id, name: project.name.clone(), numbers: sums(&mine) });
        }
        all.extend(mine);
    }
    let numbers = sums(&all);
    let stage_time = analytics::stage_totals(all.iter().map(|d| &d.numbers));
    let total: i64 = stage_time.iter().map(|(_, t)| t.business_secs).sum();
    let stages = stage_time
        .into_iter()
        .map(|(stage, t)| StageNumbers {
            stage,
            business_secs: t.business_secs,
            wall_secs: t.wall_secs,
            share: if total > 0 { t.business_secs as f64 / total as f64 } else { 0.0 },
        })
        .collect();
    let reviewers = responses
        .into_iter()
        .filter(|(_, (_, times, overdue))| !times.is_empty() || *overdue > 0)
        .map(|(key, (name, times, overdue))| ReviewerNumbers {
            key,
            name,
            decisions: times.len(),
            response_p50_business_secs: analytics::percentile(&times, 50),
            response_p90_business_secs: analytics::percentile(&times, 90),
            overdue,
        })
        .collect();
    drop(c);
    let mut audits = Vec::new();
    for id in ids.iter().take(AUDITED) {
        audits.push(super::checkpoints::campaign(state, p, ProjectId(*id)).await?.checkpoints);
    }
    let most_often_missed = frameproof_domain::audit_checks::most_often_missed(&audits)
        .map(|(key, campaigns, words)| MostMissed { key: key.to_owned(), campaigns, words });
    Ok(WorkspaceAnalytics {
        from: frameproof_domain::Timestamp(from),
        to: frameproof_domain::Timestamp(to),
        numbers,
        projects,
        reviewers,
        stages,
        throughput: weeks.into_iter().map(|(week, approved)| WeekCount { week, approved }).collect(),
        stalled,
        most_often_missed,
    })
}
