//! Resumable uploads (tus 1.0.0): creating an upload, appending bytes durably, and turning a
//! finished upload into a version (a new asset in a folder, or the next version of an asset).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use frameproof_blobs::{AppendStop, BlobKey};
use frameproof_domain::{Action, AssetId, FolderId, VersionId, event};
use frameproof_store::assets::{self, NewAsset};
use frameproof_store::jobs::{self, NewJob};
use frameproof_store::uploads::{self, NewUpload, UploadRow};
use frameproof_store::{versions, workspaces};
use futures::{Stream, StreamExt};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::new_uuid;
use crate::access::{self, require, require_not_archived};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::{AssetView, usage};
use crate::state::AppState;

/// How long an upload's write lease lasts without renewal (a crashed writer blocks a resume
/// for at most this long).
const LOCK_LEASE_MS: i64 = 15_000;

/// A writer stops appending this long before its lease would run out, so nobody can take the
/// lease over while its last chunk is still being written.
const LEASE_MARGIN_MS: i64 = LOCK_LEASE_MS / 3;

/// A PATCH's hold on the upload: until when its lease is known to last, and whether it was
/// lost. Bytes are appended only while it holds.
struct Lease {
    valid_until: std::sync::atomic::AtomicI64,
    lost: std::sync::atomic::AtomicBool,
    /// Told once when the hold ends, so a body that is not sending ends too.
    gone: tokio::sync::Notify,
}

impl Lease {
    fn new(valid_until: i64) -> Self {
        Self {
            valid_until: std::sync::atomic::AtomicI64::new(valid_until),
            lost: std::sync::atomic::AtomicBool::new(false),
            gone: tokio::sync::Notify::new(),
        }
    }

    /// Whether the hold lasts at `now`; past the margin it ends for good.
    fn holds(&self, now: i64) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        if !self.is_lost() && now >= self.valid_until.load(SeqCst) - LEASE_MARGIN_MS {
            self.lose();
        }
        !self.is_lost()
    }

    /// A renewal succeeded at `now`: the lease lasts until `until`. A hold already ended stays
    /// ended (bytes may have been refused meanwhile, or another writer come and gone).
    fn renewed(&self, now: i64, until: i64) {
        if self.holds(now) {
            self.valid_until.store(until, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn lose(&self) {
        if !self.lost.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.gone.notify_one();
        }
    }

    fn is_lost(&self) -> bool {
        self.lost.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The job kind that ingests a finished upload.
pub const INGEST_JOB: &str = "ingest";

/// Parses `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent).
pub fn parse_metadata(raw: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let bad = |why: &str| ApiError::bad_request("invalid-upload-metadata", format!("Upload-Metadata: {why}"));
    let mut out = BTreeMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.split(' ').filter(|p| !p.is_empty());
        let key = parts.next().ok_or_else(|| bad("empty key"))?;
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("keys must be printable ASCII"));
        }
        let value = match parts.next() {
            Some(v) => {
                let bytes = STANDARD.decode(v).map_err(|_| bad(&format!("the value of {key:?} is not base64")))?;
                String::from_utf8(bytes).map_err(|_| bad(&format!("the value of {key:?} is not UTF-8")))?
            }
            None => String::new(),
        };
        if parts.next().is_some() {
            return Err(bad("a pair has more than a key and a value"));
        }
        if out.insert(key.to_owned(), value).is_some() {
            return Err(bad(&format!("{key:?} appears twice")));
        }
    }
    Ok(out)
}

/// What a new upload asks for.
pub struct CreateUpload {
    pub length: i64,
    pub metadata_raw: String,
}

fn staging_key(id: Uuid) -> Result<BlobKey, ApiError> {
    BlobKey::new(format!("staging/{id}")).map_err(ApiError::internal)
}

