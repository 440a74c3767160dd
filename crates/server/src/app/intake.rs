//! Intake: campaign requests arrive in one place. A workspace's intake form (a brief template)
//! is open to its members and, through intake links, to requesters without an account (a token
//! like a share link's: expiry, allowed e-mail domains, a per-address hourly limit). A request
//! creates a campaign in the `requested` state with its brief submitted, and tells the
//! workspace's intake owners; one of them accepts it (a workflow is applied, the brief
//! accepted) or declines it with a reason, and the requester is told either way.

use frameproof_domain::brief::{FieldDef, FieldType};
use frameproof_domain::{Action, FolderId, ProjectId, Role, Timestamp, UserId, WorkspaceId, event, validate};
use frameproof_store::intake::{self, LinkRow, RequestRow, SettingsRow};
use frameproof_store::projects::{self, NewProject, ProjectRow, ProjectUpdate};
use frameproof_store::{Conn, WriteTx, accounts, workflows as wstore, workspaces};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::accounts::ClientInfo;
use super::briefs::{self, ByView};
use super::workflow::{self, CampaignView, PersonRef};
use super::{new_uuid, throttle};
use crate::access::{self, require};
use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::state::AppState;

/// Live intake links in one workspace.
const MAX_LINKS: usize = 100;
/// Requests through one link from one address per hour, unless the link says otherwise.
const DEFAULT_PER_HOUR: i64 = 10;
/// Requests through one link per day from all addresses together: a leaked link cannot flood
/// the workspace.
const LINK_PER_DAY: i64 = 500;
/// Unknown intake tokens one address may try within ten minutes.
const TOKEN_GUESSES: i64 = 20;

// ---------------------------------------------------------------------------------------------
// Settings

/// The workspace's intake form and who hears of new requests.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntakeSettingsView {
    /// The brief template the form shows; none: the workspace's default template.
    pub template_id: Option<Uuid>,
    pub template_name: String,
    /// The fields a request fills in.
    pub fields: Vec<FieldDef>,
    /// Told of every request. Empty: the workspace's owners and admins are.
    pub owners: Vec<PersonRef>,
}

/// `PUT /api/v1/workspaces/{id}/intake`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeSettingsRequest {
    /// null: the default template.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<Uuid>)]
    pub template_id: Option<Option<Uuid>>,
    /// Team members told of requests (at most 20).
    pub owner_ids: Option<Vec<UserId>>,
}

fn owner_ids(s: &SettingsRow) -> Vec<Uuid> {
    serde_json::from_str(&s.intake_owner_ids).unwrap_or_default()
}

async fn settings_view(c: &mut Conn, ws: WorkspaceId, now: Timestamp) -> ApiResult<IntakeSettingsView> {
    let s = intake::settings(&mut *c, ws).await?.ok_or_else(ApiError::not_found)?;
    let template = form_template(c, ws, &s, now).await?;
    let mut owners = Vec::new();
    for u in owner_ids(&s) {
        if let Some(u) = accounts::user_by_id(&mut *c, UserId(u)).await? {
            owners.push(PersonRef { user_id: u.id, name: u.name });
        }
    }
    Ok(IntakeSettingsView {
        template_id: s.intake_template_id,
        template_name: template.name.clone(),
        fields: briefs::template_fields(&template),
        owners,
    })
}

/// The template the intake form shows: the one chosen while it stands, else the default (a
/// chosen template archived since falls back).
async fn form_template(
    c: &mut Conn,
    ws: WorkspaceId,
    s: &SettingsRow,
    now: Timestamp,
) -> ApiResult<frameproof_store::briefs::TemplateRow> {
    let chosen = match s.intake_template_id {
        Some(id) => frameproof_store::briefs::template(&mut *c, id)
            .await?
            .filter(|t| t.workspace_id == ws && t.archived_at.is_none()),
        None => None,
    };
    match chosen {
        Some(t) => Ok(t),
        None => briefs::template_to_use(c, ws, None, now).await,
    }
}

