//! Version stacks: reading them, ordering, choosing the current version, moving a version to
//! another stack, deleting one, a member's timecode override, and comparing two versions.

use frameproof_blobs::BlobKey;
use frameproof_domain::{Action, AssetId, TimecodeFormat, VersionId, event};
use frameproof_store::WriteTx;
use frameproof_store::assets::AssetRow;
use frameproof_store::projects::ProjectRow;
use frameproof_store::{Conn, review, versions, workspaces};
use serde::{Deserialize, Serialize};

use crate::access::{Grant, require, require_not_archived};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::{AssetView, VersionView};
use crate::state::AppState;
use crate::{access, media_urls};

/// A version the caller can reach, with its asset and project.
pub async fn reach(
    c: &mut Conn,
    p: &Principal,
    id: VersionId,
) -> ApiResult<(versions::VersionRow, AssetRow, ProjectRow, frameproof_domain::Role)> {
    let v = versions::get(c, id).await?.ok_or_else(ApiError::not_found)?;
    let (asset, project, role) = access::asset(c, p, v.asset_id, false).await?;
    Ok((v, asset, project, role))
}

/// Gives each rendition a signed URL valid for the configured lifetime.
pub fn sign_urls(state: &AppState, view: &mut VersionView, renditions: &[versions::RenditionRow]) {
    let exp = state.now().0 / 1000 + state.config().limits.media_url_lifetime_secs;
    for (r, row) in view.renditions.iter_mut().zip(renditions) {
        if let Some(file) = row.blob_key.rsplit('/').next().filter(|f| media_urls::valid_file(f)) {
            r.url = Some(media_urls::sign(state.media_key(), view.id, file, exp));
        }
    }
}

/// Gives an asset listing's current version a signed poster URL.
pub fn sign_poster(state: &AppState, asset: &mut AssetView) {
    if let Some(cur) = asset.current_version.as_mut().filter(|c| c.has_poster) {
        let exp = state.now().0 / 1000 + state.config().limits.media_url_lifetime_secs;
        cur.poster_url = Some(media_urls::sign(state.media_key(), cur.id, "poster.jpg", exp));
    }
}

/// Asset views of rows, posters signed.
pub fn asset_views(state: &AppState, rows: &[AssetRow]) -> Vec<AssetView> {
    rows.iter()
        .map(|r| {
            let mut v = AssetView::from(r);
            sign_poster(state, &mut v);
            v
        })
        .collect()
}

/// A version a member or a guest can reach (a guest: inside the link's scope, and a version the
/// link shows), with its asset, project and what the caller may do.
pub async fn reach_for(
    c: &mut Conn,
    caller: &Caller,
    id: VersionId,
) -> ApiResult<(versions::VersionRow, AssetRow, ProjectRow, Grant)> {
    if let Caller::User(p) = caller {
        let (v, asset, project, role) = access::version(c, p, id).await?;
        return Ok((v, asset, project, Grant::Member(role)));
    }
    let v = versions::get(c, id).await?.ok_or_else(ApiError::not_found)?;
    let (asset, project, grant) = access::asset_for(c, caller, v.asset_id).await?;
    if let Grant::Guest(g) = &grant
        && !g.shows(&asset, &v)
    {
        return Err(ApiError::not_found());
    }
    Ok((v, asset, project, grant))
}

/// An asset's versions, top of the stack first (a guest sees those the link shows).
pub async fn list(state: &AppState, caller: &Caller, asset: AssetId) -> ApiResult<Vec<VersionView>> {
    let mut c = state.store().reader().await?;
    let (a, _, grant) = access::asset_for(&mut c, caller, asset).await?;
    let mut out = Vec::new();
    for v in versions::of_asset(&mut c, asset).await? {
        if grant.guest().is_some_and(|g| !g.shows(&a, &v)) {
            continue;
        }
        let r = versions::renditions(&mut c, v.id).await?;
        let mut view = VersionView::new(&v, a.current_version_id == Some(v.id.0), &r);
        sign_urls(state, &mut view, &r);
        out.push(view);
    }
    Ok(out)
}