/// Creates an upload after checking the target, the caller's rights, the size limit and the
/// workspace's quota (before any byte is stored).
pub async fn create(state: &AppState, p: &Principal, req: CreateUpload) -> ApiResult<UploadRow> {
    let meta = parse_metadata(&req.metadata_raw)?;
    let filename = meta.get("filename").map(|f| f.trim()).filter(|f| !f.is_empty()).ok_or_else(|| {
        ApiError::bad_request("invalid-upload-metadata", "Upload-Metadata must carry the file's name (filename)")
    })?;
    let filename = frameproof_domain::validate::name("filename", filename)?;
    let filetype = meta.get("filetype").cloned().unwrap_or_default();
    if filetype.len() > 255 {
        return Err(ApiError::bad_request("invalid-upload-metadata", "filetype is too long"));
    }
    let parse_id = |k: &str| -> ApiResult<Option<Uuid>> {
        meta.get(k)
            .map(|v| {
                v.parse::<Uuid>()
                    .map_err(|_| ApiError::bad_request("invalid-upload-metadata", format!("{k} is not an id")))
            })
            .transpose()
    };
    let (folder_id, asset_id) = (parse_id("folder_id")?, parse_id("asset_id")?);
    let limits = &state.config().limits;
    if req.length > limits.max_upload_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload-too-large",
            format!("files up to {} bytes can be uploaded", limits.max_upload_bytes),
        ));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (project, role, folder, asset) = match (folder_id, asset_id) {
        (Some(f), None) => {
            let (folder, project, role) = access::folder(&mut tx, p, FolderId(f), false).await?;
            (project, role, Some(folder.id), None)
        }
        (None, Some(a)) => {
            let (asset, project, role) = access::asset(&mut tx, p, AssetId(a), false).await?;
            (project, role, None, Some(asset.id))
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid-upload-metadata",
                "Upload-Metadata must name exactly one target: folder_id (a new asset) or asset_id (a new version)",
            ));
        }
    };
    require(role, Action::EditContent)?;
    require_not_archived(&project)?;
    let ws = workspaces::workspace(&mut tx, project.workspace_id).await?.ok_or_else(ApiError::not_found)?;
    let reserved = uploads::reserved_bytes(&mut tx, ws.id, now.0).await?;
    let use_now = usage(&ws);
    if !use_now.fits(reserved.saturating_add(req.length)) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "quota-exceeded",
            format!(
                "this upload ({} bytes) would exceed the workspace's storage quota ({} of {} bytes used, {} reserved by uploads in progress)",
                req.length, use_now.used_bytes, use_now.quota_bytes, reserved
            ),
        ));
    }
    let id = new_uuid(now);
    let key = staging_key(id)?;
    uploads::insert(
        &mut tx,
        &NewUpload {
            id,
            workspace_id: ws.id,
            project_id: project.id,
            folder_id: folder,
            asset_id: asset,
            created_by: p.user_id,
            filename: &filename,
            filetype: &filetype,
            length: req.length,
            metadata: &req.metadata_raw,
            staging_key: key.as_str(),
            now: now.0,
            expires_at: now.plus_secs(limits.upload_expiry_hours * 3600).0,
        },
    )
    .await?;
    state.blobs().create(&key).await.map_err(ApiError::internal)?;
    let row = uploads::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// An upload of the caller's (someone else's upload is 404).
