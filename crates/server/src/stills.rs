//! The frame-still cache: exactly frame `n` of a video version as JPEG, made on request and
//! kept under `derived/{version id}/frame_{n}.jpg`, bounded by `media.still_cache_bytes`.
//!
//! A still's file time is its last use (touched on every hit), so the least recently used go
//! first when the stills together pass the cap. Eviction runs at most once a minute after a
//! still is made, and in every housekeeping pass; it works from the files alone, so every
//! process on the data dir sees the same cache. Stills are derived media: a workspace's
//! `derived_bytes` grows when one is made and shrinks when one is evicted.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use frameproof_blobs::BlobKey;
use frameproof_domain::VersionId;
use frameproof_store::{StoreError, versions, workspaces};

use crate::state::AppState;

/// The least time between two evictions started by requests.
const EVICT_EVERY_MS: i64 = 60_000;

static LAST_EVICTION: AtomicI64 = AtomicI64::new(0);

fn wall_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).ok().and_then(|d| i64::try_from(d.as_millis()).ok()).unwrap_or(0)
}

/// Marks a cached still as used now (best effort: a still that cannot be touched is only
/// evicted sooner).
pub async fn touch(path: std::path::PathBuf) {
    let _ = tokio::task::spawn_blocking(move || {
        std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(SystemTime::now()))
    })
    .await;
}

/// Starts an eviction in the background unless one started within the last minute.
pub fn evict_soon(state: &AppState) {
    let now = wall_ms();
    let last = LAST_EVICTION.load(Ordering::SeqCst);
    if now - last < EVICT_EVERY_MS
        || LAST_EVICTION.compare_exchange(last, now, Ordering::SeqCst, Ordering::SeqCst).is_err()
    {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = evict(&state).await {
            tracing::warn!(error = %e, "evicting frame stills failed; will retry");
        }
    });
}

/// One cached still on disk.
struct Still {
    version: VersionId,
    key: BlobKey,
    size: u64,
    used_at: SystemTime,
}

/// Deletes the least recently used stills until those left fit in `media.still_cache_bytes`,
/// and gives their bytes back to their workspaces. Answers (stills deleted, bytes freed).
pub async fn evict(state: &AppState) -> Result<(u64, u64), StoreError> {
    let cap = u64::try_from(state.config().media.still_cache_bytes).unwrap_or(0);
    let Ok(derived) = BlobKey::new("derived") else { return Ok((0, 0)) };
    let root = state.blobs().path(&derived);
    let stills = tokio::task::spawn_blocking(move || list(&root)).await.unwrap_or_default();
    let mut total: u64 = stills.iter().map(|s| s.size).sum();
    if total <= cap {
        return Ok((0, 0));
    }
    let mut stills = stills;
    stills.sort_by_key(|s| s.used_at);
    let (mut n, mut freed) = (0, 0);
    for s in stills {
        if total <= cap {
            break;
        }
        if state.blobs().delete(&s.key).await.is_err() {
            continue;
        }
        total -= s.size;
        n += 1;
        freed += s.size;
        let mut tx = state.store().begin().await?;
        if let Some((ws, _, _)) = versions::scope(&mut tx, s.version).await? {
            workspaces::add_usage(&mut tx, ws, 0, -i64::try_from(s.size).unwrap_or(0)).await?;
        }
        tx.commit().await?;
    }
    if n > 0 {
        tracing::info!(stills = n, bytes = freed, "evicted the least recently used frame stills");
    }
    Ok((n, freed))
}

/// Every `derived/{version}/frame_{n}.jpg` under `root`.
fn list(root: &std::path::Path) -> Vec<Still> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root) else { return out };
    for dir in dirs.flatten() {
        let Some(version) = dir.file_name().to_str().and_then(|n| uuid::Uuid::parse_str(n).ok()) else { continue };
        let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
        for f in files.flatten() {
            let name = f.file_name();
            let Some(name) = name.to_str() else { continue };
            if !(name.starts_with("frame_") && name.ends_with(".jpg")) {
                continue;
            }
            let (Ok(meta), Ok(key)) = (f.metadata(), BlobKey::new(format!("derived/{version}/{name}"))) else {
                continue;
            };
            out.push(Still {
                version: VersionId(version),
                key,
                size: meta.len(),
                used_at: meta.modified().unwrap_or(UNIX_EPOCH),
            });
        }
    }
    out
}