pub async fn get_settings(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<IntakeSettingsView> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::EditContent)?;
    settings_view(&mut c, ws, state.now()).await
}

pub async fn put_settings(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    req: IntakeSettingsRequest,
) -> ApiResult<IntakeSettingsView> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    let mut s = intake::settings(&mut tx, ws).await?.ok_or_else(ApiError::not_found)?;
    if let Some(t) = req.template_id {
        if let Some(id) = t {
            briefs::template_to_use(&mut tx, ws, Some(id), now).await?;
        }
        s.intake_template_id = t;
    }
    if let Some(owners) = req.owner_ids {
        if owners.len() > 20 {
            return Err(ApiError::bad_request("too-many-owners", "owner_ids: at most 20 intake owners")
                .with_fields(["owner_ids".to_owned()]));
        }
        let mut ids: Vec<Uuid> = Vec::new();
        for (i, u) in owners.iter().enumerate() {
            if !workspaces::active_role(&mut tx, ws, *u).await?.is_some_and(Role::is_team) {
                return Err(ApiError::bad_request(
                    "intake-owner-invalid",
                    format!("owner_ids[{i}]: {u} is not a team member of the workspace"),
                )
                .with_fields([format!("owner_ids[{i}]")]));
            }
            if !ids.contains(&u.0) {
                ids.push(u.0);
            }
        }
        s.intake_owner_ids = serde_json::to_string(&ids).map_err(ApiError::internal)?;
    }
    intake::put_settings(&mut tx, ws, &s, now.0).await?;
    let view = settings_view(&mut tx, ws, now).await?;
    record(&mut tx, event::INTAKE_UPDATED, now.0, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// Who hears of a request: the named intake owners still on the team, else every owner and
/// admin.
async fn intake_owners(c: &mut Conn, ws: WorkspaceId) -> ApiResult<Vec<(UserId, String, String)>> {
    let s = intake::settings(&mut *c, ws).await?.ok_or_else(ApiError::not_found)?;
    let named = owner_ids(&s);
    let members = workspaces::members(&mut *c, ws).await?;
    let live = members.iter().filter(|m| m.deactivated_at.is_none());
    let mut out: Vec<_> = live
        .clone()
        .filter(|m| named.contains(&m.user_id.0) && m.role().is_team())
        .map(|m| (m.user_id, m.email.clone(), m.name.clone()))
        .collect();
    if out.is_empty() {
        out = live
            .filter(|m| m.role().allows(Action::ManageWorkspace))
            .map(|m| (m.user_id, m.email.clone(), m.name.clone()))
            .collect();
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Intake links

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntakeLinkView {
    pub id: Uuid,
    pub workspace_id: WorkspaceId,
    pub name: String,
    /// Requesters' e-mails must be at one of these domains; empty: any.
    pub allowed_domains: Vec<String>,
    pub expires_at: Option<Timestamp>,
    /// Requests one client address may make per hour.
    pub per_hour: i64,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// Whether it opens now.
    pub live: bool,
}

fn link_view(l: &LinkRow, now: i64) -> IntakeLinkView {
    IntakeLinkView {
        id: l.id,
        workspace_id: l.workspace_id,
        name: l.name.clone(),
        allowed_domains: l.domains(),
        expires_at: l.expires_at.map(Timestamp),
        per_hour: l.per_hour,
        created_at: Timestamp(l.created_at),
        revoked_at: l.revoked_at.map(Timestamp),
        live: l.live(now),
    }
}

/// `POST /api/v1/workspaces/{id}/intake-links`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIntakeLink {
    pub name: String,
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    pub expires_at: Option<Timestamp>,
    /// 1–100; default 10.
    pub per_hour: Option<i64>,
}

/// A new intake link: its URL carries the token, shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedIntakeLink {
    pub link: IntakeLinkView,
    /// `<public url>/intake/<token>`.
    pub url: String,
    pub token: String,
}

pub async fn links(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<Vec<IntakeLinkView>> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    let now = state.now().0;
    Ok(intake::links(&mut c, ws).await?.iter().map(|l| link_view(l, now)).collect())
}

pub async fn create_link(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    req: CreateIntakeLink,
) -> ApiResult<CreatedIntakeLink> {
    let name = validate::name("name", &req.name)?;
    let now = state.now().0;
    if req.expires_at.is_some_and(|e| e.0 <= now) {
        return Err(
            ApiError::bad_request("invalid-expiry", "expires_at is in the past").with_fields(["expires_at".to_owned()])
        );
    }
    let per_hour = req.per_hour.unwrap_or(DEFAULT_PER_HOUR);
    if !(1..=100).contains(&per_hour) {
        return Err(ApiError::bad_request("per-hour-invalid", "per_hour: between 1 and 100 requests an hour")
            .with_fields(["per_hour".to_owned()]));
    }
    let domains = super::shares::check_domains(&req.allowed_domains)?;
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    if intake::links(&mut tx, ws).await?.iter().filter(|l| l.live(now)).count() >= MAX_LINKS {
        return Err(ApiError::conflict(
            "too-many-links",
            format!("a workspace has at most {MAX_LINKS} live intake links"),
        ));
    }
    let token = auth::new_secret();
    let row = LinkRow {
        id: new_uuid(Timestamp(now)),
        workspace_id: ws,
        name,
        allowed_domains: if domains.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&domains).map_err(ApiError::internal)?)
        },
        expires_at: req.expires_at.map(|t| t.0),
        per_hour,
        created_by: p.user_id,
        created_at: now,
        revoked_at: None,
    };
    intake::insert_link(&mut tx, &row, &auth::hash_token(&token)).await?;
    let link = link_view(&row, now);
    record(&mut tx, event::INTAKE_LINK_CREATED, now, &Actor::user(p), EventScope::workspace(ws), &link).await?;
    tx.commit().await?;
    Ok(CreatedIntakeLink { link, url: format!("{}/intake/{token}", state.base_url()), token })
}