pub async fn get(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<UploadRow> {
    let mut c = state.store().reader().await?;
    let row = uploads::get(&mut c, id).await?.filter(|u| u.created_by == p.user_id).ok_or_else(ApiError::not_found)?;
    if row.completed_at.is_none() && row.expires_at <= state.now().0 {
        return Err(ApiError::new(StatusCode::GONE, "upload-expired", "this upload expired; start it again"));
    }
    Ok(row)
}

/// A checksum the client sent with a PATCH (`Upload-Checksum: sha256 <base64>`).
pub enum Checksum {
    Sha1(Vec<u8>),
    Sha256(Vec<u8>),
}

impl Checksum {
    pub fn parse(raw: &str) -> ApiResult<Checksum> {
        let (algo, value) = raw.trim().split_once(' ').ok_or_else(|| {
            ApiError::bad_request("invalid-checksum", "Upload-Checksum must be `<algorithm> <base64 digest>`")
        })?;
        let digest = STANDARD
            .decode(value.trim())
            .map_err(|_| ApiError::bad_request("invalid-checksum", "the Upload-Checksum digest is not base64"))?;
        match algo {
            "sha1" => Ok(Checksum::Sha1(digest)),
            "sha256" => Ok(Checksum::Sha256(digest)),
            other => Err(ApiError::bad_request(
                "unsupported-checksum-algorithm",
                format!("checksum algorithm {other:?} is not supported; use sha1 or sha256"),
            )),
        }
    }
}

/// The result of a PATCH: the new offset, and the version when the upload completed.
pub struct Patched {
    pub offset: i64,
    pub expires_at: i64,
    pub finished: Option<(AssetId, VersionId)>,
}

/// Appends a PATCH body at `offset`. The offset advances only after the bytes are fsynced; a
/// body cut short still keeps what arrived (the client resumes from there).
pub async fn patch<S, E>(
    state: &AppState,
    p: &Principal,
    id: Uuid,
    offset: i64,
    checksum: Option<Checksum>,
    body: S,
) -> ApiResult<Patched>
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let upload = get(state, p, id).await?;
    if upload.completed_at.is_some() {
        return Err(ApiError::conflict("upload-complete", "this upload is already complete"));
    }
    if offset != upload.upload_offset {
        return Err(ApiError::conflict(
            "offset-mismatch",
            format!("Upload-Offset {offset} does not match the stored offset {}", upload.upload_offset),
        ));
    }
    let now = state.now().0;
    let owner = new_uuid(state.now()).to_string();
    {
        let mut tx = state.store().begin().await?;
        if !uploads::lock(&mut tx, id, &owner, now, now + LOCK_LEASE_MS, Some(offset)).await? {
            let current = uploads::get(&mut tx, id).await?.map(|u| u.upload_offset);
            if current.is_some_and(|o| o != offset) {
                return Err(ApiError::conflict(
                    "offset-mismatch",
                    format!("Upload-Offset {offset} does not match the stored offset {}", current.unwrap_or_default()),
                ));
            }
            return Err(ApiError::new(
                StatusCode::LOCKED,
                "upload-locked",
                "another request is writing this upload right now; retry in a few seconds",
            ));
        }
        tx.commit().await?;
    }
    // Keep the write lease alive while bytes flow; if this process dies, the lease runs out and
    // the client's retry takes over. A renewal that finds the lease no longer this request's
    // (taken over, or taken and released again), or renewals failing until the lease is nearly
    // out, end this request's hold: the append stops before the next chunk, so two writers never
    // interleave.
    let lease = std::sync::Arc::new(Lease::new(now + LOCK_LEASE_MS));
    let refresher = {
        let (state, owner, lease) = (state.clone(), owner.clone(), lease.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(u64::try_from(LOCK_LEASE_MS / 3).unwrap_or(5_000)))
                    .await;
                let now = state.now().0;
                if !lease.holds(now) {
                    return;
                }
                let renewed = match state.store().begin().await {
                    Ok(mut tx) => match uploads::renew(&mut tx, id, &owner, now + LOCK_LEASE_MS).await {
                        Ok(held) => tx.commit().await.map(|()| held).map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(e) => Err(e.to_string()),
                };
                match renewed {
                    Ok(true) => lease.renewed(now, now + LOCK_LEASE_MS),
                    Ok(false) => {
                        lease.lose();
                        return;
                    }
                    Err(e) => tracing::warn!(upload = %id, error = %e, "renewing an upload's write lease failed"),
                }
            }
        })
    };
    let _stop_refresh = AbortOnDrop(refresher);
    let holds: frameproof_blobs::Holds = {
        let (state, lease) = (state.clone(), lease.clone());
        std::sync::Arc::new(move || lease.holds(state.now().0))
    };
    // The body ends when the hold does, even while the client sends nothing.
    let body = {
        let lease = lease.clone();
        body.take_until(Box::pin(async move { lease.gone.notified().await }))
    };
    let key = BlobKey::new(upload.staging_key.clone()).map_err(ApiError::internal)?;
    let limit = u64::try_from(upload.length - upload.upload_offset).unwrap_or(0);
    let mut sha1 = Sha1::new();
    let mut sha256 = Sha256::new();
    let hashing = checksum.is_some();
    let appended = state
        .blobs()
        .append_while(
            &key,
            u64::try_from(offset).unwrap_or(0),
            limit,
            body,
            &mut |chunk| {
                if hashing {
                    sha1.update(chunk);
                    sha256.update(chunk);
                }
            },
            holds,
        )
        .await;
    let appended = match appended {
        Ok(a) => a,
        Err(e) => {
            let mut tx = state.store().begin().await?;
            uploads::unlock(&mut tx, id, &owner).await?;
            tx.commit().await?;
            return Err(ApiError::internal(e));
        }
    };
    if lease.is_lost() || matches!(appended.interrupted, Some(AppendStop::Lost)) {
        // Another request may be writing from the stored offset by now: leave the file and the
        // offset to it, and tell this client to ask where things stand. The append has ended, so
        // a lease still ours (renewals failed, nobody took it) can be let go for the retry.
        tracing::warn!(upload = %id, "an upload's write lease was lost mid-body; the request's bytes are not counted");
        if let Ok(mut tx) = state.store().begin().await
            && uploads::unlock(&mut tx, id, &owner).await.is_ok()
        {
            let _ = tx.commit().await;
        }
        return Err(ApiError::conflict(
            "upload-lease-lost",
            "this request lost its hold on the upload while writing (it was renewed too late or taken over); \
             nothing it sent was counted: ask HEAD for the offset and resume from there",
        ));
    }
    let mut written = i64::try_from(appended.written).unwrap_or(0);
    let too_long = matches!(appended.interrupted, Some(AppendStop::TooLong));
    if let Some(sum) = &checksum {
        let ok = appended.interrupted.is_none()
            && match sum {
                Checksum::Sha1(d) => sha1.finalize().as_slice() == d.as_slice(),
                Checksum::Sha256(d) => sha256.finalize().as_slice() == d.as_slice(),
            };
        if !ok {
            state.blobs().truncate(&key, u64::try_from(offset).unwrap_or(0)).await.map_err(ApiError::internal)?;
            written = 0;
        }
        if !ok && appended.interrupted.is_none() {
            let mut tx = state.store().begin().await?;
            uploads::unlock(&mut tx, id, &owner).await?;
            tx.commit().await?;
            return Err(ApiError::new(
                StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
                "checksum-mismatch",
                "the body does not match Upload-Checksum; nothing was stored, send it again",
            ));
        }
    }
    let new_offset = offset + written;
    let expires_at = state.now().plus_secs(state.config().limits.upload_expiry_hours * 3600).0;
    {
        let mut tx = state.store().begin().await?;
        if !uploads::advance(&mut tx, id, offset, new_offset, &owner, state.now().0, expires_at).await? {
            return Err(ApiError::conflict("offset-mismatch", "the upload changed while this request was writing"));
        }
        tx.commit().await?;
    }
    if let Some(AppendStop::Body(e)) = &appended.interrupted {
        tracing::info!(upload = %id, kept = written, error = %e, "upload body cut short; the client can resume");
    }
    let finished = if new_offset == upload.length { Some(finish(state, p, id).await?) } else { None };
    if too_long {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload-too-long",
            format!("the body goes past Upload-Length ({} bytes); the bytes up to it were kept", upload.length),
        ));
    }
    Ok(Patched { offset: new_offset, expires_at, finished })
}

