//! Reminders and escalation, through the mail outbox, and each person's in-app inbox.
//!
//! The workflow clock's reminder pass ([`pass`]) sends, each exactly once:
//! - **asked**: to each reviewer a stage asks (to the backup instead when the reviewer is out
//!   of office), and to a backup the clock asks in an overdue reviewer's place;
//! - **digest**: at the first pass at or after 08:00 local on each business day of the
//!   workspace's calendar, one mail per person listing everything that waits on them, when at
//!   least one of those things was asked before that 08:00 (at most one digest per person per
//!   local day, whatever the number of workspaces);
//! - **due tomorrow**: at the start of the working day on the business day before the due day
//!   (not when the stage began after that moment);
//! - **due now**: at the due time, to everyone the stage still waits on;
//! - **escalated**: when the clock has asked the backups of an overdue stage (its
//!   `escalate_after_hours` after the due time), the campaign's owner is told who it waited on
//!   and who was asked instead.
//!
//! A manual **nudge** mails one reviewer at most once a day per deliverable. Nobody with nothing
//! waiting gets mail.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use frameproof_domain::calendar::Calendar;
use frameproof_domain::{Action, AssetId, ProjectId, Timestamp, UserId, VersionId, WorkspaceId, event};
use frameproof_store::assets::AssetRow;
use frameproof_store::projects::ProjectRow;
use frameproof_store::reminders as rem;
use frameproof_store::workflows::{self as wstore, RunRow, SeatRow};
use frameproof_store::{Conn, WriteTx, accounts, assets, projects, versions};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{self, require};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::state::AppState;

/// Rows one pass handles of each kind; the next pass takes the rest.
const BATCH: i64 = 500;
/// The digest goes out at this local hour.
const DIGEST_HOUR: i8 = 8;
/// Late runs the inbox lists (most overdue first).
const LATE_LISTED: i64 = 100;
/// One nudge per reviewer per deliverable within this long.
const NUDGE_EVERY_MS: i64 = 86_400_000;

/// Someone a reminder goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Person {
    /// `user:<id>` or `email:<address>`: one digest per key per day.
    key: String,
    user_id: Option<Uuid>,
    email: String,
    name: String,
}

async fn user_person(c: &mut Conn, u: Uuid) -> ApiResult<Option<Person>> {
    Ok(accounts::user_by_id(c, UserId(u)).await?.map(|r| Person {
        key: format!("user:{u}"),
        user_id: Some(u),
        email: r.email,
        name: r.name,
    }))
}

/// Whether a member recipient may still hear of the workspace's work (not removed or
/// deactivated since they were asked); guests always may, until their link stops.
async fn may_hear(c: &mut Conn, ws: WorkspaceId, p: &Person) -> ApiResult<bool> {
    Ok(match p.user_id {
        Some(u) => frameproof_store::workspaces::active_role(c, ws, UserId(u)).await?.is_some(),
        None => true,
    })
}

fn guest_person(email: &str) -> Person {
    let email = email.to_lowercase();
    Person { key: format!("email:{email}"), user_id: None, email: email.clone(), name: email }
}

/// The seat's reviewer (`backup` false) or its backup, as a person to mail.
async fn seat_person(c: &mut Conn, s: &SeatRow, backup: bool) -> ApiResult<Option<Person>> {
    let (user, email) = if backup { (s.backup_user_id, &s.backup_email) } else { (s.user_id, &s.email) };
    match (user, email) {
        (Some(u), _) => user_person(c, u).await,
        (None, Some(e)) => Ok(Some(guest_person(e))),
        _ => Ok(None),
    }
}

/// Everyone an undecided seat waits on, each with whether they are the backup: its reviewer
/// (unless out of office with the backup asked instead) and its backup once asked.
async fn waiting_people(c: &mut Conn, s: &SeatRow) -> ApiResult<Vec<(Person, bool)>> {
    let mut out = Vec::new();
    if s.decided_at.is_some() {
        return Ok(out);
    }
    if s.backup_reason.as_deref() != Some("away")
        && let Some(p) = seat_person(&mut *c, s, false).await?
    {
        out.push((p, false));
    }
    if s.backup_asked_at.is_some()
        && let Some(p) = seat_person(&mut *c, s, true).await?
    {
        out.push((p, true));
    }
    Ok(out)
}

/// What a reminder names: the deliverable, its campaign, the stage, the version.
struct Item {
    project: ProjectRow,
    asset: AssetRow,
    stage: String,
    version: Option<(VersionId, i64)>,
    cal: Calendar,
}

