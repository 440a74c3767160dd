//! Projects: create (with a root folder), list, rename, archive, delete and restore; and the
//! reviewers added to a project.

use frameproof_domain::{Action, FolderId, ProjectId, UserId, WorkspaceId, event, validate};
use frameproof_store::projects::{self, Filter, NewProject, ProjectUpdate};
use frameproof_store::{assets, folders, workspaces};
use serde::Deserialize;

use super::{ListParams, new_uuid};
use crate::access::{self, require};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::{AssetView, FolderView, Page, ProjectMemberView, ProjectView, TrashView};
use crate::state::AppState;

/// `GET /api/v1/projects`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListParams {
    /// The workspace to list.
    pub workspace: WorkspaceId,
    /// `active` (default), `archived` or `deleted` (the trash).
    pub state: Option<String>,
}

pub async fn list(
    state: &AppState,
    p: &Principal,
    params: ProjectListParams,
    list: ListParams,
) -> ApiResult<Page<ProjectView>> {
    let q = list.query(state)?;
    let filter = match params.state.as_deref() {
        None | Some("active") => Filter::Active,
        Some("archived") => Filter::Archived,
        Some("deleted") => Filter::Deleted,
        Some(s) => {
            return Err(ApiError::bad_request(
                "invalid-state",
                format!("state must be active, archived or deleted, not {s:?}"),
            ));
        }
    };
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, params.workspace).await?;
    if matches!(filter, Filter::Deleted) {
        require(role, Action::EditContent)?;
    }
    let only_for = (!role.is_team()).then_some(p.user_id);
    let page = projects::list(&mut c, params.workspace, only_for, filter, list.search(), &q).await?;
    Ok(Page { items: page.items.iter().map(ProjectView::from).collect(), next_cursor: page.next.map(|c| c.encode()) })
}

/// `POST /api/v1/projects`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    pub workspace_id: WorkspaceId,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

pub async fn create(state: &AppState, p: &Principal, req: CreateProject) -> ApiResult<ProjectView> {
    let name = validate::name("name", &req.name)?;
    let description = validate::description(&req.description)?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, req.workspace_id).await?;
    require(role, Action::EditContent)?;
    let id = ProjectId(new_uuid(now));
    projects::insert(
        &mut tx,
        &NewProject {
            id,
            workspace_id: req.workspace_id,
            name: &name,
            description: &description,
            root_folder_id: FolderId(new_uuid(now)),
            created_by: p.user_id,
            now: now.0,
        },
    )
    .await?;
    let row = projects::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = ProjectView::from(&row);
    record(&mut tx, event::PROJECT_CREATED, now.0, &Actor::user(p), EventScope::project(row.workspace_id, id), &view)
        .await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn get(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<ProjectView> {
    let mut c = state.store().reader().await?;
    let (project, _) = access::project(&mut c, p, id, false).await?;
    Ok(ProjectView::from(&project))
}

/// `PATCH /api/v1/projects/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    pub name: Option<String>,
    pub description: Option<String>,
    /// True archives (hidden from the default list, read-only), false unarchives.
    pub archived: Option<bool>,
}

