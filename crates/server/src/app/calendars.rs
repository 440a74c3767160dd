//! A workspace's business calendar (time zone, working days and hours, holidays), members' time
//! out of office, and named groups of members that stages can name as reviewers.

use frameproof_domain::calendar::{Calendar, FIRST_YEAR, LAST_YEAR};
use frameproof_domain::{Action, Timestamp, UserId, WorkspaceId, event, validate};
use frameproof_store::calendars::{self, CalendarRow, GroupRow};
use frameproof_store::{Conn, workspaces};
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::new_uuid;
use crate::access::{self, require};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::state::AppState;
use crate::zone::Zone;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Holidays in one calendar.
const MAX_HOLIDAYS: usize = 2_000;

/// A holiday: a local date and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    #[schema(example = "2026-12-25")]
    pub date: String,
    #[serde(default)]
    pub name: String,
}

/// A workspace's business calendar: due times are counted in its business days and end at
/// `day_end` local time; analytics count business seconds inside its working hours.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarView {
    /// IANA time zone name.
    #[schema(example = "Europe/London")]
    pub time_zone: String,
    /// Working days of the week, from `mon tue wed thu fri sat sun`.
    pub working_days: Vec<String>,
    /// Local start of the working day, `HH:MM`.
    #[schema(example = "09:00")]
    pub day_start: String,
    /// Local end of the working day, `HH:MM`: the time of day every due time falls on.
    #[schema(example = "17:00")]
    pub day_end: String,
    /// Days off beside the weekend, in the years 2000–2100.
    pub holidays: Vec<Holiday>,
}

fn parse_time(field: &'static str, s: &str) -> ApiResult<Time> {
    let t = s.trim();
    let ok = t.len() == 5 && t.as_bytes()[2] == b':';
    let parsed = ok.then(|| format!("{t}:00").parse::<Time>().ok()).flatten();
    parsed.ok_or_else(|| {
        ApiError::bad_request("calendar-invalid", format!("{field}: {s:?} is not a time of day HH:MM"))
            .with_fields([field.to_owned()])
    })
}

fn hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// Checks a calendar: every field must hold; the answer names the first that does not.
/// A checked calendar: its zone, the maths, the row to store, and the holidays.
type Checked = (Zone, Calendar, CalendarRow, Vec<(String, String)>);

fn check(req: &CalendarView) -> ApiResult<Checked> {
    let zone = Zone::parse(&req.time_zone).map_err(|e| {
        ApiError::bad_request("time-zone-unknown", format!("time_zone: {e}")).with_fields(["time_zone".to_owned()])
    })?;
    let mut working = [false; 7];
    for d in &req.working_days {
        let i = DAYS.iter().position(|x| x.eq_ignore_ascii_case(d.trim())).ok_or_else(|| {
            ApiError::bad_request("calendar-invalid", format!("working_days: {d:?} is not one of {}", DAYS.join(", ")))
                .with_fields(["working_days".to_owned()])
        })?;
        working[i] = true;
    }
    let (start, end) = (parse_time("day_start", &req.day_start)?, parse_time("day_end", &req.day_end)?);
    if req.holidays.len() > MAX_HOLIDAYS {
        return Err(ApiError::bad_request("calendar-invalid", format!("holidays: at most {MAX_HOLIDAYS}"))
            .with_fields(["holidays".to_owned()]));
    }
    let mut holidays = Vec::new();
    let mut dates = Vec::new();
    for (i, h) in req.holidays.iter().enumerate() {
        let field = format!("holidays[{i}].date");
        let d: Date = h.date.trim().parse().map_err(|_| {
            ApiError::bad_request("calendar-invalid", format!("{field}: {:?} is not a date YYYY-MM-DD", h.date))
                .with_fields([field.clone()])
        })?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
            return Err(ApiError::bad_request(
                "holiday-out-of-range",
                format!("{field}: {d} is outside the years {FIRST_YEAR}–{LAST_YEAR} the calendar counts"),
            )
            .with_fields([field]));
        }
        let name = h.name.trim();
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            let field = format!("holidays[{i}].name");
            return Err(ApiError::bad_request("calendar-invalid", format!("{field}: at most 100 characters"))
                .with_fields([field]));
        }
        if dates.contains(&d) {
            return Err(
                ApiError::bad_request("calendar-invalid", format!("{field}: {d} is listed twice")).with_fields([field])
            );
        }
        dates.push(d);
        holidays.push((d.to_string(), name.to_owned()));
    }
    holidays.sort();
    let cal = Calendar::new(zone.tz().clone(), working, (start, end), dates).map_err(|e| {
        let field = match e {
            frameproof_domain::calendar::CalendarError::NoWorkingDays => "working_days",
            frameproof_domain::calendar::CalendarError::EmptyDay { .. } => "day_end",
            frameproof_domain::calendar::CalendarError::HolidayOutOfRange(_) => "holidays",
        };
        ApiError::bad_request("calendar-invalid", e.to_string()).with_fields([field.to_owned()])
    })?;
    let row = CalendarRow {
        time_zone: zone.name().to_owned(),
        working_days: DAYS.iter().zip(working).filter(|(_, w)| *w).map(|(d, _)| *d).collect::<Vec<_>>().join(","),
        day_start: hhmm(start),
        day_end: hhmm(end),
    };
    Ok((zone, cal, row, holidays))
}