pub async fn revoke_link(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let l = intake::link(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut tx, p, l.workspace_id).await?;
    require(role, Action::ManageWorkspace)?;
    if intake::revoke_link(&mut tx, id, now).await? {
        let view = link_view(&intake::link(&mut tx, id).await?.ok_or_else(ApiError::not_found)?, now);
        let scope = EventScope::workspace(l.workspace_id);
        record(&mut tx, event::INTAKE_LINK_REVOKED, now, &Actor::user(p), scope, &view).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Requests

/// A campaign that arrived as a request.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    pub project_id: ProjectId,
    pub project_name: String,
    /// `requested`, `accepted` or `declined`.
    pub state: String,
    pub requester: RequesterView,
    /// The intake link it came through; none: a member used the form.
    pub link: Option<LinkRef>,
    pub requested_at: Timestamp,
    pub decided_by: Option<PersonRef>,
    pub decided_at: Option<Timestamp>,
    pub decline_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequesterView {
    /// The member who asked; none for a requester without an account.
    pub user_id: Option<UserId>,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkRef {
    pub id: Uuid,
    pub name: String,
}

async fn request_view_of(c: &mut Conn, r: &RequestRow, project_name: &str) -> ApiResult<RequestView> {
    let link = match r.link_id {
        Some(id) => intake::link(&mut *c, id).await?.map(|l| LinkRef { id: l.id, name: l.name }),
        None => None,
    };
    let decided_by = match r.decided_by {
        Some(u) => accounts::user_by_id(&mut *c, UserId(u)).await?.map(|u| PersonRef { user_id: u.id, name: u.name }),
        None => None,
    };
    Ok(RequestView {
        project_id: r.project_id,
        project_name: project_name.to_owned(),
        state: r.state.clone(),
        requester: RequesterView {
            user_id: r.requester_id.map(UserId),
            name: r.requester_name.clone(),
            email: r.requester_email.clone(),
        },
        link,
        requested_at: Timestamp(r.requested_at),
        decided_by,
        decided_at: r.decided_at.map(Timestamp),
        decline_reason: r.decline_reason.clone(),
    })
}

/// The request a campaign came from, if it did.
pub(crate) async fn request_view(c: &mut Conn, project: &ProjectRow) -> ApiResult<Option<RequestView>> {
    match intake::request(&mut *c, project.id).await? {
        Some(r) => Ok(Some(request_view_of(c, &r, &project.name).await?)),
        None => Ok(None),
    }
}

/// `POST /api/v1/workspaces/{id}/intake`: a member's request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The campaign's name.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The go-live moment asked for (in the future).
    pub launch_at: Option<Timestamp>,
    /// The brief: every required field of the intake template.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
}

/// What arrives: from a member (their account) or through a link (an e-mail and name).
struct Requester {
    user_id: Option<UserId>,
    email: String,
    name: String,
    link: Option<LinkRow>,
    ip: String,
}

/// Creates the requested campaign, its submitted brief and the request in one transaction, and
/// tells the intake owners and the requester.
async fn create_request(
    state: &AppState,
    tx: &mut WriteTx,
    ws: WorkspaceId,
    created_by: UserId,
    who: &Requester,
    req: &SubmitRequest,
) -> ApiResult<(ProjectRow, RequestView)> {
    let now = state.now();
    let name = validate::name("name", &req.name)?;
    let description = validate::description(&req.description)?;
    if let Some(l) = req.launch_at
        && l.0 <= now.0
    {
        return Err(
            ApiError::bad_request("launch-in-past", "launch_at is in the past").with_fields(["launch_at".to_owned()])
        );
    }
    let settings = intake::settings(&mut *tx, ws).await?.ok_or_else(ApiError::not_found)?;
    let template = form_template(tx, ws, &settings, now).await?;
    // People and assets are named by the team: a requester without an account cannot name
    // them, nor learn from the answer which ids exist.
    if who.user_id.is_none() {
        let internal: Vec<String> = briefs::template_fields(&template)
            .iter()
            .filter(|f| matches!(f.kind, FieldType::Person | FieldType::AssetReference))
            .filter(|f| req.values.get(&f.key).is_some_and(|v| !v.is_null()))
            .map(|f| f.key.clone())
            .collect();
        if !internal.is_empty() {
            return Err(ApiError::bad_request(
                "brief-field-invalid",
                format!("{}: filled in by the team once the request is accepted", internal.join(", ")),
            )
            .with_fields(internal));
        }
    }
    let id = ProjectId(new_uuid(now));
    projects::insert(
        &mut *tx,
        &NewProject {
            id,
            workspace_id: ws,
            name: &name,
            description: &description,
            root_folder_id: FolderId(new_uuid(now)),
            created_by,
            now: now.0,
        },
    )
    .await?;
    let project = projects::get(&mut *tx, id).await?.ok_or_else(ApiError::not_found)?;
    if let Some(l) = req.launch_at {
        wstore::set_campaign_people(&mut *tx, id, None, Some(Some(l.0)), now.0).await?;
    }
    let by = ByView { user_id: who.user_id, name: who.name.clone() };
    let actor = match who.user_id {
        Some(u) => Actor { kind: "user", id: Some(u.to_string()), name: who.name.clone() },
        None => Actor { kind: "guest", id: None, name: who.name.clone() },
    };
    let brief_id = briefs::insert_requested(tx, &project, &template, &req.values, (&by, &actor), now.0).await?;
    let row = RequestRow {
        project_id: id,
        workspace_id: ws,
        link_id: who.link.as_ref().map(|l| l.id),
        requester_id: who.user_id.map(|u| u.0),
        requester_email: who.email.clone(),
        requester_name: who.name.clone(),
        ip: who.ip.clone(),
        requested_at: now.0,
        state: String::from("requested"),
        decided_by: None,
        decided_at: None,
        decline_reason: None,
        project_name: None,
        link_name: None,
        decided_by_name: None,
    };
    intake::insert_request(&mut *tx, &row).await?;
    let view = request_view_of(&mut *tx, &row, &project.name).await?;
    let scope = EventScope::project(ws, id);
    record(&mut *tx, event::PROJECT_CREATED, now.0, &actor, scope, &crate::model::ProjectView::from(&project)).await?;
    let payload = serde_json::json!({"request": view, "brief_id": brief_id});
    record(&mut *tx, event::CAMPAIGN_REQUESTED, now.0, &actor, scope, &payload).await?;
    let ws_row = workspaces::workspace(&mut *tx, ws).await?.ok_or_else(ApiError::not_found)?;
    let url = format!("{}/projects/{id}/campaign", state.base_url());
    for (_, email, owner_name) in intake_owners(&mut *tx, ws).await? {
        crate::mail::campaign_requested(&mut *tx, &email, (&owner_name, &ws_row.name), &view, &url, now.0).await?;
    }
    Ok((project, view))
}

pub async fn submit(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    req: SubmitRequest,
    client: &ClientInfo,
) -> ApiResult<CampaignView> {
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::EditContent)?;
    let who = Requester {
        user_id: Some(p.user_id),
        email: p.email.clone(),
        name: p.name.clone(),
        link: None,
        ip: client.ip_text(),
    };
    let (project, _) = create_request(state, &mut tx, ws, p.user_id, &who, &req).await?;
    let view = workflow::campaign_of(&mut tx, &project).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(view)
}

/// A workspace's requests (`state`: requested, accepted, declined; none: all), newest first.
pub async fn list(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    filter: Option<&str>,
) -> ApiResult<Vec<RequestView>> {
    if let Some(s) = filter
        && !["requested", "accepted", "declined"].contains(&s)
    {
        return Err(ApiError::bad_request("invalid-state", "state: requested, accepted or declined")
            .with_fields(["state".to_owned()]));
    }
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::EditContent)?;
    // One query: the names come joined.
    Ok(intake::requests(&mut c, ws, filter, 500)
        .await?
        .into_iter()
        .map(|r| RequestView {
            project_id: r.project_id,
            project_name: r.project_name.clone().unwrap_or_default(),
            state: r.state.clone(),
            requester: RequesterView {
                user_id: r.requester_id.map(UserId),
                name: r.requester_name.clone(),
                email: r.requester_email.clone(),
            },
            link: r.link_id.zip(r.link_name.clone()).map(|(id, name)| LinkRef { id, name }),
            requested_at: Timestamp(r.requested_at),
            decided_by: r
                .decided_by
                .zip(r.decided_by_name.clone())
                .map(|(u, name)| PersonRef { user_id: UserId(u), name }),
            decided_at: r.decided_at.map(Timestamp),
            decline_reason: r.decline_reason.clone(),
        })
        .collect())
}

