//! Brief templates and briefs: a structured, versioned document on a campaign (and optionally
//! on one deliverable). A brief is a `draft` until submitted; a submitted revision is frozen and
//! editing makes the next one; the campaign's owner (or a workspace owner or admin) accepts it.
//! Every revision is kept, with author and time, and any two can be compared.

use frameproof_domain::brief::{self, FieldChange, FieldDef};
use frameproof_domain::{Action, AssetId, ProjectId, Role, Timestamp, UserId, WorkspaceId, event, validate};
use frameproof_store::briefs::{self, BriefRow, RevisionRow, TemplateRow};
use frameproof_store::{Conn, WriteTx, assets, workflows, workspaces};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::new_uuid;
use crate::access::{self, require};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::state::AppState;

/// Templates in one workspace.
const MAX_TEMPLATES: usize = 200;

/// A brief template.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BriefTemplateView {
    pub id: Uuid,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub fields: Vec<FieldDef>,
    /// New briefs use it unless they name another.
    pub is_default: bool,
    pub archived: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn fields_of(json: &str) -> Vec<FieldDef> {
    serde_json::from_str(json).unwrap_or_default()
}

impl From<&TemplateRow> for BriefTemplateView {
    fn from(t: &TemplateRow) -> Self {
        Self {
            id: t.id,
            workspace_id: t.workspace_id,
            name: t.name.clone(),
            fields: fields_of(&t.fields),
            is_default: t.is_default,
            archived: t.archived_at.is_some(),
            created_at: Timestamp(t.created_at),
            updated_at: Timestamp(t.updated_at),
        }
    }
}

/// Gives a workspace the standard template (as its default) when it has none.
pub async fn ensure_standard_template(c: &mut Conn, ws: WorkspaceId, now: Timestamp) -> ApiResult<()> {
    if !briefs::templates(&mut *c, ws).await?.is_empty() {
        return Ok(());
    }
    let fields = serde_json::to_string(&brief::standard_fields()).map_err(ApiError::internal)?;
    let t = TemplateRow {
        id: new_uuid(now),
        workspace_id: ws,
        name: String::from("Standard brief"),
        fields,
        is_default: true,
        created_at: now.0,
        updated_at: now.0,
        archived_at: None,
    };
    briefs::put_template(c, &t).await?;
    Ok(())
}

/// At start: every workspace made before briefs existed gets the standard template.
pub async fn ensure_standard_templates(state: &AppState) -> ApiResult<()> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    for ws in briefs::workspaces_without_templates(&mut tx).await? {
        ensure_standard_template(&mut tx, WorkspaceId(ws), now).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn templates(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<Vec<BriefTemplateView>> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::EditContent)?;
    Ok(briefs::templates(&mut c, ws).await?.iter().map(BriefTemplateView::from).collect())
}

/// `POST /api/v1/workspaces/{id}/brief-templates`, `PATCH /api/v1/brief-templates/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefTemplateRequest {
    pub name: Option<String>,
    pub fields: Option<Vec<FieldDef>>,
    pub is_default: Option<bool>,
    /// Archived templates are kept (briefs made with them keep their fields) but not offered.
    pub archived: Option<bool>,
}

fn normalise(mut fields: Vec<FieldDef>) -> Vec<FieldDef> {
    for f in &mut fields {
        f.label = f.label.trim().to_owned();
        f.help = f.help.trim().to_owned();
        f.options = f.options.iter().map(|o| o.trim().to_owned()).collect();
    }
    fields
}

