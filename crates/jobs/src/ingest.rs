//! Ingest: what happens to a finished upload. Hash the original, probe it, and for video make
//! the review proxies (small rung first, so reviewers can start), verify each, then the poster
//! and the audio waveform. Outputs go to deterministic keys, so a re-run after a crash simply
//! redoes the work and replaces them; the version's state only moves forward in the database
//! once an output is in place.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use frameproof_blobs::BlobKey;
use frameproof_domain::{FrameRate, VersionId};
use frameproof_media::{Expectation, MediaKind, Probe, ProbeError, verify_proxy};
use frameproof_store::events::{self, NewEvent};
use frameproof_store::jobs::JobRow;
use frameproof_store::versions::{self, NewRendition, Probed};
use frameproof_store::{WriteTx, workspaces};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::{Ctx, JobError};

/// The job kind.
pub const KIND: &str = "ingest";

#[derive(Debug, Deserialize)]
struct Payload {
    version_id: VersionId,
    staging_key: String,
}

fn actor() -> serde_json::Value {
    serde_json::json!({ "kind": "system", "id": null, "name": "Frameproof" })
}

/// Appends a version event (`version.playable`, `version.ready`, …) in the caller's transaction.
async fn version_event(
    c: &mut WriteTx,
    kind: &str,
    version: VersionId,
    payload: serde_json::Value,
    now: i64,
) -> Result<(), JobError> {
    let Some((ws, project, asset)) = versions::scope(c, version).await? else {
        return Ok(());
    };
    events::append(
        c,
        &NewEvent {
            kind,
            at: now,
            actor: &actor(),
            workspace_id: ws,
            project_id: Some(project),
            asset_id: Some(asset),
            version_id: Some(version),
            payload: &payload,
            team_only: false,
        },
    )
    .await?;
    Ok(())
}

/// Moves the version's state and says so on the events stream, in one transaction.
async fn transition(
    ctx: &Ctx,
    version: VersionId,
    state: &str,
    reason: Option<&str>,
    progress: i64,
) -> Result<(), JobError> {
    let now = ctx.now();
    let mut tx = ctx.store.begin().await?;
    versions::set_progress(&mut tx, version, progress).await?;
    if versions::set_state(&mut tx, version, state, reason, now).await? {
        let payload = serde_json::json!({ "id": version, "processing_state": state, "failure_reason": reason, "progress": progress });
        version_event(&mut tx, &format!("version.{state}"), version, payload, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Reports progress (0–100): stored on the version and published as `version.progress`, at
/// most every 5 points.
struct Dial<'a> {
    ctx: &'a Ctx,
    version: VersionId,
    last: i64,
}

impl Dial<'_> {
    /// Runs work that reports whole percentages (sent on the channel it is given) and shows
    /// them on the dial as `base .. base + share`.
    async fn follow<T, F>(
        &mut self,
        base: i64,
        share: i64,
        start: impl FnOnce(tokio::sync::mpsc::UnboundedSender<u8>) -> F,
    ) -> T
    where
        F: std::future::Future<Output = T>,
    {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
        let work = start(tx);
        tokio::pin!(work);
        loop {
            tokio::select! {
                r = &mut work => return r,
                Some(p) = rx.recv() => self.set(base + share * i64::from(p) / 100).await,
            }
        }
    }

    async fn set(&mut self, percent: i64) {
        self.ctx.progress.store(percent, Ordering::Relaxed);
        if percent < self.last + 5 && percent < 100 {
            return;
        }
        self.last = percent;
        let now = self.ctx.now();
        let Ok(mut tx) = self.ctx.store.begin().await else { return };
        let _ = versions::set_progress(&mut tx, self.version, percent).await;
        let payload = serde_json::json!({ "id": self.version, "progress": percent });
        let _ = version_event(&mut tx, "version.progress", self.version, payload, now).await;
        let _ = tx.commit().await;
    }
}

/// Marks the version failed after its job gave up (called by the runtime and the reaper).
pub async fn give_up(c: &mut WriteTx, job: &JobRow, reason: &str, now: i64) {
    let Ok(p) = serde_json::from_str::<Payload>(&job.payload) else { return };
    if let Ok(true) = versions::set_state(c, p.version_id, "failed", Some(reason), now).await {
        let payload = serde_json::json!({ "id": p.version_id, "processing_state": "failed", "failure_reason": reason });
        let _ = version_event(c, "version.failed", p.version_id, payload, now).await;
    }
}

async fn sha256_of(path: &Path) -> Result<String, JobError> {
    let mut f = tokio::fs::File::open(path).await.map_err(|e| JobError::Retry(format!("reading the original: {e}")))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).await.map_err(|e| JobError::Retry(format!("reading the original: {e}")))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(hex::encode(hash.finalize()))
}

