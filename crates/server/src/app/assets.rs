//! Assets (metadata; versions arrive with uploads): create, search, rename, move, delete and
//! restore.

use frameproof_domain::{Action, AssetId, FolderId, ProjectId, event, validate};
use frameproof_store::assets::{self, AssetRow, AssetUpdate, NewAsset};
use frameproof_store::projects::ProjectRow;
use frameproof_store::{WriteTx, folders};
use serde::Deserialize;

use super::projects::check_restorable;
use super::{ListParams, new_uuid};
use crate::access::{self, require, require_not_archived};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::{AssetView, Page};
use crate::state::AppState;

async fn record_asset(
    c: &mut WriteTx,
    kind: &str,
    now: i64,
    p: &Principal,
    project: &ProjectRow,
    a: &AssetRow,
) -> ApiResult<AssetView> {
    let view = AssetView::from(a);
    record(c, kind, now, &Actor::user(p), EventScope::asset(project.workspace_id, project.id, a.id), &view).await?;
    Ok(view)
}

/// `POST /api/v1/assets`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAsset {
    pub folder_id: FolderId,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

pub async fn create(state: &AppState, p: &Principal, req: CreateAsset) -> ApiResult<AssetView> {
    let name = validate::name("name", &req.name)?;
    let description = validate::description(&req.description)?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (folder, project, role) = access::folder(&mut tx, p, req.folder_id, false).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    let id = AssetId(new_uuid(now));
    assets::insert(
        &mut tx,
        &NewAsset {
            id,
            project_id: folder.project_id,
            folder_id: folder.id,
            name: &name,
            description: &description,
            created_by: p.user_id,
            now: now.0,
        },
    )
    .await?;
    let row = assets::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = record_asset(&mut tx, event::ASSET_CREATED, now.0, p, &project, &row).await?;
    super::workflow::asset_added(&mut tx, &row, &project, &crate::events::Actor::user(p), now.0).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn get(state: &AppState, caller: &Caller, id: AssetId) -> ApiResult<AssetView> {
    let mut c = state.store().reader().await?;
    let (asset, _, grant) = access::asset_for(&mut c, caller, id).await?;
    let mut view = AssetView::from(&asset);
    if let Some(g) = grant.guest() {
        guest_view(g, &mut view);
    }
    super::versions::sign_poster(state, &mut view);
    Ok(view)
}

/// What a guest sees of an asset: only the versions the link shows, and no counts of threads
/// they may not see.
pub fn guest_view(g: &crate::guests::Guest, view: &mut AssetView) {
    if let Some(cur) = view.current_version.as_mut() {
        cur.open_comments = None;
    }
    match (g.link.scope.as_str(), g.link.versions.as_str()) {
        ("version", _) => {
            let linked = g.link.version_id.map(frameproof_domain::VersionId);
            if view.current_version_id != linked {
                view.current_version = None;
            }
            view.current_version_id = linked;
            view.version_count = 1;
        }
        (_, "current") => view.version_count = view.version_count.min(1),
        _ => {}
    }
}

/// `GET /api/v1/assets`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetSearchParams {
    /// Search every folder of this project.
    pub project: ProjectId,
}

pub async fn search(
    state: &AppState,
    p: &Principal,
    params: AssetSearchParams,
    list: ListParams,
) -> ApiResult<Page<AssetView>> {
    let q = list.query(state)?;
    let mut c = state.store().reader().await?;
    access::project(&mut c, p, params.project, false).await?;
    let page = assets::list(&mut c, assets::Scope::Project(params.project), list.search(), &q).await?;
    Ok(Page { items: super::versions::asset_views(state, &page.items), next_cursor: page.next.map(|c| c.encode()) })
}

/// `PATCH /api/v1/assets/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAsset {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Move into this folder (any project of the same workspace).
    pub folder_id: Option<FolderId>,
}

pub async fn update(state: &AppState, p: &Principal, id: AssetId, req: UpdateAsset) -> ApiResult<AssetView> {
    let name = req.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let description = req.description.as_deref().map(validate::description).transpose()?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role) = access::asset(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    let mut event_project = project.clone();
    let mut folder = None;
    if let Some(fid) = req.folder_id {
        let (target, target_project, target_role) = access::folder(&mut tx, p, fid, false).await?;
        require(target_role, Action::EditContent)?;
        require_not_archived(&target_project)?;
        if target_project.workspace_id != project.workspace_id {
            return Err(ApiError::bad_request("cross-workspace-move", "assets move only within one workspace"));
        }
        folder = Some((target.id, target_project.id));
        event_project = target_project;
    }
    assets::update(
        &mut tx,
        asset.id,
        &AssetUpdate { name: name.as_deref(), description: description.as_deref(), folder },
        now,
    )
    .await?;
    let row = assets::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = record_asset(&mut tx, event::ASSET_UPDATED, now, p, &event_project, &row).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn delete(state: &AppState, p: &Principal, id: AssetId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (_, project, role) = access::asset(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    if frameproof_store::review::any_locked_in_assets(&mut tx, &[id]).await? {
        return Err(ApiError::conflict(
            "version-locked",
            "the asset holds an approved, locked version; unlock it first",
        ));
    }
    assets::soft_delete(&mut tx, id, now).await?;
    let row = assets::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    record_asset(&mut tx, event::ASSET_DELETED, now, p, &project, &row).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn restore(state: &AppState, p: &Principal, id: AssetId) -> ApiResult<AssetView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role) = access::asset(&mut tx, p, id, true).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    if asset.deleted_batch != Some(asset.id.0) {
        return Err(if asset.deleted_at.is_some() {
            ApiError::conflict("parent-deleted", "this asset was deleted with its folder; restore the folder")
        } else {
            ApiError::conflict("not-deleted", "this asset is not in the trash")
        });
    }
    check_restorable(state, asset.deleted_at)?;
    if folders::get(&mut tx, asset.folder_id).await?.is_none_or(|f| f.deleted_at.is_some()) {
        return Err(ApiError::conflict("parent-deleted", "the folder it was in is deleted; restore that first"));
    }
    assets::restore(&mut tx, id, now).await?;
    let row = assets::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let view = record_asset(&mut tx, event::ASSET_RESTORED, now, p, &project, &row).await?;
    tx.commit().await?;
    Ok(view)
}