pub async fn create_template(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    req: BriefTemplateRequest,
) -> ApiResult<BriefTemplateView> {
    let name = validate::name("name", req.name.as_deref().unwrap_or(""))?;
    let fields = normalise(req.fields.unwrap_or_else(brief::standard_fields));
    brief::check_fields(&fields)?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    if briefs::templates(&mut tx, ws).await?.len() >= MAX_TEMPLATES {
        return Err(ApiError::conflict(
            "too-many-templates",
            format!("a workspace has at most {MAX_TEMPLATES} brief templates"),
        ));
    }
    let t = TemplateRow {
        id: new_uuid(now),
        workspace_id: ws,
        name,
        fields: serde_json::to_string(&fields).map_err(ApiError::internal)?,
        is_default: req.is_default.unwrap_or(false),
        created_at: now.0,
        updated_at: now.0,
        archived_at: None,
    };
    briefs::put_template(&mut tx, &t).await?;
    let view = BriefTemplateView::from(&t);
    record(&mut tx, event::BRIEF_TEMPLATE_CREATED, now.0, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn get_template(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<BriefTemplateView> {
    let mut c = state.store().reader().await?;
    let t = briefs::template(&mut c, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut c, p, t.workspace_id).await?;
    require(role, Action::EditContent)?;
    Ok(BriefTemplateView::from(&t))
}

/// Editing a template changes briefs made from now on; existing briefs keep the fields they
/// were made with.
pub async fn update_template(
    state: &AppState,
    p: &Principal,
    id: Uuid,
    req: BriefTemplateRequest,
) -> ApiResult<BriefTemplateView> {
    let name = req.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let fields = req.fields.map(normalise);
    if let Some(f) = &fields {
        brief::check_fields(f)?;
    }
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let mut t = briefs::template(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut tx, p, t.workspace_id).await?;
    require(role, Action::ManageWorkspace)?;
    if let Some(n) = name {
        t.name = n;
    }
    if let Some(f) = fields {
        t.fields = serde_json::to_string(&f).map_err(ApiError::internal)?;
    }
    if let Some(d) = req.is_default {
        t.is_default = d;
    }
    match req.archived {
        Some(true) if t.archived_at.is_none() => t.archived_at = Some(now),
        Some(false) => t.archived_at = None,
        _ => {}
    }
    if t.is_default && t.archived_at.is_some() {
        return Err(ApiError::bad_request(
            "template-default-archived",
            "archived: the default template cannot be archived",
        )
        .with_fields(["archived".to_owned()]));
    }
    t.updated_at = now;
    briefs::put_template(&mut tx, &t).await?;
    let view = BriefTemplateView::from(&t);
    record(&mut tx, event::BRIEF_TEMPLATE_UPDATED, now, &Actor::user(p), EventScope::workspace(t.workspace_id), &view)
        .await?;
    tx.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Briefs

/// Who did something to a revision.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ByView {
    pub user_id: Option<UserId>,
    pub name: String,
}

fn by_of(json: Option<&str>) -> Option<ByView> {
    json.and_then(|j| serde_json::from_str(j).ok())
}

fn by_json(p: &Principal) -> String {
    serde_json::json!({"user_id": p.user_id, "name": p.name}).to_string()
}

/// A revision of a brief.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RevisionView {
    pub number: i64,
    /// `draft`, `submitted` or `accepted`.
    pub state: &'static str,
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    /// Required fields it leaves empty.
    pub missing: Vec<String>,
    pub author: ByView,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
    pub submitted_by: Option<ByView>,
    pub accepted_at: Option<Timestamp>,
    pub accepted_by: Option<ByView>,
}

fn values_of(r: &RevisionRow) -> Map<String, Value> {
    serde_json::from_str(&r.field_values).unwrap_or_default()
}

fn revision_view(fields: &[FieldDef], r: &RevisionRow) -> RevisionView {
    let values = values_of(r);
    RevisionView {
        number: r.number,
        state: match (r.submitted_at, r.accepted_at) {
            (None, _) => "draft",
            (Some(_), None) => "submitted",
            (Some(_), Some(_)) => "accepted",
        },
        missing: brief::missing_required(fields, &values),
        values,
        author: ByView { user_id: r.author_id.map(UserId), name: r.author_name.clone() },
        created_at: Timestamp(r.created_at),
        updated_at: Timestamp(r.updated_at),
        submitted_at: r.submitted_at.map(Timestamp),
        submitted_by: by_of(r.submitted_by.as_deref()),
        accepted_at: r.accepted_at.map(Timestamp),
        accepted_by: by_of(r.accepted_by.as_deref()),
    }
}

/// A brief: its fields, its newest revision, and the caller's view of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BriefView {
    pub id: Uuid,
    pub project_id: ProjectId,
    /// The deliverable it is about; none for the campaign's brief.
    pub asset_id: Option<AssetId>,
    pub template_id: Option<Uuid>,
    pub template_name: String,
    /// The fields as the brief was made (later template edits do not change them).
    pub fields: Vec<FieldDef>,
    /// The newest revision's state: `draft`, `submitted` or `accepted`.
    pub state: &'static str,
    /// The newest revision.
    pub revision: RevisionView,
    /// The newest submitted revision's number: the brief in force (none before the first
    /// submission).
    pub in_force: Option<i64>,
    /// The revision the caller last looked at (none: never).
    pub seen_revision: Option<i64>,
    /// A revision newer than the one the caller last looked at was submitted.
    pub changed_since_seen: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

async fn brief_view(c: &mut Conn, b: &BriefRow, viewer: &str) -> ApiResult<BriefView> {
    let fields = fields_of(&b.fields);
    let revisions = briefs::revisions(&mut *c, b.id).await?;
    let latest = revisions.first().ok_or_else(|| ApiError::internal("a brief without a revision"))?;
    let in_force = revisions.iter().find(|r| r.submitted_at.is_some()).map(|r| r.number);
    let seen = briefs::seen(&mut *c, b.id, viewer).await?;
    let revision = revision_view(&fields, latest);
    Ok(BriefView {
        id: b.id,
        project_id: b.project_id,
        asset_id: b.asset_id.map(AssetId),
        template_id: b.template_id,
        template_name: b.template_name.clone(),
        state: revision.state,
        revision,
        changed_since_seen: in_force.is_some_and(|n| seen.is_none_or(|s| s < n)),
        in_force,
        seen_revision: seen,
        fields,
        created_at: Timestamp(b.created_at),
        updated_at: Timestamp(b.updated_at),
    })
}

fn viewer(p: &Principal) -> String {
    format!("user:{}", p.user_id)
}

/// Checks values against the brief's fields, people and assets against the workspace.
async fn checked_values(
    c: &mut Conn,
    ws: WorkspaceId,
    fields: &[FieldDef],
    values: &Map<String, Value>,
) -> ApiResult<Map<String, Value>> {
    let (values, refs) = brief::check_values(fields, values)?;
    for (key, user) in refs.people {
        if workspaces::active_role(&mut *c, ws, UserId(user)).await?.is_none() {
            return Err(ApiError::bad_request(
                "brief-field-invalid",
                format!("{key}: {user} is not a member of the workspace"),
            )
            .with_fields([key]));
        }
    }
    for (key, asset) in refs.assets {
        let found = match assets::get(&mut *c, AssetId(asset)).await? {
            Some(a) if a.deleted_at.is_none() => {
                frameproof_store::projects::get(&mut *c, a.project_id).await?.is_some_and(|p| p.workspace_id == ws)
            }
            _ => false,
        };
        if !found {
            return Err(ApiError::bad_request(
                "brief-field-invalid",
                format!("{key}: no asset {asset} in the workspace"),
            )
            .with_fields([key]));
        }
    }
    Ok(values)
}

/// `POST /api/v1/projects/{id}/briefs`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBrief {
    /// The template to take the fields from (default: the workspace's default template).
    pub template_id: Option<Uuid>,
    /// A deliverable's own brief; leave out for the campaign's brief.
    pub asset_id: Option<AssetId>,
    /// Field values by key (a draft may leave required fields empty).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
}

pub async fn create(state: &AppState, p: &Principal, project: ProjectId, req: CreateBrief) -> ApiResult<BriefView> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, project, false).await?;
    require(role, Action::EditContent)?;
    access::require_not_archived(&project)?;
    if let Some(a) = req.asset_id {
        let asset = assets::get(&mut tx, a).await?.filter(|x| x.project_id == project.id && x.deleted_at.is_none());
        if asset.is_none() {
            return Err(ApiError::bad_request("asset-unknown", format!("asset_id: no asset {a} in this campaign"))
                .with_fields(["asset_id".to_owned()]));
        }
    }
    if briefs::brief_for(&mut tx, project.id, req.asset_id).await?.is_some() {
        return Err(ApiError::conflict(
            "brief-exists",
            if req.asset_id.is_some() {
                "this deliverable already has a brief"
            } else {
                "this campaign already has a brief"
            },
        ));
    }
    let template = template_to_use(&mut tx, project.workspace_id, req.template_id, now).await?;
    let fields = fields_of(&template.fields);
    let values = checked_values(&mut tx, project.workspace_id, &fields, &req.values).await?;
    let b = BriefRow {
        id: new_uuid(now),
        project_id: project.id,
        asset_id: req.asset_id.map(|a| a.0),
        template_id: Some(template.id),
        template_name: template.name.clone(),
        fields: template.fields.clone(),
        created_at: now.0,
        updated_at: now.0,
    };
    briefs::insert_brief(&mut tx, &b).await?;
    briefs::insert_revision(
        &mut tx,
        &draft(b.id, 1, Value::Object(values).to_string(), (Some(p.user_id.0), p.name.clone()), now.0),
    )
    .await?;
    see_newest(&mut tx, b.id, &viewer(p), now.0).await?;
    let view = brief_view(&mut tx, &b, &viewer(p)).await?;
    announce(&mut tx, event::BRIEF_CREATED, p, &project, &view, now.0).await?;
    tx.commit().await?;
    Ok(view)
}