fn key(s: String) -> Result<BlobKey, JobError> {
    BlobKey::new(s).map_err(|e| JobError::Fatal(e.to_string()))
}

/// A derived file to record.
struct Output<'a> {
    name: &'a str,
    file: &'a Path,
    content_type: &'a str,
    width: Option<u32>,
    height: Option<u32>,
    frames: Option<u64>,
    meta: serde_json::Value,
}

impl<'a> Output<'a> {
    /// An output with no picture size or frame count (stills, JSON).
    fn plain(name: &'a str, file: &'a Path, content_type: &'a str, meta: serde_json::Value) -> Self {
        Output { name, file, content_type, width: None, height: None, frames: None, meta }
    }
}

/// Moves a finished output into the store and records it (replacing an earlier run's), adding
/// its size to the workspace's derived storage.
async fn keep(ctx: &Ctx, version: VersionId, ext: &str, o: Output<'_>) -> Result<(), JobError> {
    let k = key(format!("derived/{version}/{}.{ext}", o.name))?;
    let size = ctx.blobs.put_file(o.file, &k).await?;
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    let now = ctx.now();
    let mut tx = ctx.store.begin().await?;
    let replaced = versions::put_rendition(
        &mut tx,
        &NewRendition {
            version_id: version,
            name: o.name,
            blob_key: k.as_str(),
            content_type: o.content_type,
            size_bytes: size,
            width: o.width.map(i64::from),
            height: o.height.map(i64::from),
            frame_count: o.frames.and_then(|f| i64::try_from(f).ok()),
            meta: &o.meta.to_string(),
            now,
        },
    )
    .await?;
    if let Some((ws, _, _)) = versions::scope(&mut tx, version).await? {
        workspaces::add_usage(&mut tx, ws, 0, size - replaced).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Words for a person about a file we cannot use.
fn refusal(e: &ProbeError) -> JobError {
    match e {
        ProbeError::Refused { reason } => JobError::Fatal(format!("This file was refused: {reason}.")),
        ProbeError::Unreadable { detail } => {
            JobError::Fatal(format!("This file is not a video, audio or image file Frameproof can read ({detail})."))
        }
        other => JobError::Retry(format!("probing failed: {other}")),
    }
}

/// Runs the ingest of one version.
pub async fn run(ctx: &Ctx, job: &JobRow) -> Result<(), JobError> {
    let p: Payload = serde_json::from_str(&job.payload).map_err(|e| JobError::Fatal(format!("bad payload: {e}")))?;
    let id = p.version_id;
    let version = {
        let mut c = ctx.store.reader().await?;
        match versions::get(&mut c, id).await? {
            Some(v) => v,
            None => return Ok(()), // deleted meanwhile: nothing to do
        }
    };
    // The upload's bytes move into place when it finishes; redo that if a crash came first.
    // The server moves it right after committing the version, so this job may race that move:
    // whichever rename loses finds the file already in place.
    let original = key(version.original_key.clone())?;
    if ctx.blobs.len(&original).await?.is_none() {
        let staging = key(p.staging_key)?;
        let moved = ctx.blobs.promote(&staging, &original).await;
        if ctx.blobs.len(&original).await?.is_none() {
            return Err(match moved {
                Err(e) => JobError::Retry(format!("moving the upload into place: {e}")),
                Ok(()) => JobError::Fatal(String::from("The uploaded file is missing from storage.")),
            });
        }
    }
    let path = ctx.blobs.path(&original);
    let mut dial = Dial { ctx, version: id, last: -100 };
    dial.set(1).await;
    let sha = sha256_of(&path).await?;
    if version.size_bytes == 0 {
        store_probe(ctx, id, &sha, None).await?;
        return Err(JobError::Fatal(String::from("The file is empty (0 bytes).")));
    }
    if frameproof_media::stills::is_heif(&path).await {
        let scratch = ctx.blobs.scratch(&format!("ingest-{id}")).await?;
        let jpeg = scratch.join("decoded.jpg");
        let result = match frameproof_media::stills::heif_to_jpeg(&ctx.tools, &path, &jpeg).await {
            Ok(()) => {
                store_still(ctx, id, &sha, &jpeg).await?;
                image(ctx, id, &jpeg, &scratch).await
            }
            Err(e) => Err(JobError::Fatal(format!("This HEIC image could not be decoded ({e})."))),
        };
        let _ = tokio::fs::remove_dir_all(&scratch).await;
        result?;
        return transition(ctx, id, "ready", None, 100).await;
    }
    if frameproof_media::pdf::is_pdf(&path).await {
        let scratch = ctx.blobs.scratch(&format!("ingest-{id}")).await?;
        let result = pdf(ctx, id, &path, &sha, &scratch).await;
        let _ = tokio::fs::remove_dir_all(&scratch).await;
        result?;
        return transition(ctx, id, "ready", None, 100).await;
    }
    let probe = match frameproof_media::probe(&ctx.tools, &path).await {
        Ok(p) => p,
        Err(e) => {
            store_probe(ctx, id, &sha, None).await?;
            return Err(refusal(&e));
        }
    };
    store_probe(ctx, id, &sha, Some(&probe)).await?;
    let scratch = ctx.blobs.scratch(&format!("ingest-{id}")).await?;
    let result = match probe.kind {
        MediaKind::Video => video(ctx, id, &path, &probe, &scratch, &mut dial).await,
        MediaKind::Image => image(ctx, id, &path, &scratch).await,
        MediaKind::Audio => audio(ctx, id, &path, &probe, &scratch, &mut dial).await,
    };
    let _ = tokio::fs::remove_dir_all(&scratch).await;
    result?;
    transition(ctx, id, "ready", None, 100).await
}

/// Records a decoded still's facts (HEIC: probed from the JPEG libheif made).
async fn store_still(ctx: &Ctx, id: VersionId, sha: &str, decoded: &Path) -> Result<(), JobError> {
    match frameproof_media::probe(&ctx.tools, decoded).await {
        Ok(p) => store_probe(ctx, id, sha, Some(&p)).await,
        Err(e) => Err(refusal(&e)),
    }
}

async fn store_probe(ctx: &Ctx, id: VersionId, sha: &str, probe: Option<&Probe>) -> Result<(), JobError> {
    let now = ctx.now();
    let (kind, json, video, rate) = match probe {
        Some(p) => (
            match p.kind {
                MediaKind::Video => "video",
                MediaKind::Audio => "audio",
                MediaKind::Image => "image",
            },
            serde_json::to_string(p).unwrap_or_default(),
            p.video.as_ref(),
            p.review_rate(),
        ),
        None => ("unknown", String::new(), None, None),
    };
    let frames = probe.and_then(Probe::expected_frames);
    let mut tx = ctx.store.begin().await?;
    versions::set_probed(
        &mut tx,
        id,
        sha,
        &Probed {
            kind,
            probe_json: &json,
            width: video.map(|v| i64::from(v.display_width)),
            height: video.map(|v| i64::from(v.display_height)),
            rate: rate.map(|r| (i64::from(r.num), i64::from(r.den))),
            frame_count: if kind == "video" { frames.and_then(|f| i64::try_from(f).ok()) } else { None },
            duration_us: probe.and_then(|p| p.duration_us).and_then(|d| i64::try_from(d).ok()),
            vfr: video.is_some_and(|v| v.vfr),
            start_timecode: video.and_then(|v| v.start_timecode.as_deref()),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn video(
    ctx: &Ctx,
    id: VersionId,
    input: &Path,
    probe: &Probe,
    scratch: &Path,
    dial: &mut Dial<'_>,
) -> Result<(), JobError> {
    let info = probe.video.as_ref().ok_or_else(|| JobError::Fatal(String::from("The file has no video stream.")))?;
    let rate: FrameRate =
        probe.review_rate().ok_or_else(|| JobError::Fatal(String::from("The video's frame rate is unknown.")))?;
    let rungs = frameproof_media::rungs(info);
    let share = 90 / i64::try_from(rungs.len().max(1)).unwrap_or(1);
    let mut smallest: Option<(PathBuf, u64)> = None;
    for (i, rung) in rungs.iter().enumerate() {
        let out = scratch.join(format!("proxy_{}.mp4", rung.name));
        let expect = Expectation::for_proxy(probe, rung)
            .ok_or_else(|| JobError::Fatal(String::from("The video's length is unknown.")))?;
        let args = frameproof_media::proxy_args(input, &out, info, rate, rung, !probe.audio.is_empty());
        let base = 2 + share * i64::try_from(i).unwrap_or(0);
        let done = dial
            .follow(base, share, |tx| {
                frameproof_media::transcode(&ctx.tools, &args, expect.frames, move |p| {
                    let _ = tx.send(p);
                })
            })
            .await;
        done.map_err(|e| JobError::Fatal(format!("Making the {} review proxy failed: {e}", rung.name)))?;
        let verified = verify_proxy(&ctx.tools, &out, &expect)
            .await
            .map_err(|e| JobError::Fatal(format!("The {} proxy failed its frame check: {e}.", rung.name)))?;
        let name = format!("proxy_{}", rung.name);
        // Later steps read the small proxy; keep a copy in scratch before it moves into the store.
        if smallest.is_none() {
            let copy = scratch.join("first_rung.mp4");
            tokio::fs::copy(&out, &copy).await.map_err(|e| JobError::Retry(format!("copying the proxy: {e}")))?;
            smallest = Some((copy, verified.frames));
        }
        keep(
            ctx,
            id,
            "mp4",
            Output {
                name: &name,
                file: &out,
                content_type: "video/mp4",
                width: Some(verified.width),
                height: Some(verified.height),
                frames: Some(verified.frames),
                meta: serde_json::json!({ "rate": rate, "duration_us": verified.duration_us }),
            },
        )
        .await?;
        if i == 0 {
            // The small rung is enough to start reviewing.
            {
                let mut tx = ctx.store.begin().await?;
                versions::set_probed_frames(&mut tx, id, i64::try_from(verified.frames).unwrap_or(0)).await?;
                tx.commit().await?;
            }
            transition(ctx, id, "playable", None, base + share).await?;
        }
    }
    let (proxy, frames) = smallest.ok_or_else(|| JobError::Fatal(String::from("No proxy could be planned.")))?;
    let poster = scratch.join("poster.jpg");
    let at = frameproof_media::poster(&ctx.tools, &proxy, rate, frames, &poster, Some(640))
        .await
        .map_err(|e| JobError::Retry(format!("drawing the poster: {e}")))?;
    keep(ctx, id, "jpg", Output::plain("poster", &poster, "image/jpeg", serde_json::json!({ "frame": at }))).await?;
    dial.set(93).await;
    sprites(ctx, id, &proxy, frames, info, scratch).await?;
    dial.set(96).await;
    if !probe.audio.is_empty() {
        waveform(ctx, id, input, scratch).await?;
    }
    Ok(())
}

/// Scrub-preview sprite sheets (at most ~300 tiles) and their index: tile i shows frame
/// i × every, on sheet i / 100.
async fn sprites(
    ctx: &Ctx,
    id: VersionId,
    proxy: &Path,
    frames: u64,
    info: &frameproof_media::VideoInfo,
    scratch: &Path,
) -> Result<(), JobError> {
    let every = frames.div_ceil(300).max(1);
    let layout = frameproof_media::sprite_layout(frames, every, info.display_width, info.display_height);
    let pattern = scratch.join("sprite_%03d.jpg");
    frameproof_media::stills::sprite(&ctx.tools, proxy, &pattern, &layout)
        .await
        .map_err(|e| JobError::Retry(format!("drawing the scrub sprites: {e}")))?;
    let mut sheets = Vec::new();
    for sheet in 0..layout.sheets {
        let file = scratch.join(format!("sprite_{sheet:03}.jpg"));
        let name = format!("sprite_{sheet:03}");
        keep(ctx, id, "jpg", Output::plain(&name, &file, "image/jpeg", serde_json::json!({ "sheet": sheet }))).await?;
        sheets.push(format!("{name}.jpg"));
    }
    let index = serde_json::json!({
        "every": layout.every, "tile_width": layout.tile_width, "tile_height": layout.tile_height,
        "columns": layout.columns, "rows": layout.rows, "sheets": sheets,
        "tiles": layout.tiles.iter().map(|(tile, frame)| {
            let (sheet, col, row) = layout.locate(*tile);
            serde_json::json!({ "tile": tile, "frame": frame, "sheet": sheet, "x": col * layout.tile_width, "y": row * layout.tile_height })
        }).collect::<Vec<_>>(),
    });
    let file = scratch.join("sprite_index.json");
    tokio::fs::write(&file, index.to_string())
        .await
        .map_err(|e| JobError::Retry(format!("writing the sprite index: {e}")))?;
    keep(
        ctx,
        id,
        "json",
        Output::plain(
            "sprite_index",
            &file,
            "application/json",
            serde_json::json!({ "every": layout.every, "sheets": layout.sheets }),
        ),
    )
    .await
}

async fn waveform(ctx: &Ctx, id: VersionId, input: &Path, scratch: &Path) -> Result<(), JobError> {
    let peaks = frameproof_media::waveform(&ctx.tools, input, 2000)
        .await
        .map_err(|e| JobError::Retry(format!("reading the audio waveform: {e}")))?;
    let file = scratch.join("waveform.json");
    let body = serde_json::json!({ "buckets": peaks.len(), "peaks": peaks.iter().map(|(lo, hi)| [lo, hi]).collect::<Vec<_>>() });
    tokio::fs::write(&file, body.to_string())
        .await
        .map_err(|e| JobError::Retry(format!("writing the waveform: {e}")))?;
    keep(ctx, id, "json", Output::plain("waveform", &file, "application/json", serde_json::json!({}))).await
}

/// A PDF: its page count, and every page (up to the cap) as an image; page 1 is the poster.
async fn pdf(ctx: &Ctx, id: VersionId, input: &Path, sha: &str, scratch: &Path) -> Result<(), JobError> {
    use frameproof_media::pdf;
    let pages = pdf::page_count(&ctx.tools, input)
        .await
        .map_err(|e| JobError::Fatal(format!("This PDF could not be read ({e}).")))?;
    {
        let mut tx = ctx.store.begin().await?;
        versions::set_pdf(&mut tx, id, sha, i64::from(pages), ctx.now()).await?;
        tx.commit().await?;
    }
    let files = pdf::render_pages(&ctx.tools, input, pages, scratch, 1600)
        .await
        .map_err(|e| JobError::Fatal(format!("The PDF's pages could not be drawn ({e}).")))?;
    let poster = scratch.join("poster.jpg");
    if let Some(first) = files.first() {
        tokio::fs::copy(first, &poster).await.map_err(|e| JobError::Retry(format!("copying the poster: {e}")))?;
    }
    for (i, file) in files.iter().enumerate() {
        let page = i + 1;
        let name = format!("page_{page:03}");
        keep(
            ctx,
            id,
            "jpg",
            Output {
                name: &name,
                file,
                content_type: "image/jpeg",
                width: None,
                height: None,
                frames: None,
                meta: serde_json::json!({ "page": page }),
            },
        )
        .await?;
    }
    keep(ctx, id, "jpg", Output::plain("poster", &poster, "image/jpeg", serde_json::json!({ "page": 1 }))).await?;
    transition(ctx, id, "playable", None, 90).await
}

async fn image(ctx: &Ctx, id: VersionId, input: &Path, scratch: &Path) -> Result<(), JobError> {
    let out = scratch.join("preview.jpg");
    frameproof_media::stills::image_preview(&ctx.tools, input, &out, 2560)
        .await
        .map_err(|e| JobError::Fatal(format!("Making the image preview failed: {e}")))?;
    // The grid's tile, like a video's poster: made from the preview (already decoded and
    // oriented) before the preview moves into the store.
    let poster = scratch.join("poster.jpg");
    frameproof_media::stills::image_preview(&ctx.tools, &out, &poster, 640)
        .await
        .map_err(|e| JobError::Fatal(format!("Making the image's poster failed: {e}")))?;
    keep(ctx, id, "jpg", Output::plain("preview", &out, "image/jpeg", serde_json::json!({}))).await?;
    keep(ctx, id, "jpg", Output::plain("poster", &poster, "image/jpeg", serde_json::json!({}))).await?;
    transition(ctx, id, "playable", None, 90).await
}

async fn audio(
    ctx: &Ctx,
    id: VersionId,
    input: &Path,
    probe: &Probe,
    scratch: &Path,
    dial: &mut Dial<'_>,
) -> Result<(), JobError> {
    let out = scratch.join("proxy_audio.m4a");
    let done = dial
        .follow(2, 58, |tx| {
            frameproof_media::audio_proxy(&ctx.tools, input, &out, probe.duration_us.unwrap_or(0), move |p| {
                let _ = tx.send(p);
            })
        })
        .await;
    done.map_err(|e| JobError::Fatal(format!("Making the audio proxy failed: {e}")))?;
    keep(ctx, id, "m4a", Output::plain("proxy_audio", &out, "audio/mp4", serde_json::json!({}))).await?;
    transition(ctx, id, "playable", None, 60).await?;
    dial.set(70).await;
    waveform(ctx, id, input, scratch).await
}
