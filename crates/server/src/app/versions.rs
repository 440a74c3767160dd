//! Reading version stacks. (Reordering, current, deleting and moving versions belong to the
//! review core.)

use frameproof_domain::{AssetId, VersionId};
use frameproof_store::assets::AssetRow;
use frameproof_store::projects::ProjectRow;
use frameproof_store::{Conn, versions};

use crate::access;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::model::VersionView;
use crate::state::AppState;

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

pub async fn list(state: &AppState, p: &Principal, asset: AssetId) -> ApiResult<Vec<VersionView>> {
    let mut c = state.store().reader().await?;
    let (a, _, _) = access::asset(&mut c, p, asset, false).await?;
    let mut out = Vec::new();
    for v in versions::of_asset(&mut c, asset).await? {
        let r = versions::renditions(&mut c, v.id).await?;
        out.push(VersionView::new(&v, a.current_version_id == Some(v.id.0), &r));
    }
    Ok(out)
}

pub async fn get(state: &AppState, p: &Principal, id: VersionId) -> ApiResult<VersionView> {
    let mut c = state.store().reader().await?;
    let (v, asset, _, _) = reach(&mut c, p, id).await?;
    let r = versions::renditions(&mut c, v.id).await?;
    Ok(VersionView::new(&v, asset.current_version_id == Some(v.id.0), &r))
}
