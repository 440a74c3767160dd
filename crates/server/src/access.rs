//! Who may reach what. Every lookup of a workspace, project, folder or asset goes through here:
//! something outside the caller's reach is 404 (indistinguishable from absent); something in
//! reach but not permitted is 403.

use std::sync::Arc;

use frameproof_domain::{Action, AssetId, FolderId, ProjectId, Role, UserId, VersionId, WorkspaceId};
use frameproof_store::Conn;
use frameproof_store::assets::{self, AssetRow};
use frameproof_store::folders::{self, FolderRow};
use frameproof_store::projects::{self, ProjectRow};
use frameproof_store::versions::{self, VersionRow};
use frameproof_store::workspaces::{self, WorkspaceRow};

use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

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
    if !role_reaches(c, role, project.id, p.user_id).await? {
        return Err(ApiError::not_found());
    }
    Ok(role)
}

/// Whether a workspace role reaches a project: the team every one, reviewers those they were
/// added to.
async fn role_reaches(c: &mut Conn, role: Role, project: ProjectId, user: UserId) -> ApiResult<bool> {
    Ok(role.is_team() || projects::is_member(c, project, user).await?)
}

/// Whether the caller reaches projects, asked for many at once (lists across campaigns): their
/// role once per workspace, their project membership only where the role needs it.
#[derive(Default)]
pub struct Reach {
    roles: std::collections::HashMap<WorkspaceId, Option<Role>>,
    projects: std::collections::HashMap<ProjectId, bool>,
}

impl Reach {
    /// The caller's active role in `ws` (none: not a member).
    pub async fn role(&mut self, c: &mut Conn, p: &Principal, ws: WorkspaceId) -> ApiResult<Option<Role>> {
        if let Some(r) = self.roles.get(&ws) {
            return Ok(*r);
        }
        let r = workspaces::active_role(&mut *c, ws, p.user_id).await?;
        self.roles.insert(ws, r);
        Ok(r)
    }

    /// Whether `p` reaches live project `project` of workspace `ws` (as [`project`] would).
    pub async fn project(
        &mut self,
        c: &mut Conn,
        p: &Principal,
        ws: WorkspaceId,
        project: ProjectId,
    ) -> ApiResult<bool> {
        if let Some(known) = self.projects.get(&project) {
            return Ok(*known);
        }
        let ok = match self.role(c, p, ws).await? {
            None => false,
            Some(r) => role_reaches(c, r, project, p.user_id).await?,
        };
        self.projects.insert(project, ok);
        Ok(ok)
    }
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

/// A version the member can reach, with its asset and live project: the checks of [`asset`],
/// on one batched read.
pub async fn version(
    c: &mut Conn,
    p: &Principal,
    id: VersionId,
) -> ApiResult<(VersionRow, AssetRow, ProjectRow, Role)> {
    let ctx = versions::in_context(c, id, p.user_id).await?.ok_or_else(ApiError::not_found)?;
    let (Some(asset), Some(project), Some(role)) = (ctx.asset, ctx.project, ctx.role) else {
        return Err(ApiError::not_found());
    };
    // As `project_role` and `asset`: reviewers reach only projects they were added to, and
    // nothing deleted is reached this way.
    if (!role.is_team() && !ctx.project_member) || project.deleted_at.is_some() || asset.deleted_at.is_some() {
        return Err(ApiError::not_found());
    }
    Ok((ctx.version, asset, project, role))
}

/// A version the member reached, with its asset, project and the member's role there.
pub type ReachedVersion = (VersionRow, AssetRow, ProjectRow, Role);

/// Versions members reached in the last [`crate::recent::REUSE_FOR`], by (version, member).
/// Kept under the (access, content) epochs.
pub type KnownVersions = crate::recent::Recent<(VersionId, UserId), Arc<ReachedVersion>, (i64, i64)>;

/// [`version`], reusing the answer this member got for this version a moment ago if nothing
/// it depends on has changed since: neither the store's access epoch (memberships, roles, what
/// a project or asset grants) nor its content epoch (any change to a version, asset or project)
/// has moved (see [`crate::recent`]). For the requests a client repeats many times in a row,
/// such as commenting; the writes they lead to check the version again (a comment's INSERT
/// refuses a version locked or deleted meanwhile).
pub async fn version_recent(state: &AppState, p: &Principal, id: VersionId) -> ApiResult<Arc<ReachedVersion>> {
    let key = (id, p.user_id);
    // Read before the version is: a change that lands in between moves them past these values.
    let epoch = (state.store().access_epoch(), state.store().content_epoch());
    if let Some(r) = state.known_versions().get(&key, epoch) {
        return Ok(r);
    }
    let mut c = state.store().reader().await?;
    let r = Arc::new(version(&mut c, p, id).await?);
    state.known_versions().put(key, Arc::clone(&r), epoch);
    Ok(r)
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

/// What the caller may do with something they reached: a member's role, or a guest's link.
#[derive(Clone, Debug)]
pub enum Grant {
    Member(Role),
    Guest(Box<crate::guests::Guest>),
}

impl Grant {
    /// Refuses with 403 unless the caller may do `action` here.
    pub fn require(&self, action: Action) -> ApiResult<()> {
        match self {
            Grant::Member(role) => require(*role, action),
            Grant::Guest(g) if g.may(action) => Ok(()),
            Grant::Guest(g) => Err(ApiError::forbidden(match action {
                Action::Decide if g.link.can_decide => "prove your e-mail address before deciding",
                Action::Comment => "this link lets you watch but not comment",
                Action::Decide => "this link does not let you approve or request changes",
                Action::DownloadOriginal => "this link does not let you download the original",
                _ => "a share link does not allow this",
            })),
        }
    }

    /// Owners, admins and members (they see team-only comments); never a guest.
    pub fn is_team(&self) -> bool {
        matches!(self, Grant::Member(r) if r.is_team())
    }

    /// The member's role, or 403 for a guest (member-only actions).
    pub fn role(&self) -> ApiResult<Role> {
        match self {
            Grant::Member(r) => Ok(*r),
            Grant::Guest(_) => Err(ApiError::forbidden("a share link does not allow this")),
        }
    }

    pub fn guest(&self) -> Option<&crate::guests::Guest> {
        match self {
            Grant::Member(_) => None,
            Grant::Guest(g) => Some(g),
        }
    }
}

/// An asset a member or a guest can reach, with its live project.
pub async fn asset_for(c: &mut Conn, caller: &Caller, id: AssetId) -> ApiResult<(AssetRow, ProjectRow, Grant)> {
    match caller {
        Caller::User(p) => {
            let (a, project, role) = asset(c, p, id, false).await?;
            Ok((a, project, Grant::Member(role)))
        }
        Caller::Guest(g) => {
            let (a, project) = g.asset(c, id).await?;
            Ok((a, project, Grant::Guest(g.clone())))
        }
    }
}