/// A pending request the caller may decide: an intake owner, or a workspace owner or admin.
async fn decidable(c: &mut Conn, p: &Principal, id: ProjectId) -> ApiResult<(ProjectRow, RequestRow)> {
    let (project, role) = access::project(&mut *c, p, id, false).await?;
    let named = owner_ids(&intake::settings(&mut *c, project.workspace_id).await?.ok_or_else(ApiError::not_found)?);
    if !(role.allows(Action::ManageWorkspace) || role.is_team() && named.contains(&p.user_id.0)) {
        return Err(ApiError::forbidden("only an intake owner, or a workspace owner or admin, decides a request"));
    }
    let r = intake::request(&mut *c, id).await?.ok_or_else(|| {
        ApiError::new(axum::http::StatusCode::NOT_FOUND, "request-not-found", "this campaign did not come as a request")
    })?;
    if r.state != "requested" {
        return Err(ApiError::conflict("request-decided", format!("this request was already {}", r.state)));
    }
    Ok((project, r))
}

/// `POST /api/v1/projects/{id}/request/accept`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The workflow template to apply.
    pub template_id: Uuid,
    /// The campaign's owner (producer); default: whoever accepts.
    pub owner_id: Option<UserId>,
}

/// Accepts a request: the workflow is applied, the brief accepted, the owner set, the requester
/// told; one transaction.
pub async fn accept(state: &AppState, p: &Principal, id: ProjectId, req: AcceptRequest) -> ApiResult<CampaignView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, r) = decidable(&mut tx, p, id).await?;
    let owner = req.owner_id.unwrap_or(p.user_id);
    if !workspaces::active_role(&mut tx, project.workspace_id, owner).await?.is_some_and(Role::is_team) {
        return Err(ApiError::bad_request(
            "campaign-owner-invalid",
            format!("owner_id: {owner} is not a team member of the workspace"),
        )
        .with_fields(["owner_id".to_owned()]));
    }
    intake::decide(&mut tx, id, "accepted", p.user_id, None, now).await?;
    wstore::set_campaign_people(&mut tx, id, Some(Some(owner)), None, now).await?;
    let actor = Actor::user(p);
    workflow::apply_in(&mut tx, &project, req.template_id, &actor, now).await?;
    briefs::accept_requested(&mut tx, &project, p, now).await?;
    let view = workflow::campaign_of(&mut tx, &project).await?;
    let scope = EventScope::project(project.workspace_id, id);
    record(&mut tx, event::CAMPAIGN_ACCEPTED, now, &actor, scope, &view).await?;
    let ws = workspaces::workspace(&mut tx, project.workspace_id).await?.ok_or_else(ApiError::not_found)?;
    crate::mail::request_decided(&mut tx, &r, (&project.name, &ws.name), &p.name, None, now).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(view)
}

