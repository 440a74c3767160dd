//! Reading version stacks. (Reordering, current, deleting and moving versions belong to the
//! review core.)

use frameproof_domain::{AssetId, VersionId};
use frameproof_store::assets::AssetRow;
use frameproof_store::projects::ProjectRow;
use frameproof_store::{Conn, versions};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
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

pub async fn list(state: &AppState, p: &Principal, asset: AssetId) -> ApiResult<Vec<VersionView>> {
    let mut c = state.store().reader().await?;
    let (a, _, _) = access::asset(&mut c, p, asset, false).await?;
    let mut out = Vec::new();
    for v in versions::of_asset(&mut c, asset).await? {
        let r = versions::renditions(&mut c, v.id).await?;
        let mut view = VersionView::new(&v, a.current_version_id == Some(v.id.0), &r);
        sign_urls(state, &mut view, &r);
        out.push(view);
    }
    Ok(out)
}

pub async fn get(state: &AppState, p: &Principal, id: VersionId) -> ApiResult<VersionView> {
    let mut c = state.store().reader().await?;
    let (v, asset, _, _) = reach(&mut c, p, id).await?;
    let r = versions::renditions(&mut c, v.id).await?;
    let mut view = VersionView::new(&v, asset.current_version_id == Some(v.id.0), &r);
    sign_urls(state, &mut view, &r);
    Ok(view)
}