/// Turns a complete upload into a version in one transaction: the asset (for a folder
/// target), the version row, current-version rule, storage use, events, and the ingest job.
/// The staging bytes move to the original's key after the commit; the ingest job redoes that
/// move if a crash came in between.
async fn finish(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<(AssetId, VersionId)> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let upload = uploads::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    if let (Some(_), Some(v)) = (upload.completed_at, upload.version()) {
        let asset = versions::get(&mut tx, v).await?.map(|r| r.asset_id).ok_or_else(ApiError::not_found)?;
        return Ok((asset, v));
    }
    let actor = Actor::user(p);
    let (asset, project) = match (upload.folder(), upload.asset()) {
        (Some(folder_id), _) => {
            let (folder, project, role) = access::folder(&mut tx, p, folder_id, false).await?;
            require(role, Action::EditContent)?;
            let asset_id = AssetId(new_uuid(now));
            let name = asset_name(&upload.filename);
            assets::insert(
                &mut tx,
                &NewAsset {
                    id: asset_id,
                    project_id: folder.project_id,
                    folder_id: folder.id,
                    name: &name,
                    description: "",
                    created_by: p.user_id,
                    now: now.0,
                },
            )
            .await?;
            let row = assets::get(&mut tx, asset_id).await?.ok_or_else(ApiError::not_found)?;
            record(
                &mut tx,
                event::ASSET_CREATED,
                now.0,
                &actor,
                EventScope::asset(project.workspace_id, project.id, asset_id),
                &AssetView::from(&row),
            )
            .await?;
            (row, project)
        }
        (None, Some(asset_id)) => {
            let (asset, project, role) = access::asset(&mut tx, p, asset_id, false).await?;
            require(role, Action::EditContent)?;
            (asset, project)
        }
        (None, None) => return Err(ApiError::not_found()),
    };
    let version_id = VersionId(new_uuid(now));
    let original_key = format!("originals/{version_id}");
    let number = versions::insert(
        &mut tx,
        &versions::NewVersion {
            id: version_id,
            asset_id: asset.id,
            filename: &upload.filename,
            filetype: &upload.filetype,
            size_bytes: upload.length,
            original_key: &original_key,
            uploaded_by: p.user_id,
            now: now.0,
        },
    )
    .await?;
    // A new version becomes current unless the current one is locked.
    let current_locked = match versions::current_of(&mut tx, asset.id).await? {
        Some(cur) => versions::get(&mut tx, cur).await?.is_some_and(|v| v.locked),
        None => false,
    };
    if !current_locked {
        versions::set_current(&mut tx, asset.id, version_id, now.0).await?;
    }
    workspaces::add_usage(&mut tx, project.workspace_id, upload.length, 0).await?;
    uploads::complete(&mut tx, id, version_id, now.0).await?;
    let payload = serde_json::json!({
        "id": version_id, "asset_id": asset.id, "number": number, "filename": upload.filename,
        "size_bytes": upload.length, "processing_state": "processing", "current": !current_locked,
    });
    let mut scope = EventScope::asset(project.workspace_id, project.id, asset.id);
    scope.version_id = Some(version_id);
    record(&mut tx, "version.added", now.0, &actor, scope, &payload).await?;
    // In a campaign with a workflow the version moves its deliverable on (a new asset becomes
    // one first).
    super::workflow::version_added(&mut tx, asset.id, version_id, &actor, now.0).await?;
    let job = serde_json::json!({ "version_id": version_id, "staging_key": upload.staging_key });
    jobs::enqueue(
        &mut tx,
        &NewJob {
            id: new_uuid(now),
            kind: INGEST_JOB,
            payload: &job.to_string(),
            priority: 10,
            max_attempts: 3,
            unique_key: Some(&format!("ingest:{version_id}")),
            now: now.0,
        },
    )
    .await?;
    tx.commit().await?;
    let staging = BlobKey::new(upload.staging_key).map_err(ApiError::internal)?;
    let original = BlobKey::new(original_key).map_err(ApiError::internal)?;
    // The ingest job may already have moved it (it was enqueued in the transaction above).
    if let Err(e) = state.blobs().promote(&staging, &original).await
        && !matches!(state.blobs().len(&original).await, Ok(Some(_)))
    {
        tracing::warn!(error = %e, version = %version_id, "moving the upload into place failed; ingest will retry");
    }
    Ok((asset.id, version_id))
}