/// `POST /api/v1/projects/{id}/request/decline`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineRequest {
    /// Why (told to the requester): 1–2000 characters.
    pub reason: String,
}

/// Declines a request with a reason: the campaign is archived and the requester told.
pub async fn decline(state: &AppState, p: &Principal, id: ProjectId, req: DeclineRequest) -> ApiResult<CampaignView> {
    let reason = super::reason_text("reason", &req.reason, 2000, true)?;
    let reason = reason.as_str();
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, r) = decidable(&mut tx, p, id).await?;
    intake::decide(&mut tx, id, "declined", p.user_id, Some(reason), now).await?;
    projects::update(&mut tx, id, &ProjectUpdate { name: None, description: None, archived_at: Some(Some(now)) }, now)
        .await?;
    let view = workflow::campaign_of(&mut tx, &project).await?;
    let scope = EventScope::project(project.workspace_id, id);
    record(&mut tx, event::CAMPAIGN_DECLINED, now, &Actor::user(p), scope, &view).await?;
    let ws = workspaces::workspace(&mut tx, project.workspace_id).await?.ok_or_else(ApiError::not_found)?;
    crate::mail::request_decided(&mut tx, &r, (&project.name, &ws.name), &p.name, Some(reason), now).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Through an intake link, without an account

/// What an intake link shows before anything is sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicIntakeForm {
    pub workspace_name: String,
    pub link_name: String,
    pub template_name: String,
    pub fields: Vec<FieldDef>,
    /// The requester's e-mail must be at one of these; empty: any.
    pub allowed_domains: Vec<String>,
}