fn view_of(row: &CalendarRow, holidays: &[(String, String)]) -> CalendarView {
    CalendarView {
        time_zone: row.time_zone.clone(),
        working_days: row.working_days.split(',').filter(|d| !d.is_empty()).map(str::to_owned).collect(),
        day_start: row.day_start.clone(),
        day_end: row.day_end.clone(),
        holidays: holidays.iter().map(|(d, n)| Holiday { date: d.clone(), name: n.clone() }).collect(),
    }
}

/// The workspace's calendar for business-day maths (a stored value the server can no longer
/// read falls back to the standard week in the stored zone, or UTC).
pub async fn calendar_of(c: &mut Conn, ws: WorkspaceId) -> ApiResult<Calendar> {
    let (row, holidays) = calendars::calendar(c, ws).await?.ok_or_else(ApiError::not_found)?;
    Ok(match check(&view_of(&row, &holidays)) {
        Ok((_, cal, _, _)) => cal,
        Err(_) => Calendar::standard(Zone::stored(&row.time_zone).tz().clone()),
    })
}

pub async fn get(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<CalendarView> {
    let mut c = state.store().reader().await?;
    access::workspace(&mut c, p, ws).await?;
    let (row, holidays) = calendars::calendar(&mut c, ws).await?.ok_or_else(ApiError::not_found)?;
    Ok(view_of(&row, &holidays))
}

/// `PUT /api/v1/workspaces/{id}/calendar`: owners and admins. Due times already set stay as
/// they were; stages entered from now on count by the new calendar.
pub async fn put(state: &AppState, p: &Principal, ws: WorkspaceId, req: CalendarView) -> ApiResult<CalendarView> {
    let (_, _, row, holidays) = check(&req)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    calendars::set_calendar(&mut tx, ws, &row, &holidays, now).await?;
    let view = view_of(&row, &holidays);
    record(&mut tx, event::CALENDAR_UPDATED, now, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    tx.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Out of office

/// A member's time away: stages they are asked in ask their backup instead.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwayView {
    /// First local date away, `YYYY-MM-DD`; both null: not away.
    pub from: Option<String>,
    /// Last local date away (inclusive).
    pub until: Option<String>,
}

/// Whether `user` is out of office on the calendar's local date at `now`.
pub async fn is_away(c: &mut Conn, ws: WorkspaceId, user: UserId, cal: &Calendar, now: i64) -> ApiResult<bool> {
    let Some((from, until)) = calendars::away(c, ws, user).await? else {
        return Ok(false);
    };
    let today = cal.local_date(now).to_string();
    Ok(from <= today && today <= until)
}

/// `PUT /api/v1/workspaces/{id}/members/{user_id}/away`: the member themself, or an owner or
/// admin.
pub async fn set_away(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    user: UserId,
    req: AwayView,
) -> ApiResult<AwayView> {
    let parse = |field: &'static str, s: &str| -> ApiResult<String> {
        let d: Date = s.trim().parse().map_err(|_| {
            ApiError::bad_request("away-invalid", format!("{field}: {s:?} is not a date YYYY-MM-DD"))
                .with_fields([field.to_owned()])
        })?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
            return Err(ApiError::bad_request(
                "away-invalid",
                format!("{field}: {d} is outside {FIRST_YEAR}–{LAST_YEAR}"),
            )
            .with_fields([field.to_owned()]));
        }
        Ok(d.to_string())
    };
    let away = match (&req.from, &req.until) {
        (None, None) => None,
        (Some(f), Some(u)) => {
            let (f, u) = (parse("from", f)?, parse("until", u)?);
            if u < f {
                return Err(ApiError::bad_request("away-invalid", format!("until: {u} is before from ({f})"))
                    .with_fields(["until".to_owned()]));
            }
            Some((f, u))
        }
        _ => {
            return Err(ApiError::bad_request("away-invalid", "give both from and until, or neither (not away)")
                .with_fields([if req.from.is_none() { "from" } else { "until" }.to_owned()]));
        }
    };
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    if user != p.user_id {
        require(role, Action::ManageWorkspace)?;
    }
    if !calendars::set_away(&mut tx, ws, user, away.as_ref().map(|(f, u)| (f.as_str(), u.as_str())), now).await? {
        return Err(ApiError::not_found());
    }
    let view = AwayView { from: away.as_ref().map(|a| a.0.clone()), until: away.map(|a| a.1) };
    let payload = serde_json::json!({"user_id": user, "from": view.from, "until": view.until});
    record(&mut tx, event::MEMBER_AWAY_CHANGED, now, &Actor::user(p), EventScope::workspace(ws), &payload).await?;
    tx.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Groups

/// A named group of members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupView {
    pub id: Uuid,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub members: Vec<GroupMember>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupMember {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
}

/// `POST /api/v1/workspaces/{id}/groups`, `PATCH /api/v1/groups/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    pub name: Option<String>,
    /// Exactly these members (active members of the workspace).
    pub members: Option<Vec<UserId>>,
}