pub async fn get(state: &AppState, caller: &Caller, id: VersionId) -> ApiResult<VersionView> {
    let mut c = state.store().reader().await?;
    let (v, asset, _, _) = reach_for(&mut c, caller, id).await?;
    let r = versions::renditions(&mut c, v.id).await?;
    let mut view = VersionView::new(&v, asset.current_version_id == Some(v.id.0), &r);
    sign_urls(state, &mut view, &r);
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Stack management: order, current, move, delete, timecode.

/// A stack change's event.
async fn record_stack(
    c: &mut WriteTx,
    kind: &str,
    now: i64,
    p: &Principal,
    (project, asset, version): (&ProjectRow, AssetId, Option<VersionId>),
    payload: &serde_json::Value,
) -> ApiResult<()> {
    let mut scope = EventScope::asset(project.workspace_id, project.id, asset);
    scope.version_id = version;
    record(c, kind, now, &Actor::user(p), scope, payload).await?;
    Ok(())
}

/// `PUT /api/v1/assets/{id}/versions/order`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReorderVersions {
    /// Every version of the stack, top first.
    pub version_ids: Vec<VersionId>,
}

pub async fn reorder(
    state: &AppState,
    p: &Principal,
    id: AssetId,
    req: ReorderVersions,
) -> ApiResult<Vec<VersionView>> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role) = access::asset(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    let stack = versions::of_asset(&mut tx, asset.id).await?;
    let mut given: Vec<VersionId> = req.version_ids.clone();
    given.sort_by_key(|v| v.0);
    given.dedup();
    let mut have: Vec<VersionId> = stack.iter().map(|v| v.id).collect();
    have.sort_by_key(|v| v.0);
    if given.len() != req.version_ids.len() || given != have {
        return Err(ApiError::bad_request(
            "invalid-order",
            format!("version_ids must list each of the stack's {} versions exactly once", stack.len()),
        ));
    }
    review::reorder(&mut tx, asset.id, &req.version_ids, now).await?;
    record_stack(
        &mut tx,
        event::VERSION_REORDERED,
        now,
        p,
        (&project, asset.id, None),
        &serde_json::json!({"asset_id": asset.id, "version_ids": req.version_ids}),
    )
    .await?;
    tx.commit().await?;
    list(state, &Caller::User(p.clone()), id).await
}

/// Makes a version its stack's current one (refused while the current one is locked: supersede
/// it instead).
pub async fn make_current(state: &AppState, p: &Principal, id: VersionId) -> ApiResult<VersionView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, role) = reach(&mut tx, p, id).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    if asset.current_version_id != Some(v.id.0) {
        if let Some(cur) = asset.current_version_id.map(VersionId)
            && let Some(cur) = versions::get(&mut tx, cur).await?
            && cur.locked
        {
            return Err(ApiError::conflict(
                "version-locked",
                format!("v{} is approved and locked as current; an owner or admin supersedes it", cur.number),
            ));
        }
        review::set_current(&mut tx, asset.id, Some(v.id), now).await?;
        record_stack(
            &mut tx,
            event::VERSION_CURRENT_CHANGED,
            now,
            p,
            (&project, asset.id, Some(v.id)),
            &serde_json::json!({"id": v.id, "asset_id": asset.id, "number": v.number}),
        )
        .await?;
        let asset = frameproof_store::assets::get(&mut tx, asset.id).await?.ok_or_else(ApiError::not_found)?;
        super::review::lock_if_approved(state, &mut tx, &asset, &project, &Actor::user(p), now).await?;
    }
    tx.commit().await?;
    get(state, &Caller::User(p.clone()), id).await
}

/// `PATCH /api/v1/versions/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVersion {
    /// Override the start timecode (e.g. `01:00:00;00`); `null` returns to the source's.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<String>)]
    pub start_timecode: Option<Option<String>>,
    /// Override drop-frame counting; `null` returns to the source's.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<bool>)]
    pub drop_frame: Option<Option<bool>>,
}