/// `POST /api/v1/intake/form`: the link's token (kept out of URLs, so out of access logs).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenIntake {
    pub token: String,
}

/// `POST /api/v1/intake/requests`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicSubmit {
    /// The intake link's token.
    pub token: String,
    /// The requester's e-mail (told of the decision).
    pub email: String,
    /// The requester's name.
    pub requester_name: String,
    /// The campaign's name.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The go-live moment asked for (in the future).
    pub launch_at: Option<Timestamp>,
    /// The brief: every required field of the intake template.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
}

/// A request received through a link.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicSubmitted {
    /// The request's reference (quote it when asking after it).
    pub reference: ProjectId,
    pub state: &'static str,
    pub message: String,
}

/// The one answer for an intake link that does not open.
fn intake_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "intake-link-not-found",
        "this intake link does not work: it may have expired or been revoked; ask whoever sent it for a new one",
    )
}

/// The live link behind `token`; unknown tokens count against the address (20 in ten minutes,
/// then refused with 429 and growing waits).
async fn live_link(state: &AppState, token: &str, ip: &str) -> ApiResult<LinkRow> {
    let now = state.now().0;
    let key = format!("intake-token-ip:{ip}");
    let rule = throttle::Rule { attempts: TOKEN_GUESSES, window_ms: 600_000 };
    let found = {
        let mut c = state.store().reader().await?;
        throttle::refuse_if_backing_off(&mut c, &key, rule, now).await?;
        if token.is_empty() || token.len() > 100 {
            None
        } else {
            intake::link_by_hash(&mut c, &auth::hash_token(token)).await?
        }
    };
    match found {
        Some(l) if l.live(now) => Ok(l),
        Some(_) => Err(intake_not_found()),
        None => {
            let mut tx = state.store().begin().await?;
            accounts::record_login_failure(&mut tx, &key, now).await?;
            tx.commit().await?;
            Err(intake_not_found())
        }
    }
}