async fn group_view(c: &mut Conn, g: &GroupRow) -> ApiResult<GroupView> {
    let members = calendars::group_members(c, g.id)
        .await?
        .into_iter()
        .map(|(id, name, email)| GroupMember { user_id: UserId(id), name, email })
        .collect();
    Ok(GroupView {
        id: g.id,
        workspace_id: g.workspace_id,
        name: g.name.clone(),
        members,
        created_at: Timestamp(g.created_at),
        updated_at: Timestamp(g.updated_at),
    })
}

pub async fn groups(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<Vec<GroupView>> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::EditContent)?;
    let mut out = Vec::new();
    for g in calendars::groups(&mut c, ws).await? {
        out.push(group_view(&mut c, &g).await?);
    }
    Ok(out)
}

async fn check_members(c: &mut Conn, ws: WorkspaceId, members: &[UserId]) -> ApiResult<()> {
    if members.len() > 500 {
        return Err(ApiError::bad_request("group-invalid", "members: at most 500").with_fields(["members".to_owned()]));
    }
    for (i, m) in members.iter().enumerate() {
        if workspaces::active_role(c, ws, *m).await?.is_none() {
            let field = format!("members[{i}]");
            return Err(ApiError::bad_request(
                "group-member-unknown",
                format!("{field}: {m} is not an active member of the workspace"),
            )
            .with_fields([field]));
        }
    }
    Ok(())
}

/// Stores a group; another of the same name is 409 `group-name-taken`.
async fn put_group(c: &mut Conn, g: &GroupRow, members: &[UserId]) -> ApiResult<()> {
    calendars::put_group(c, g, members).await.map_err(|e| match e {
        frameproof_store::StoreError::Conflict(_) => {
            ApiError::conflict("group-name-taken", format!("a group named {:?} exists", g.name))
        }
        e => e.into(),
    })
}

pub async fn create_group(state: &AppState, p: &Principal, ws: WorkspaceId, req: GroupRequest) -> ApiResult<GroupView> {
    let name = validate::name("name", req.name.as_deref().unwrap_or(""))?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    let members = req.members.unwrap_or_default();
    check_members(&mut tx, ws, &members).await?;
    let g = GroupRow { id: new_uuid(now), workspace_id: ws, name, created_at: now.0, updated_at: now.0 };
    put_group(&mut tx, &g, &members).await?;
    let view = group_view(&mut tx, &g).await?;
    record(&mut tx, event::GROUP_CREATED, now.0, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn update_group(state: &AppState, p: &Principal, id: Uuid, req: GroupRequest) -> ApiResult<GroupView> {
    let name = req.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let mut g = calendars::group(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut tx, p, g.workspace_id).await?;
    require(role, Action::ManageWorkspace)?;
    let members = match req.members {
        Some(m) => m,
        None => calendars::group_members(&mut tx, id).await?.into_iter().map(|(u, _, _)| UserId(u)).collect(),
    };
    check_members(&mut tx, g.workspace_id, &members).await?;
    if let Some(n) = name {
        g.name = n;
    }
    g.updated_at = now;
    put_group(&mut tx, &g, &members).await?;
    let view = group_view(&mut tx, &g).await?;
    record(&mut tx, event::GROUP_UPDATED, now, &Actor::user(p), EventScope::workspace(g.workspace_id), &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Deleting a group leaves applied workflows as they are (their stages were expanded into
/// people when entered); templates naming it refuse to apply until edited.
pub async fn delete_group(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let g = calendars::group(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut tx, p, g.workspace_id).await?;
    require(role, Action::ManageWorkspace)?;
    calendars::delete_group(&mut tx, id).await?;
    let payload = serde_json::json!({"id": id, "name": g.name});
    record(&mut tx, event::GROUP_DELETED, now, &Actor::user(p), EventScope::workspace(g.workspace_id), &payload)
        .await?;
    tx.commit().await?;
    Ok(())
}