/// The template `id` names in the workspace, or (none) its default one.
pub(crate) async fn template_to_use(
    c: &mut Conn,
    ws: WorkspaceId,
    id: Option<Uuid>,
    now: Timestamp,
) -> ApiResult<TemplateRow> {
    Ok(match id {
        Some(id) => briefs::template(&mut *c, id)
            .await?
            .filter(|t| t.workspace_id == ws && t.archived_at.is_none())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "template-unknown",
                    format!("template_id: no brief template {id} in the workspace"),
                )
                .with_fields(["template_id".to_owned()])
            })?,
        None => {
            ensure_standard_template(&mut *c, ws, now).await?;
            briefs::default_template(&mut *c, ws)
                .await?
                .or(briefs::templates(&mut *c, ws).await?.into_iter().find(|t| t.archived_at.is_none()))
                .ok_or_else(|| ApiError::conflict("template-unknown", "the workspace has no brief template to use"))?
        }
    })
}

/// The fields a template asks for, parsed.
pub(crate) fn template_fields(t: &TemplateRow) -> Vec<FieldDef> {
    fields_of(&t.fields)
}

/// A requested campaign's brief: revision 1 with the requester's values, submitted at once
/// (every required field filled, or 400 `brief-incomplete` naming them).
pub(crate) async fn insert_requested(
    tx: &mut WriteTx,
    project: &frameproof_store::projects::ProjectRow,
    template: &TemplateRow,
    values: &Map<String, Value>,
    (by, actor): (&ByView, &Actor),
    now: i64,
) -> ApiResult<Uuid> {
    let fields = fields_of(&template.fields);
    let values = checked_values(&mut *tx, project.workspace_id, &fields, values).await?;
    incomplete(&fields, &values)?;
    let b = BriefRow {
        id: new_uuid(Timestamp(now)),
        project_id: project.id,
        asset_id: None,
        template_id: Some(template.id),
        template_name: template.name.clone(),
        fields: template.fields.clone(),
        created_at: now,
        updated_at: now,
    };
    briefs::insert_brief(&mut *tx, &b).await?;
    let by_text = serde_json::to_string(by).map_err(ApiError::internal)?;
    briefs::insert_revision(
        &mut *tx,
        &draft(b.id, 1, Value::Object(values).to_string(), (by.user_id.map(|u| u.0), by.name.clone()), now),
    )
    .await?;
    briefs::submit(&mut *tx, b.id, 1, &by_text, now).await?;
    let scope = EventScope::project(project.workspace_id, project.id);
    for kind in [event::BRIEF_CREATED, event::BRIEF_SUBMITTED] {
        let payload =
            serde_json::json!({"id": b.id, "asset_id": null, "revision": 1, "state": "submitted", "missing": []});
        record(&mut *tx, kind, now, actor, scope, &payload).await?;
    }
    Ok(b.id)
}

