//! Checks a finished proxy with ffprobe before anyone may review it: H.264 yuv420p, first frame
//! at PTS 0, constant rate equal to the review rate, the expected size and the expected number of
//! frames. Anything else is an error naming what differed; nothing half-right is marked ready.

use std::path::Path;

use frameproof_domain::FrameRate;

use crate::probe::{Probe, ProbeError, probe};
use crate::process::Tools;
use crate::proxy::Rung;

/// What the proxy must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expectation {
    pub frames: u64,
    /// Frames either side of `frames` still accepted: 0 for constant-rate sources (exact); for
    /// variable-rate ones the count comes from container durations, which ffmpeg rounds.
    pub frame_slack: u64,
    pub rate: FrameRate,
    pub width: u32,
    pub height: u32,
}

impl Expectation {
    /// The expectation for `rung` of the source `probe` described; `None` without a video
    /// stream or rate.
    pub fn for_proxy(probe: &Probe, rung: &Rung) -> Option<Expectation> {
        let video = probe.video.as_ref()?;
        let rate = probe.review_rate()?;
        let frames = probe.expected_frames()?;
        let frame_slack = if video.vfr { u64::from(rate.nominal()).div_ceil(4) + 1 } else { 0 };
        Some(Expectation { frames, frame_slack, rate, width: rung.width, height: rung.height })
    }
}

/// What the proxy measured as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedProxy {
    pub size_bytes: u64,
    pub duration_us: u64,
    pub frames: u64,
    pub rate: FrameRate,
    pub width: u32,
    pub height: u32,
}

/// Why a proxy was rejected. Each variant names the property that differed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("probing the proxy failed")]
    Probe(#[source] ProbeError),
    #[error("the proxy has no video stream")]
    NoVideo,
    #[error("the proxy's video codec is {found}, not h264")]
    Codec { found: String },
    #[error("the proxy's pixel format is {found}, not yuv420p")]
    PixelFormat { found: String },
    #[error("the proxy's first frame is at {start_us} µs, not 0")]
    StartTime { start_us: i64 },
    #[error("the proxy plays at r_frame_rate {r} / avg_frame_rate {avg}, not a constant {expected}")]
    Rate { r: String, avg: String, expected: FrameRate },
    #[error("the proxy has {found} frames, expected {expected}")]
    FrameCount { found: String, expected: u64 },
    #[error("the proxy is {found_width}×{found_height}, expected {expected_width}×{expected_height}")]
    Dimensions { found_width: u32, found_height: u32, expected_width: u32, expected_height: u32 },
    #[error("the proxy still carries a {rotation}° rotation; players would turn it again")]
    Rotated { rotation: i32 },
}

/// Probes the proxy at `path` and checks it against `expect`.
pub async fn verify_proxy(tools: &Tools, path: &Path, expect: &Expectation) -> Result<VerifiedProxy, VerifyError> {
    let probe = probe(tools, path).await.map_err(VerifyError::Probe)?;
    check(&probe, expect)
}

/// The pure half of [`verify_proxy`].
pub fn check(probe: &Probe, expect: &Expectation) -> Result<VerifiedProxy, VerifyError> {
    let video = probe.video.as_ref().ok_or(VerifyError::NoVideo)?;
    if video.codec != "h264" {
        return Err(VerifyError::Codec { found: video.codec.clone() });
    }
    if video.pix_fmt.as_deref() != Some("yuv420p") {
        return Err(VerifyError::PixelFormat { found: video.pix_fmt.clone().unwrap_or_else(|| "unknown".into()) });
    }
    // Within half a frame of zero.
    let half_frame_us = expect.rate.frame_to_micros(1) / 2;
    if video.start_time_us.unsigned_abs() >= half_frame_us {
        return Err(VerifyError::StartTime { start_us: video.start_time_us });
    }
    if video.r_frame_rate != Some(expect.rate) || video.avg_frame_rate != Some(expect.rate) {
        let show = |rate: Option<FrameRate>| rate.map_or_else(|| "none".to_owned(), |r| r.to_string());
        return Err(VerifyError::Rate {
            r: show(video.r_frame_rate),
            avg: show(video.avg_frame_rate),
            expected: expect.rate,
        });
    }
    let frames = match video.frame_count {
        Some(found) if found.abs_diff(expect.frames) <= expect.frame_slack => found,
        found => {
            let found = found.map_or_else(|| "an unknown number of".to_owned(), |n| n.to_string());
            return Err(VerifyError::FrameCount { found, expected: expect.frames });
        }
    };
    if (video.width, video.height) != (expect.width, expect.height) {
        return Err(VerifyError::Dimensions {
            found_width: video.width,
            found_height: video.height,
            expected_width: expect.width,
            expected_height: expect.height,
        });
    }
    if video.rotation != 0 {
        return Err(VerifyError::Rotated { rotation: video.rotation });
    }
    Ok(VerifiedProxy {
        size_bytes: probe.size_bytes.unwrap_or(0),
        duration_us: probe.duration_us.or(video.duration_us).unwrap_or(0),
        frames,
        rate: expect.rate,
        width: video.width,
        height: video.height,
    })
}