pub async fn update(state: &AppState, p: &Principal, id: VersionId, req: UpdateVersion) -> ApiResult<VersionView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, role) = reach(&mut tx, p, id).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    super::review::require_unlocked(&v)?;
    let start = match req.start_timecode {
        Some(s) => s,
        None => v.tc_start.clone(),
    };
    let drop_frame = match req.drop_frame {
        Some(d) => d,
        None => v.tc_drop_frame,
    };
    if start.is_some() || drop_frame.is_some() {
        let (Some(n), Some(d), "video") = (v.rate_num, v.rate_den, v.kind.as_str()) else {
            return Err(ApiError::bad_request("no-timecode", "only a video version has a timecode"));
        };
        let rate = frameproof_domain::FrameRate::new(n as u64, d as u64)
            .ok_or_else(|| ApiError::bad_request("no-timecode", "this version has no frame rate"))?;
        let df = drop_frame.unwrap_or_else(|| {
            v.start_timecode.as_deref().map_or(TimecodeFormat::default_for(rate).drop_frame(), |t| t.contains(';'))
        });
        let format =
            TimecodeFormat::new(rate, df).map_err(|e| ApiError::bad_request("invalid-timecode", e.to_string()))?;
        // The start in force (the override, else the source's) must be a label of the counting.
        if let Some(s) = start.as_deref().or(v.start_timecode.as_deref()) {
            let s = super::review::with_separator(s, df);
            format.parse(&s).map_err(|e| ApiError::bad_request("invalid-timecode", format!("{s:?}: {e}")))?;
        }
    }
    review::set_timecode(&mut tx, v.id, start.as_deref(), drop_frame, now).await?;
    record_stack(
        &mut tx,
        event::VERSION_UPDATED,
        now,
        p,
        (&project, asset.id, Some(v.id)),
        &serde_json::json!({"id": v.id, "start_timecode": start, "drop_frame": drop_frame}),
    )
    .await?;
    tx.commit().await?;
    get(state, &Caller::User(p.clone()), id).await
}

/// `POST /api/v1/versions/{id}/move`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveVersion {
    /// The stack (asset) to move it onto, in the same workspace.
    pub asset_id: AssetId,
}

pub async fn move_version(state: &AppState, p: &Principal, id: VersionId, req: MoveVersion) -> ApiResult<VersionView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, from, project, role) = reach(&mut tx, p, id).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    super::review::require_unlocked(&v)?;
    let (to, to_project, to_role) = access::asset(&mut tx, p, req.asset_id, false).await?;
    require(to_role, Action::EditContent)?;
    require_not_archived(&to_project)?;
    if to_project.workspace_id != project.workspace_id {
        return Err(ApiError::bad_request("cross-workspace-move", "versions move only within one workspace"));
    }
    if to.id == from.id {
        return Err(ApiError::bad_request("same-stack", "the version is already in that stack"));
    }
    let number = review::move_to(&mut tx, v.id, to.id, now).await?;
    if from.current_version_id == Some(v.id.0) {
        let top = review::top_of(&mut tx, from.id).await?;
        review::set_current(&mut tx, from.id, top, now).await?;
    }
    let to_current_locked = match to.current_version_id.map(VersionId) {
        Some(c) => versions::get(&mut tx, c).await?.is_some_and(|c| c.locked),
        None => false,
    };
    if !to_current_locked {
        review::set_current(&mut tx, to.id, Some(v.id), now).await?;
    }
    let payload = serde_json::json!({
        "id": v.id, "from_asset_id": from.id, "from_number": v.number, "asset_id": to.id, "number": number,
    });
    // A stack whose current version changed may now have all its approvals.
    for (id, proj) in [(from.id, &project), (to.id, &to_project)] {
        let a = frameproof_store::assets::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
        super::review::lock_if_approved(state, &mut tx, &a, proj, &Actor::user(p), now).await?;
    }
    // One event on each stack, so followers of either asset hear of it.
    record_stack(&mut tx, event::VERSION_MOVED, now, p, (&project, from.id, Some(v.id)), &payload).await?;
    record_stack(&mut tx, event::VERSION_MOVED, now, p, (&to_project, to.id, Some(v.id)), &payload).await?;
    tx.commit().await?;
    get(state, &Caller::User(p.clone()), id).await
}