/// Loads what reminders about `run` name (none when the deliverable or campaign is gone).
struct Context {
    calendars: HashMap<WorkspaceId, Calendar>,
    stages: HashMap<ProjectId, Vec<wstore::StageRow>>,
}

impl Context {
    fn new() -> Self {
        Context { calendars: HashMap::new(), stages: HashMap::new() }
    }

    async fn item(&mut self, c: &mut Conn, run: &RunRow) -> ApiResult<Option<Item>> {
        let Some(project) =
            projects::get(&mut *c, run.project_id).await?.filter(|p| p.deleted_at.is_none() && p.archived_at.is_none())
        else {
            return Ok(None);
        };
        let Some(asset) = assets::get(&mut *c, run.asset_id).await?.filter(|a| a.deleted_at.is_none()) else {
            return Ok(None);
        };
        if let Entry::Vacant(e) = self.calendars.entry(project.workspace_id) {
            e.insert(super::calendars::calendar_of(&mut *c, project.workspace_id).await?);
        }
        if let Entry::Vacant(e) = self.stages.entry(project.id) {
            e.insert(wstore::stages(&mut *c, project.id).await?);
        }
        let stage = self.stages[&project.id].iter().find(|s| s.id == run.stage_id).map(|s| s.name.clone());
        let version = match run.version_id {
            Some(v) => versions::get(&mut *c, VersionId(v)).await?.map(|v| (v.id, v.number)),
            None => None,
        };
        let cal = self.calendars[&project.workspace_id].clone();
        Ok(Some(Item { project, asset, stage: stage.unwrap_or_default(), version, cal }))
    }
}

fn item_url(state: &AppState, it: &Item) -> String {
    match it.version {
        Some((v, _)) => format!("{}/a/{}?v={v}", state.base_url(), it.asset.id),
        None => format!("{}/a/{}", state.base_url(), it.asset.id),
    }
}

fn item_title(it: &Item) -> String {
    match it.version {
        Some((_, n)) => format!("{} v{n}", it.asset.name),
        None => it.asset.name.clone(),
    }
}

/// Where the person opens it: members by the app's URL; guests through the link they were sent.
fn open_line(state: &AppState, p: &Person, it: &Item) -> Option<String> {
    p.user_id.map(|_| item_url(state, it))
}

/// One reminder pass; answers how many mails it queued.
pub async fn pass(state: &AppState) -> ApiResult<usize> {
    let now = state.now().0;
    let mut ctx = Context::new();
    let mut queued = 0;
    // One transaction per kind: a kind that fails (and is retried next pass) holds up no other.
    let mut tx = state.store().begin().await?;
    queued += asks(state, &mut tx, &mut ctx, now).await?;
    tx.commit().await?;
    let mut tx = state.store().begin().await?;
    queued += escalations(state, &mut tx, &mut ctx, now).await?;
    tx.commit().await?;
    let mut tx = state.store().begin().await?;
    queued += due_mails(state, &mut tx, &mut ctx, now).await?;
    tx.commit().await?;
    let mut tx = state.store().begin().await?;
    queued += digests(state, &mut tx, &mut ctx, now).await?;
    tx.commit().await?;
    if queued > 0 {
        state.wake_mailer();
    }
    Ok(queued)
}