pub async fn update(state: &AppState, p: &Principal, id: ProjectId, req: UpdateProject) -> ApiResult<ProjectView> {
    let name = req.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let description = req.description.as_deref().map(validate::description).transpose()?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    let archived_at = match (req.archived, project.archived_at) {
        (Some(true), None) => Some(Some(now)),
        (Some(false), Some(_)) => Some(None),
        _ => None,
    };
    if name.is_some() || description.is_some() {
        access::require_not_archived(&project).or_else(|e| if archived_at == Some(None) { Ok(()) } else { Err(e) })?;
    }
    projects::update(
        &mut tx,
        id,
        &ProjectUpdate { name: name.as_deref(), description: description.as_deref(), archived_at },
        now,
    )
    .await?;
    let row = projects::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = ProjectView::from(&row);
    record(&mut tx, event::PROJECT_UPDATED, now, &Actor::user(p), EventScope::project(row.workspace_id, id), &view)
        .await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn delete(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    if frameproof_store::review::any_locked_in_project(&mut tx, id).await? {
        return Err(ApiError::conflict(
            "version-locked",
            "the project holds an approved, locked version; unlock it first",
        ));
    }
    projects::set_deleted(&mut tx, id, Some(now), now).await?;
    let row = projects::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    record(
        &mut tx,
        event::PROJECT_DELETED,
        now,
        &Actor::user(p),
        EventScope::project(project.workspace_id, id),
        &ProjectView::from(&row),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The restore window has passed (the sweeper may not have purged the row yet).
pub fn check_restorable(state: &AppState, deleted_at: Option<i64>) -> ApiResult<()> {
    let Some(at) = deleted_at else {
        return Err(ApiError::conflict("not-deleted", "this is not in the trash"));
    };
    let retention_ms = state.config().limits.trash_retention_days * 86_400_000;
    if state.now().0 > at + retention_ms {
        return Err(ApiError::new(
            axum::http::StatusCode::GONE,
            "restore-window-passed",
            format!("deleted items can be restored for {} days", state.config().limits.trash_retention_days),
        ));
    }
    Ok(())
}

pub async fn restore(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<ProjectView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, id, true).await?;
    require(role, Action::EditContent)?;
    check_restorable(state, project.deleted_at)?;
    projects::set_deleted(&mut tx, id, None, now).await?;
    let row = projects::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = ProjectView::from(&row);
    record(
        &mut tx,
        event::PROJECT_RESTORED,
        now,
        &Actor::user(p),
        EventScope::project(project.workspace_id, id),
        &view,
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn trash(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<TrashView> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::project(&mut c, p, id, false).await?;
    require(role, Action::EditContent)?;
    Ok(TrashView {
        folders: folders::trash(&mut c, id).await?.iter().map(FolderView::from).collect(),
        assets: assets::trash(&mut c, id).await?.iter().map(AssetView::from).collect(),
        retention_days: state.config().limits.trash_retention_days,
    })
}

// ---------------------------------------------------------------------------------------------
// People added to a project

pub async fn members(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<Vec<ProjectMemberView>> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::project(&mut c, p, id, false).await?;
    require(role, Action::ManageReview)?;
    Ok(projects::members(&mut c, id).await?.iter().map(ProjectMemberView::from).collect())
}

/// `POST /api/v1/projects/{id}/members`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddProjectMember {
    /// A member of the project's workspace (typically a reviewer).
    pub user_id: UserId,
}

pub async fn add_member(
    state: &AppState,
    p: &Principal,
    id: ProjectId,
    req: AddProjectMember,
) -> ApiResult<ProjectMemberView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, id, false).await?;
    require(role, Action::ManageReview)?;
    if workspaces::member(&mut tx, project.workspace_id, req.user_id).await?.is_none() {
        return Err(ApiError::bad_request("not-a-member", "add the person to the workspace first (invite them)"));
    }
    projects::add_member(&mut tx, id, req.user_id, now).await?;
    let m = projects::members(&mut tx, id)
        .await?
        .into_iter()
        .find(|m| m.user_id == req.user_id)
        .ok_or_else(ApiError::not_found)?;
    let view = ProjectMemberView::from(&m);
    record(
        &mut tx,
        event::PROJECT_MEMBER_ADDED,
        now,
        &Actor::user(p),
        EventScope::project(project.workspace_id, id),
        &view,
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn remove_member(state: &AppState, p: &Principal, id: ProjectId, user: UserId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, id, false).await?;
    require(role, Action::ManageReview)?;
    if !projects::remove_member(&mut tx, id, user).await? {
        return Err(ApiError::not_found());
    }
    record(
        &mut tx,
        event::PROJECT_MEMBER_REMOVED,
        now,
        &Actor::user(p),
        EventScope::project(project.workspace_id, id),
        &serde_json::json!({ "user_id": user }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