/// Accepts the campaign brief's newest submitted revision (a request being accepted);
/// nothing when there is none.
pub(crate) async fn accept_requested(
    tx: &mut WriteTx,
    project: &frameproof_store::projects::ProjectRow,
    p: &Principal,
    now: i64,
) -> ApiResult<()> {
    // The revision the requester submitted (a team member may have started a draft since).
    if let Some(b) = briefs::brief_for(&mut *tx, project.id, None).await?
        && let Some(submitted) = briefs::revisions(&mut *tx, b.id).await?.into_iter().find(|r| r.submitted_at.is_some())
        && briefs::accept(&mut *tx, b.id, submitted.number, &by_json(p), now).await?
    {
        let view = brief_view(&mut *tx, &b, &viewer(p)).await?;
        announce(tx, event::BRIEF_ACCEPTED, p, project, &view, now).await?;
    }
    Ok(())
}

/// 400 `brief-incomplete` naming every required field `values` leaves empty.
fn incomplete(fields: &[FieldDef], values: &Map<String, Value>) -> ApiResult<()> {
    let missing = brief::missing_required(fields, values);
    if missing.is_empty() {
        return Ok(());
    }
    let labels: Vec<String> = missing
        .iter()
        .map(|k| fields.iter().find(|f| &f.key == k).map_or_else(|| k.clone(), |f| f.label.clone()))
        .collect();
    Err(ApiError::bad_request(
        "brief-incomplete",
        format!("fill the required fields before submitting: {}", labels.join(", ")),
    )
    .with_fields(missing))
}

