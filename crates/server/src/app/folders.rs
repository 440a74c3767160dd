//! Folders: create, list, rename, move (within or across projects of one workspace), delete
//! (the whole subtree as one batch) and restore.

use frameproof_domain::{Action, FolderId, event, validate};
use frameproof_store::folders::{self, FolderRow, NewFolder};
use frameproof_store::projects::ProjectRow;
use frameproof_store::{WriteTx, assets};
use serde::Deserialize;

use super::projects::check_restorable;
use super::{ListParams, new_uuid};
use crate::access::{self, require, require_not_archived};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::{AssetView, FolderView, Page};
use crate::state::AppState;

/// `POST /api/v1/folders`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFolder {
    /// The folder to create it in (a project's `root_folder_id` for the top level).
    pub parent_id: FolderId,
    pub name: String,
}

async fn record_folder(
    c: &mut WriteTx,
    kind: &str,
    now: i64,
    p: &Principal,
    project: &ProjectRow,
    f: &FolderRow,
) -> ApiResult<FolderView> {
    let view = FolderView::from(f);
    record(c, kind, now, &Actor::user(p), EventScope::project(project.workspace_id, project.id), &view).await?;
    Ok(view)
}

pub async fn create(state: &AppState, p: &Principal, req: CreateFolder) -> ApiResult<FolderView> {
    let name = validate::name("name", &req.name)?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (parent, project, role) = access::folder(&mut tx, p, req.parent_id, false).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    let id = FolderId(new_uuid(now));
    folders::insert(
        &mut tx,
        &NewFolder {
            id,
            project_id: parent.project_id,
            parent_id: parent.id,
            name: &name,
            created_by: p.user_id,
            now: now.0,
        },
    )
    .await?;
    let row = folders::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = record_folder(&mut tx, event::FOLDER_CREATED, now.0, p, &project, &row).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn get(state: &AppState, p: &Principal, id: FolderId) -> ApiResult<FolderView> {
    let mut c = state.store().reader().await?;
    let (folder, _, _) = access::folder(&mut c, p, id, false).await?;
    Ok(FolderView::from(&folder))
}

pub async fn children(state: &AppState, p: &Principal, id: FolderId, list: ListParams) -> ApiResult<Page<FolderView>> {
    let q = list.query(state)?;
    let mut c = state.store().reader().await?;
    access::folder(&mut c, p, id, false).await?;
    let page = folders::children(&mut c, id, list.search(), &q).await?;
    Ok(Page { items: page.items.iter().map(FolderView::from).collect(), next_cursor: page.next.map(|c| c.encode()) })
}

pub async fn assets(state: &AppState, p: &Principal, id: FolderId, list: ListParams) -> ApiResult<Page<AssetView>> {
    let q = list.query(state)?;
    let mut c = state.store().reader().await?;
    access::folder(&mut c, p, id, false).await?;
    let page = assets::list(&mut c, assets::Scope::Folder(id), list.search(), &q).await?;
    Ok(Page { items: super::versions::asset_views(state, &page.items), next_cursor: page.next.map(|c| c.encode()) })
}

/// `PATCH /api/v1/folders/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFolder {
    pub name: Option<String>,
    /// Move under this folder (any project of the same workspace).
    pub parent_id: Option<FolderId>,
}

pub async fn update(state: &AppState, p: &Principal, id: FolderId, req: UpdateFolder) -> ApiResult<FolderView> {
    let name = req.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (folder, project, role) = access::folder(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    if let Some(name) = &name {
        folders::rename(&mut tx, id, name, now).await?;
    }
    let mut event_project = project.clone();
    if let Some(parent_id) = req.parent_id {
        if folder.parent_id.is_none() {
            return Err(ApiError::conflict("root-folder", "a project's root folder cannot be moved"));
        }
        let (target, target_project, target_role) = access::folder(&mut tx, p, parent_id, false).await?;
        require(target_role, Action::EditContent)?;
        require_not_archived(&target_project)?;
        if target_project.workspace_id != project.workspace_id {
            return Err(ApiError::bad_request("cross-workspace-move", "folders move only within one workspace"));
        }
        if folders::is_in_subtree(&mut tx, id, target.id).await? {
            return Err(ApiError::conflict(
                "folder-cycle",
                "a folder cannot be moved into itself or its own sub-folder",
            ));
        }
        folders::move_to(&mut tx, id, target.id, target_project.id, now).await?;
        event_project = target_project;
    }
    let row = folders::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = record_folder(&mut tx, event::FOLDER_UPDATED, now, p, &event_project, &row).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn delete(state: &AppState, p: &Principal, id: FolderId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (folder, project, role) = access::folder(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    if folder.parent_id.is_none() {
        return Err(ApiError::conflict("root-folder", "a project's root folder cannot be deleted; delete the project"));
    }
    if frameproof_store::review::any_locked_under_folder(&mut tx, id).await? {
        return Err(ApiError::conflict(
            "version-locked",
            "the folder holds an approved, locked version; unlock it first",
        ));
    }
    folders::soft_delete(&mut tx, id, now).await?;
    let row = folders::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    record_folder(&mut tx, event::FOLDER_DELETED, now, p, &project, &row).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn restore(state: &AppState, p: &Principal, id: FolderId) -> ApiResult<FolderView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (folder, project, role) = access::folder(&mut tx, p, id, true).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    if folder.deleted_batch != Some(folder.id.0) {
        return Err(if folder.deleted_at.is_some() {
            ApiError::conflict("parent-deleted", "this folder was deleted with a parent folder; restore that folder")
        } else {
            ApiError::conflict("not-deleted", "this folder is not in the trash")
        });
    }
    check_restorable(state, folder.deleted_at)?;
    if let Some(parent) = folder.parent()
        && folders::get(&mut tx, parent).await?.is_none_or(|f| f.deleted_at.is_some())
    {
        return Err(ApiError::conflict("parent-deleted", "the folder it was in is deleted; restore that first"));
    }
    folders::restore(&mut tx, id, now).await?;
    let row = folders::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = record_folder(&mut tx, event::FOLDER_RESTORED, now, p, &project, &row).await?;
    tx.commit().await?;
    Ok(view)
}