/// Deletes a version that is not locked: its comments, decisions and files go with it, and the
/// workspace's storage use drops. The next one down becomes current if it was.
pub async fn delete(state: &AppState, p: &Principal, id: VersionId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, role) = reach(&mut tx, p, id).await?;
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    super::review::require_unlocked(&v)?;
    let derived_key = BlobKey::new(format!("derived/{}", v.id)).map_err(ApiError::internal)?;
    let original_key = BlobKey::new(v.original_key.clone()).map_err(ApiError::internal)?;
    let derived = state.blobs().prefix_size(&derived_key).await.ok().and_then(|b| i64::try_from(b).ok()).unwrap_or(0);
    frameproof_store::jobs::request_cancel(&mut tx, &format!("ingest:{}", v.id), now).await?;
    review::delete_version(&mut tx, v.id).await?;
    if asset.current_version_id == Some(v.id.0) {
        let top = review::top_of(&mut tx, asset.id).await?;
        review::set_current(&mut tx, asset.id, top, now).await?;
        let asset = frameproof_store::assets::get(&mut tx, asset.id).await?.ok_or_else(ApiError::not_found)?;
        super::review::lock_if_approved(state, &mut tx, &asset, &project, &Actor::user(p), now).await?;
    }
    workspaces::add_usage(&mut tx, project.workspace_id, -v.size_bytes, -derived).await?;
    record_stack(
        &mut tx,
        event::VERSION_DELETED,
        now,
        p,
        (&project, asset.id, Some(v.id)),
        &serde_json::json!({"id": v.id, "asset_id": asset.id, "number": v.number, "filename": v.filename}),
    )
    .await?;
    tx.commit().await?;
    // The files go after the commit (a crash between leaves unreferenced files, never a
    // version without its file).
    let _ = state.blobs().delete(&original_key).await;
    let _ = state.blobs().delete_prefix(&derived_key).await;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Compare

/// `GET /api/v1/assets/{id}/compare?a=&b=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareParams {
    /// One version of the stack.
    pub a: VersionId,
    /// Another version of the same stack.
    pub b: VersionId,
}

/// Two versions of a stack, side by side: both versions' media (signed URLs), frame counts and
/// rates so a player can run them frame-locked, and the older one's open comments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompareView {
    /// The older of the two (lower number).
    pub older: VersionView,
    pub newer: VersionView,
    /// Both play at the same rate, so frame n of one lines up with frame n of the other.
    pub same_rate: bool,
    /// The frames both have (the shorter's frame count), for a synced player.
    pub common_frames: Option<i64>,
    /// Open threads of the older version (what the newer one should have fixed).
    pub older_open_comments: Vec<super::comments::CommentView>,
}

pub async fn compare(state: &AppState, caller: &Caller, id: AssetId, q: CompareParams) -> ApiResult<CompareView> {
    let mut c = state.store().reader().await?;
    let (asset, _, grant) = access::asset_for(&mut c, caller, id).await?;
    let shown = |v: &versions::VersionRow| v.asset_id == asset.id && grant.guest().is_none_or(|g| g.shows(&asset, v));
    let a = versions::get(&mut c, q.a).await?.filter(shown);
    let b = versions::get(&mut c, q.b).await?.filter(shown);
    let (Some(a), Some(b)) = (a, b) else {
        return Err(ApiError::bad_request("not-in-stack", "a and b must both be versions of this asset"));
    };
    let (older, newer) = if a.number <= b.number { (a, b) } else { (b, a) };
    let open = frameproof_store::comments::open_threads(&mut c, older.id, !grant.is_team()).await?;
    let mut older_open_comments = super::comments::views(&older, &open, &[]);
    if let Some(g) = grant.guest() {
        super::comments::hide_emails(&mut older_open_comments, Some(&g.session.email));
    }
    let mut signed = Vec::new();
    for v in [&older, &newer] {
        let r = versions::renditions(&mut c, v.id).await?;
        let mut view = VersionView::new(v, asset.current_version_id == Some(v.id.0), &r);
        sign_urls(state, &mut view, &r);
        signed.push(view);
    }
    let newer_view = signed.pop().ok_or_else(ApiError::not_found)?;
    let older_view = signed.pop().ok_or_else(ApiError::not_found)?;
    let same_rate = older_view.frame_rate.is_some() && older_view.frame_rate == newer_view.frame_rate;
    let common_frames = match (older_view.frame_count, newer_view.frame_count) {
        (Some(x), Some(y)) => Some(x.min(y)),
        _ => None,
    };
    Ok(CompareView { older: older_view, newer: newer_view, same_rate, common_frames, older_open_comments })
}