/// The asset name a file gets: its name without the extension.
fn asset_name(filename: &str) -> String {
    let stem = match filename.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem,
        _ => filename,
    };
    stem.to_owned()
}

/// Termination: deletes an unfinished upload and its bytes.
pub async fn terminate(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<()> {
    let upload = get(state, p, id).await?;
    if upload.completed_at.is_some() {
        return Err(ApiError::conflict(
            "upload-complete",
            "a finished upload cannot be terminated; delete the version instead",
        ));
    }
    let mut tx = state.store().begin().await?;
    if !uploads::delete_unfinished(&mut tx, id, state.now().0).await? {
        return Err(ApiError::new(
            StatusCode::LOCKED,
            "upload-locked",
            "this upload is being written or has just finished; it cannot be terminated now",
        ));
    }
    tx.commit().await?;
    let key = BlobKey::new(upload.staging_key).map_err(ApiError::internal)?;
    state.blobs().delete(&key).await.map_err(ApiError::internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_parses_the_tus_format() {
        let m = parse_metadata("filename aGVyby5tb3Y=,filetype dmlkZW8vcXVpY2t0aW1l,is_confidential").unwrap();
        assert_eq!(m["filename"], "hero.mov");
        assert_eq!(m["filetype"], "video/quicktime");
        assert_eq!(m["is_confidential"], "");
        assert!(parse_metadata("filename !!!").is_err());
        assert!(parse_metadata("a YQ==,a YQ==").is_err());
        assert!(parse_metadata("").unwrap().is_empty());
    }

    #[test]
    fn asset_names_drop_the_extension() {
        assert_eq!(asset_name("Hero 30s v3.mov"), "Hero 30s v3");
        assert_eq!(asset_name(".hidden"), ".hidden");
        assert_eq!(asset_name("notes.final-version"), "notes.final-version");
    }
}