pub async fn public_form(state: &AppState, token: &str, client: &ClientInfo) -> ApiResult<PublicIntakeForm> {
    let link = live_link(state, token.trim(), &client.ip_text()).await?;
    let mut c = state.store().reader().await?;
    let ws = workspaces::workspace(&mut c, link.workspace_id).await?.ok_or_else(intake_not_found)?;
    let s = settings_view(&mut c, link.workspace_id, state.now()).await?;
    Ok(PublicIntakeForm {
        workspace_name: ws.name,
        link_name: link.name.clone(),
        template_name: s.template_name,
        fields: s.fields,
        allowed_domains: link.domains(),
    })
}

pub async fn public_submit(state: &AppState, req: PublicSubmit, client: &ClientInfo) -> ApiResult<PublicSubmitted> {
    let ip = client.ip_text();
    let link = live_link(state, req.token.trim(), &ip).await?;
    let email = validate::email(&req.email)?;
    let requester_name = validate::name("requester_name", &req.requester_name)?;
    let domains = link.domains();
    if !crate::guests::email_in_domains(&domains, &email) {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "email-domain-not-allowed",
            format!("email: this link takes requests from {} addresses only", domains.join(", ")),
        )
        .with_fields(["email".to_owned()]));
    }
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    // Revoked or expired since it was read: the link stops at once.
    if !intake::link(&mut tx, link.id).await?.is_some_and(|l| l.live(now)) {
        return Err(intake_not_found());
    }
    let from_here = intake::requests_from(&mut tx, link.id, &ip, now - 3_600_000).await?;
    let through = intake::requests_through(&mut tx, link.id, now - 86_400_000).await?;
    if from_here >= link.per_hour || through >= LINK_PER_DAY {
        return Err(ApiError::too_many_attempts(if from_here >= link.per_hour { 3600 } else { 86_400 }));
    }
    let who = Requester { user_id: None, email, name: requester_name, link: Some(link.clone()), ip };
    let request =
        SubmitRequest { name: req.name, description: req.description, launch_at: req.launch_at, values: req.values };
    let (project, _) = create_request(state, &mut tx, link.workspace_id, link.created_by, &who, &request).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(PublicSubmitted {
        reference: project.id,
        state: "requested",
        message: format!(
            "Thank you: \u{201c}{}\u{201d} was received. You will hear by mail when it is accepted or declined.",
            project.name
        ),
    })
}