async fn asks(state: &AppState, tx: &mut WriteTx, ctx: &mut Context, now: i64) -> ApiResult<usize> {
    let mut queued = 0;
    for (run, seat, backup) in rem::unmailed_asks(&mut *tx, BATCH).await? {
        rem::mark_ask_mailed(&mut *tx, run.id, seat.seat, backup, now).await?;
        // An ask already answered, or in a stage that ended, needs no mail; nor does a reviewer
        // who is away while their backup is asked.
        if run.exited_at.is_some()
            || seat.decided_at.is_some()
            || (!backup && seat.backup_reason.as_deref() == Some("away"))
        {
            continue;
        }
        let Some(it) = ctx.item(&mut *tx, &run).await? else { continue };
        let Some(person) = seat_person(&mut *tx, &seat, backup).await? else { continue };
        if !may_hear(&mut *tx, it.project.workspace_id, &person).await? {
            continue;
        }
        let instead = backup.then(|| (seat.name.as_str(), seat.backup_reason.as_deref() == Some("away")));
        let url = open_line(state, &person, &it);
        crate::mail::reminder_asked(
            &mut *tx,
            &person.email,
            &person.name,
            &reminder_text(&it, &run),
            instead,
            url.as_deref(),
            now,
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}

/// What a reminder says of one item: title, campaign, stage, round, due.
pub struct ReminderLine {
    pub title: String,
    pub campaign: String,
    pub stage: String,
    pub round: i64,
    pub due: String,
    pub due_ms: i64,
}

fn reminder_text(it: &Item, run: &RunRow) -> ReminderLine {
    ReminderLine {
        title: item_title(it),
        campaign: it.project.name.clone(),
        stage: it.stage.clone(),
        round: run.round,
        due: it.cal.format(run.due_at),
        due_ms: run.due_at,
    }
}

async fn escalations(state: &AppState, tx: &mut WriteTx, ctx: &mut Context, now: i64) -> ApiResult<usize> {
    let mut queued = 0;
    for run in rem::escalated_untold(&mut *tx, BATCH).await? {
        rem::mark_owner_told(&mut *tx, run.id, now).await?;
        let Some(it) = ctx.item(&mut *tx, &run).await? else { continue };
        let owner = wstore::campaign(&mut *tx, it.project.id).await?.and_then(|c| c.owner_id);
        let Some(owner) = user_person(&mut *tx, owner.unwrap_or(it.project.created_by.0)).await? else { continue };
        if !may_hear(&mut *tx, it.project.workspace_id, &owner).await? {
            continue;
        }
        let seats = wstore::seats(&mut *tx, run.id).await?;
        let waiting: Vec<String> = seats.iter().filter(|s| s.decided_at.is_none()).map(|s| s.name.clone()).collect();
        let asked: Vec<String> = seats
            .iter()
            .filter(|s| s.decided_at.is_none() && s.backup_asked_at.is_some())
            .filter_map(|s| s.backup_name.clone())
            .collect();
        let late_since = it.cal.format(run.due_at);
        crate::mail::reminder_escalated(
            &mut *tx,
            (&owner.email, &owner.name),
            &reminder_text(&it, &run),
            (&waiting, &asked),
            &late_since,
            &item_url(state, &it),
            now,
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}

async fn due_mails(state: &AppState, tx: &mut WriteTx, ctx: &mut Context, now: i64) -> ApiResult<usize> {
    let mut queued = 0;
    for (soon, runs) in
        [(true, rem::due_soon(&mut *tx, now, BATCH).await?), (false, rem::due_now(&mut *tx, now, BATCH).await?)]
    {
        for run in runs {
            rem::mark_reminded(&mut *tx, run.id, soon, now).await?;
            // Past due already: the due mail says it, not a late "due tomorrow".
            if soon && run.due_at <= now {
                continue;
            }
            let Some(it) = ctx.item(&mut *tx, &run).await? else { continue };
            let mut people = Vec::new();
            for s in wstore::seats(&mut *tx, run.id).await? {
                people.extend(waiting_people(&mut *tx, &s).await?.into_iter().map(|(p, _)| p));
            }
            people.sort();
            people.dedup_by(|a, b| a.key == b.key);
            for p in people {
                if !may_hear(&mut *tx, it.project.workspace_id, &p).await? {
                    continue;
                }
                let url = open_line(state, &p, &it);
                crate::mail::reminder_due(
                    &mut *tx,
                    (&p.email, &p.name),
                    &reminder_text(&it, &run),
                    soon,
                    url.as_deref(),
                    now,
                )
                .await?;
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// What waits on one person for their digest: who, the local day it counts for, and each open
/// run with whether it was asked before that day's 08:00.
type Waiting = (Person, String, Vec<(RunRow, bool)>);

/// The 08:00 digests: every workspace whose local 08:00 of a business day has passed since its
/// digests were last built adds what waits in it; each person then gets one mail listing all of
/// it, at most one per local day (the day of the first of their workspaces to be built).
async fn digests(state: &AppState, tx: &mut WriteTx, ctx: &mut Context, now: i64) -> ApiResult<usize> {
    let mut per: BTreeMap<String, Waiting> = BTreeMap::new();
    for (ws, last) in rem::digest_days(&mut *tx).await? {
        let ws = WorkspaceId(ws);
        let cal = super::calendars::calendar_of(&mut *tx, ws).await?;
        let today = cal.local_date(now);
        let day = today.to_string();
        let eight = cal.at(today, DIGEST_HOUR, 0);
        if !cal.is_business_day(today) || now < eight || last.as_deref() == Some(day.as_str()) {
            continue;
        }
        rem::set_digest_day(&mut *tx, ws, &day).await?;
        for (run, seat) in rem::open_seats_in(&mut *tx, ws).await? {
            for (p, backup) in waiting_people(&mut *tx, &seat).await? {
                if !may_hear(&mut *tx, ws, &p).await? {
                    continue;
                }
                let asked = if backup { seat.backup_asked_at.unwrap_or(seat.asked_at) } else { seat.asked_at };
                let entry = per.entry(p.key.clone()).or_insert_with(|| (p.clone(), day.clone(), Vec::new()));
                entry.2.push((run.clone(), asked < eight));
            }
        }
    }
    let mut queued = 0;
    for (key, (person, day, runs)) in per {
        // Only when something was waiting before this morning (what was asked since got its mail).
        if !runs.iter().any(|(_, before)| *before) || !rem::claim_digest(&mut *tx, &key, &day, now).await? {
            continue;
        }
        let mut lines = Vec::new();
        for (run, _) in &runs {
            if let Some(it) = ctx.item(&mut *tx, run).await? {
                lines.push((reminder_text(&it, run), run.due_at < now, open_line(state, &person, &it)));
            }
        }
        lines.sort_by_key(|l| l.0.due_ms);
        if lines.is_empty() {
            continue;
        }
        crate::mail::reminder_digest(&mut *tx, (&person.email, &person.name), &lines, now).await?;
        queued += 1;
    }
    Ok(queued)
}

// ---------------------------------------------------------------------------------------------
// Nudges

/// `POST /api/v1/assets/{id}/nudge`: one reviewer the deliverable's open stage waits on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NudgeRequest {
    /// A member reviewer (or backup) the stage waits on.
    pub user_id: Option<UserId>,
    /// A guest reviewer, by e-mail.
    pub email: Option<String>,
    /// A line for the reviewer (at most 500 characters).
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NudgeView {
    pub asset_id: AssetId,
    pub name: String,
    pub nudged_at: Timestamp,
    /// The next nudge to this reviewer about this deliverable is allowed from then.
    pub next_allowed_at: Timestamp,
}

/// Mails one reviewer the deliverable's open stage waits on (team members with review rights);
/// at most once a day per reviewer per deliverable (409 `nudge-too-soon`, naming the field).
pub async fn nudge(state: &AppState, p: &Principal, id: AssetId, req: NudgeRequest) -> ApiResult<NudgeView> {
    let field = if req.user_id.is_some() { "user_id" } else { "email" };
    if req.user_id.is_some() == req.email.is_some() {
        return Err(ApiError::bad_request("nudge-target-invalid", "name one reviewer: user_id or email")
            .with_fields(["user_id".to_owned(), "email".to_owned()]));
    }
    let message = super::reason_text("message", &req.message, 500, false)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role) = access::asset(&mut tx, p, id, false).await?;
    require(role, Action::ManageReview)?;
    let run = wstore::open_run(&mut tx, asset.id).await?.ok_or_else(|| {
        ApiError::conflict("no-open-stage", "this deliverable is not waiting on anyone").with_fields([field.to_owned()])
    })?;
    let mut target = None;
    for s in wstore::seats(&mut tx, run.id).await? {
        for (person, _) in waiting_people(&mut tx, &s).await? {
            let hit = match (&req.user_id, &req.email) {
                (Some(u), _) => person.user_id == Some(u.0),
                (None, Some(e)) => person.user_id.is_none() && person.email.eq_ignore_ascii_case(e.trim()),
                _ => false,
            };
            if hit {
                target = Some(person);
            }
        }
    }
    let person = target.ok_or_else(|| {
        ApiError::conflict("not-waiting", format!("{field}: the open stage is not waiting on them"))
            .with_fields([field.to_owned()])
    })?;
    if let Some(last) = rem::last_nudge(&mut tx, asset.id, &person.key).await?
        && now - last < NUDGE_EVERY_MS
    {
        let next = Timestamp(last + NUDGE_EVERY_MS).to_rfc3339();
        return Err(ApiError::conflict(
            "nudge-too-soon",
            format!("{field}: {} was nudged about this deliverable in the last day; again from {next}", person.name),
        )
        .with_fields([field.to_owned()]));
    }
    rem::insert_nudge(&mut tx, asset.id, &person.key, p.user_id, now).await?;
    let mut ctx = Context::new();
    let it = ctx.item(&mut tx, &run).await?.ok_or_else(ApiError::not_found)?;
    let url = open_line(state, &person, &it);
    crate::mail::reminder_nudge(
        &mut tx,
        (&person.email, &person.name),
        &p.name,
        &reminder_text(&it, &run),
        &message,
        url.as_deref(),
        now,
    )
    .await?;
    let scope = EventScope::asset(project.workspace_id, project.id, asset.id);
    let payload = serde_json::json!({"asset_id": asset.id, "run_id": run.id, "reviewer": {"user_id": person.user_id, "name": person.name}});
    record(&mut tx, event::REVIEWER_NUDGED, now, &Actor::user(p), scope, &payload).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(NudgeView {
        asset_id: asset.id,
        name: person.name,
        nudged_at: Timestamp(now),
        next_allowed_at: Timestamp(now + NUDGE_EVERY_MS),
    })
}

// ---------------------------------------------------------------------------------------------
// The inbox

/// A stage running late in a campaign the caller owns.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LateItem {
    pub asset_id: AssetId,
    pub asset_name: String,
    pub project_id: ProjectId,
    pub project_name: String,
    pub version_id: Option<VersionId>,
    pub stage: String,
    pub round: i64,
    pub due_at: Timestamp,
    /// Who it still waits on.
    pub waiting_on: Vec<String>,
}

/// A comment that mentions the caller.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MentionItem {
    pub comment_id: Uuid,
    pub author_name: String,
    /// The first 300 characters.
    pub excerpt: String,
    pub asset_id: AssetId,
    pub asset_name: String,
    pub version_id: VersionId,
    pub version_number: i64,
    pub project_id: ProjectId,
    pub project_name: String,
    /// The frame (video) or millisecond (audio) it is pinned to.
    pub anchor_in: Option<i64>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnreadCounts {
    pub waiting: usize,
    pub late: usize,
    pub mentions: usize,
    pub total: usize,
}

/// The caller's inbox: what waits on them (soonest due first), what they own that is late, and
/// mentions (newest first); "unread" counts what arrived since they last marked it read.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxView {
    pub waiting: Vec<super::workflow::WaitingItem>,
    pub late: Vec<LateItem>,
    pub mentions: Vec<MentionItem>,
    pub read_at: Option<Timestamp>,
    pub unread: UnreadCounts,
}

pub async fn inbox(state: &AppState, p: &Principal) -> ApiResult<InboxView> {
    let now = state.now().0;
    let waiting = super::workflow::waiting_on(state, p).await?;
    let mut c = state.store().reader().await?;
    let read_at = rem::read_at(&mut c, p.user_id).await?;
    let mut late = Vec::new();
    let mut reach = access::Reach::default();
    let rows = rem::late_runs_owned(&mut c, p.user_id, now, LATE_LISTED).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.run.id).collect();
    let mut names: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (run, name) in wstore::undecided_names(&mut c, &ids).await? {
        names.entry(run).or_default().push(name);
    }
    for l in rows {
        if !reach.project(&mut c, p, l.workspace_id, l.run.project_id).await? {
            continue;
        }
        late.push(LateItem {
            asset_id: l.run.asset_id,
            asset_name: l.asset_name,
            project_id: l.run.project_id,
            project_name: l.project_name,
            version_id: l.run.version_id.map(VersionId),
            stage: l.stage_name,
            round: l.run.round,
            due_at: Timestamp(l.run.due_at),
            waiting_on: names.remove(&l.run.id).unwrap_or_default(),
        });
    }
    let mut mentions = Vec::new();
    for m in rem::mentions_of(&mut c, p.user_id, 100).await? {
        // Only what they may still see.
        let ws = WorkspaceId(m.workspace_id);
        if !reach.project(&mut c, p, ws, ProjectId(m.project_id)).await? {
            continue;
        }
        if m.team_only && !reach.role(&mut c, p, ws).await?.is_some_and(|r| r.is_team()) {
            continue;
        }
        mentions.push(MentionItem {
            comment_id: m.comment_id,
            author_name: m.author_name,
            excerpt: m.body.chars().take(300).collect(),
            asset_id: AssetId(m.asset_id),
            asset_name: m.asset_name,
            version_id: VersionId(m.version_id),
            version_number: m.version_number,
            project_id: ProjectId(m.project_id),
            project_name: m.project_name,
            anchor_in: m.anchor_in,
            created_at: Timestamp(m.created_at),
        });
    }
    let since = read_at.unwrap_or(i64::MIN);
    let unread_waiting = waiting.iter().filter(|w| w.asked_at.0 > since).count();
    let unread_late = late.iter().filter(|l| l.due_at.0 > since).count();
    let unread_mentions = mentions.iter().filter(|m| m.created_at.0 > since).count();
    Ok(InboxView {
        waiting,
        late,
        mentions,
        read_at: read_at.map(Timestamp),
        unread: UnreadCounts {
            waiting: unread_waiting,
            late: unread_late,
            mentions: unread_mentions,
            total: unread_waiting + unread_late + unread_mentions,
        },
    })
}

/// Marks the inbox read up to now.
pub async fn mark_read(state: &AppState, p: &Principal) -> ApiResult<InboxView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    rem::set_read_at(&mut tx, p.user_id, now).await?;
    tx.commit().await?;
    inbox(state, p).await
}