/// A new draft revision of a brief.
fn draft(
    brief: Uuid,
    number: i64,
    values: String,
    (author_id, author_name): (Option<Uuid>, String),
    now: i64,
) -> RevisionRow {
    RevisionRow {
        brief_id: brief,
        number,
        field_values: values,
        author_id,
        author_name,
        created_at: now,
        updated_at: now,
        submitted_at: None,
        submitted_by: None,
        accepted_at: None,
        accepted_by: None,
    }
}

async fn announce(
    tx: &mut WriteTx,
    kind: &str,
    p: &Principal,
    project: &frameproof_store::projects::ProjectRow,
    view: &BriefView,
    now: i64,
) -> ApiResult<()> {
    let scope = match view.asset_id {
        Some(a) => EventScope::asset(project.workspace_id, project.id, a),
        None => EventScope::project(project.workspace_id, project.id),
    };
    let payload = serde_json::json!({
        "id": view.id, "asset_id": view.asset_id, "revision": view.revision.number, "state": view.state,
        "missing": view.revision.missing,
    });
    record(&mut *tx, kind, now, &Actor::user(p), scope, &payload).await?;
    Ok(())
}

/// Ends a change to a brief: its time, its event, the commit; answers the brief as it now is.
async fn changed(
    mut tx: WriteTx,
    kind: &str,
    p: &Principal,
    (b, project): (&BriefRow, &frameproof_store::projects::ProjectRow),
    now: i64,
) -> ApiResult<BriefView> {
    briefs::touch_brief(&mut tx, b.id, now).await?;
    // Whoever changes a brief has read it as it now stands.
    see_newest(&mut tx, b.id, &viewer(p), now).await?;
    let view = brief_view(&mut tx, b, &viewer(p)).await?;
    announce(&mut tx, kind, p, project, &view, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Marks the newest revision one may read as settled as seen by `viewer`: the submitted one (a
/// draft in progress is not news yet), or the draft when nothing was submitted.
async fn see_newest(c: &mut Conn, brief: Uuid, viewer: &str, now: i64) -> ApiResult<()> {
    let all = briefs::revisions(&mut *c, brief).await?;
    let n = all.iter().find(|r| r.submitted_at.is_some()).or(all.first()).map_or(1, |r| r.number);
    briefs::mark_seen(&mut *c, brief, viewer, n, now).await?;
    Ok(())
}

/// A brief the caller can reach, with its project and their role.
async fn reach(
    c: &mut Conn,
    p: &Principal,
    id: Uuid,
) -> ApiResult<(BriefRow, frameproof_store::projects::ProjectRow, Role)> {
    let b = briefs::brief(&mut *c, id).await?.ok_or_else(ApiError::not_found)?;
    let (project, role) = access::project(&mut *c, p, b.project_id, false).await?;
    if let Some(a) = b.asset_id
        && assets::get(&mut *c, AssetId(a)).await?.is_none_or(|a| a.deleted_at.is_some())
    {
        return Err(ApiError::not_found());
    }
    Ok((b, project, role))
}

pub async fn list(state: &AppState, p: &Principal, project: ProjectId) -> ApiResult<Vec<BriefView>> {
    let mut c = state.store().reader().await?;
    let (project, _) = access::project(&mut c, p, project, false).await?;
    let mut out = Vec::new();
    for b in briefs::briefs_of(&mut c, project.id).await? {
        if let Some(a) = b.asset_id
            && assets::get(&mut c, AssetId(a)).await?.is_none_or(|a| a.deleted_at.is_some())
        {
            continue;
        }
        out.push(brief_view(&mut c, &b, &viewer(p)).await?);
    }
    Ok(out)
}

pub async fn get(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<BriefView> {
    let mut c = state.store().reader().await?;
    let (b, _, _) = reach(&mut c, p, id).await?;
    brief_view(&mut c, &b, &viewer(p)).await
}

/// `PATCH /api/v1/briefs/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBrief {
    /// Fields to set, by key; `null` clears one. Fields left out keep their value.
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
}

/// Edits the draft, or (when the newest revision was submitted) starts the next revision from
/// it with these changes.
pub async fn update(state: &AppState, p: &Principal, id: Uuid, req: UpdateBrief) -> ApiResult<BriefView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (b, project, role) = reach(&mut tx, p, id).await?;
    require(role, Action::EditContent)?;
    access::require_not_archived(&project)?;
    let fields = fields_of(&b.fields);
    let latest = briefs::latest_revision(&mut tx, b.id).await?.ok_or_else(ApiError::not_found)?;
    let mut merged = values_of(&latest);
    for (k, v) in req.values {
        merged.insert(k, v);
    }
    let values = Value::Object(checked_values(&mut tx, project.workspace_id, &fields, &merged).await?).to_string();
    if latest.submitted_at.is_none() {
        briefs::update_draft(&mut tx, b.id, latest.number, &values, (p.user_id, &p.name), now).await?;
    } else {
        briefs::insert_revision(
            &mut tx,
            &draft(b.id, latest.number + 1, values, (Some(p.user_id.0), p.name.clone()), now),
        )
        .await?;
    }
    changed(tx, event::BRIEF_UPDATED, p, (&b, &project), now).await
}

/// Submits the draft: 400 `brief-incomplete` naming every required field left empty.
pub async fn submit(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<BriefView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (b, project, role) = reach(&mut tx, p, id).await?;
    require(role, Action::EditContent)?;
    access::require_not_archived(&project)?;
    let fields = fields_of(&b.fields);
    let latest = briefs::latest_revision(&mut tx, b.id).await?.ok_or_else(ApiError::not_found)?;
    if latest.submitted_at.is_some() {
        return Err(ApiError::conflict(
            "brief-not-draft",
            format!("revision {} was already submitted; edit the brief to start the next one", latest.number),
        ));
    }
    incomplete(&fields, &values_of(&latest))?;
    briefs::submit(&mut tx, b.id, latest.number, &by_json(p), now).await?;
    changed(tx, event::BRIEF_SUBMITTED, p, (&b, &project), now).await
}

/// Accepts the submitted revision: the campaign's owner, or a workspace owner or admin.
pub async fn accept(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<BriefView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (b, project, role) = reach(&mut tx, p, id).await?;
    let owner = workflows::campaign(&mut tx, project.id).await?.and_then(|c| c.owner_id);
    if owner != Some(p.user_id.0) && !role.allows(Action::ManageWorkspace) {
        return Err(ApiError::forbidden("only the campaign's owner, or a workspace owner or admin, accepts its brief"));
    }
    access::require_not_archived(&project)?;
    let latest = briefs::latest_revision(&mut tx, b.id).await?.ok_or_else(ApiError::not_found)?;
    if !briefs::accept(&mut tx, b.id, latest.number, &by_json(p), now).await? {
        return Err(ApiError::conflict(
            "brief-not-submitted",
            match latest.accepted_at {
                Some(_) => format!("revision {} is already accepted", latest.number),
                None => format!("revision {} is a draft: submit it first", latest.number),
            },
        ));
    }
    changed(tx, event::BRIEF_ACCEPTED, p, (&b, &project), now).await
}

pub async fn revisions(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<Vec<RevisionView>> {
    let mut c = state.store().reader().await?;
    let (b, _, _) = reach(&mut c, p, id).await?;
    let fields = fields_of(&b.fields);
    Ok(briefs::revisions(&mut c, b.id).await?.iter().map(|r| revision_view(&fields, r)).collect())
}

/// `GET /api/v1/briefs/{id}/diff?from=&to=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The older revision's number.
    pub from: i64,
    /// The newer revision's number (default: the newest).
    pub to: Option<i64>,
}

/// What changed between two revisions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BriefDiff {
    pub from: i64,
    pub to: i64,
    pub changes: Vec<FieldChange>,
}

pub async fn diff(state: &AppState, p: &Principal, id: Uuid, q: DiffParams) -> ApiResult<BriefDiff> {
    let mut c = state.store().reader().await?;
    let (b, _, _) = reach(&mut c, p, id).await?;
    let fields = fields_of(&b.fields);
    let to = match q.to {
        Some(n) => n,
        None => briefs::latest_revision(&mut c, b.id).await?.map_or(1, |r| r.number),
    };
    let from_rev = briefs::revision(&mut c, b.id, q.from).await?.ok_or_else(|| {
        ApiError::bad_request("revision-unknown", format!("from: the brief has no revision {}", q.from))
            .with_fields(["from".to_owned()])
    })?;
    let to_rev = briefs::revision(&mut c, b.id, to).await?.ok_or_else(|| {
        ApiError::bad_request("revision-unknown", format!("to: the brief has no revision {to}"))
            .with_fields(["to".to_owned()])
    })?;
    Ok(BriefDiff { from: q.from, to, changes: brief::diff(&fields, &values_of(&from_rev), &values_of(&to_rev)) })
}

/// Records that the caller has read the brief as it now stands.
pub async fn mark_seen(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<BriefView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (b, _, _) = reach(&mut tx, p, id).await?;
    see_newest(&mut tx, b.id, &viewer(p), now).await?;
    let view = brief_view(&mut tx, &b, &viewer(p)).await?;
    tx.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Guests

/// What a guest's link shows of the campaign's brief.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GuestBriefView {
    /// The link shows the brief (`show_brief`).
    pub shown: bool,
    /// The brief's revision in force (the newest submitted one; a draft in progress is the
    /// team's); none when not shown or not yet submitted.
    pub brief: Option<BriefView>,
}

fn guest_viewer(g: &crate::guests::Guest) -> String {
    format!("guest:{}", g.session.email.to_lowercase())
}

/// The campaign brief as a guest may read it: its submitted revision in force.
async fn guest_brief(c: &mut Conn, g: &crate::guests::Guest) -> ApiResult<Option<(BriefRow, BriefView)>> {
    if !g.link.show_brief {
        return Ok(None);
    }
    let Some(b) = briefs::brief_for(&mut *c, g.link.project_id, None).await? else { return Ok(None) };
    let mut view = brief_view(&mut *c, &b, &guest_viewer(g)).await?;
    let Some(n) = view.in_force else { return Ok(None) };
    if view.revision.number != n {
        let r = briefs::revision(&mut *c, b.id, n).await?.ok_or_else(ApiError::not_found)?;
        view.revision = revision_view(&view.fields, &r);
        view.state = view.revision.state;
    }
    Ok(Some((b, view)))
}

pub async fn for_guest(state: &AppState, g: &crate::guests::Guest) -> ApiResult<GuestBriefView> {
    let mut c = state.store().reader().await?;
    let brief = guest_brief(&mut c, g).await?.map(|(_, v)| v);
    Ok(GuestBriefView { shown: g.link.show_brief, brief })
}

/// Records that the guest read the brief in force.
pub async fn guest_seen(state: &AppState, g: &crate::guests::Guest) -> ApiResult<GuestBriefView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let Some((b, view)) = guest_brief(&mut tx, g).await? else {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "brief-not-shared",
            "this link does not show a brief",
        ));
    };
    if let Some(n) = view.in_force {
        briefs::mark_seen(&mut tx, b.id, &guest_viewer(g), n, now).await?;
    }
    let brief = guest_brief(&mut tx, g).await?.map(|(_, v)| v);
    tx.commit().await?;
    Ok(GuestBriefView { shown: true, brief })
}
