//! Who may reach what. Every lookup of a workspace, project, folder or asset goes through here:
//! something outside the caller's reach is 404 (indistinguishable from absent); something in
//! reach but not permitted is 403.

use frameproof_domain::{Action, AssetId, FolderId, ProjectId, Role, WorkspaceId};
use frameproof_store::Conn;
use frameproof_store::assets::{self, AssetRow};
use frameproof_store::folders::{self, FolderRow};
use frameproof_store::projects::{self, ProjectRow};
use frameproof_store::workspaces::{self, WorkspaceRow};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};

/// Refuses with 403 unless `role` may do `action`.
pub fn require(role: Role, action: Action) -> ApiResult<()> {
    if role.allows(action) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("your role ({}) does not allow this", role.as_str())))
    }
}

/// A workspace the caller is an active member of, with their role.
pub async fn workspace(c: &mut Conn, p: &Principal, id: WorkspaceId) -> ApiResult<(WorkspaceRow, Role)> {
    let role = workspaces::active_role(c, id, p.user_id).await?.ok_or_else(ApiError::not_found)?;
    let ws = workspaces::workspace(c, id).await?.ok_or_else(ApiError::not_found)?;
    Ok((ws, role))
}

/// The caller's role in a project's workspace, if the project is within their reach: team
/// members reach every project, reviewers only those they were added to.
async fn project_role(c: &mut Conn, p: &Principal, project: &ProjectRow) -> ApiResult<Role> {
    let role = workspaces::active_role(c, project.workspace_id, p.user_id).await?.ok_or_else(ApiError::not_found)?;
    if !role.is_team() && !projects::is_member(c, project.id, p.user_id).await? {
        return Err(ApiError::not_found());
    }
    Ok(role)
}

/// A project the caller can reach (deleted ones only when `include_deleted`).
pub async fn project(
    c: &mut Conn,
    p: &Principal,
    id: ProjectId,
    include_deleted: bool,
) -> ApiResult<(ProjectRow, Role)> {
    let project = projects::get(c, id).await?.ok_or_else(ApiError::not_found)?;
    let role = project_role(c, p, &project).await?;
    if project.deleted_at.is_some() && !include_deleted {
        return Err(ApiError::not_found());
    }
    Ok((project, role))
}

/// A folder the caller can reach, with its live project.
pub async fn folder(
    c: &mut Conn,
    p: &Principal,
    id: FolderId,
    include_deleted: bool,
) -> ApiResult<(FolderRow, ProjectRow, Role)> {
    let folder = folders::get(c, id).await?.ok_or_else(ApiError::not_found)?;
    let (project, role) = project(c, p, folder.project_id, false).await?;
    if folder.deleted_at.is_some() && !include_deleted {
        return Err(ApiError::not_found());
    }
    Ok((folder, project, role))
}

/// An asset the caller can reach, with its live project.
pub async fn asset(
    c: &mut Conn,
    p: &Principal,
    id: AssetId,
    include_deleted: bool,
) -> ApiResult<(AssetRow, ProjectRow, Role)> {
    let asset = assets::get(c, id).await?.ok_or_else(ApiError::not_found)?;
    let (project, role) = project(c, p, asset.project_id, false).await?;
    if asset.deleted_at.is_some() && !include_deleted {
        return Err(ApiError::not_found());
    }
    Ok((asset, project, role))
}

/// Refuses changes inside an archived project.
pub fn require_not_archived(project: &ProjectRow) -> ApiResult<()> {
    if project.archived_at.is_some() {
        return Err(ApiError::conflict(
            "project-archived",
            "the project is archived; unarchive it to change what it holds",
        ));
    }
    Ok(())
}
