//! Review proxies: which sizes to make, the ffmpeg arguments that make one, and running it.
//!
//! A proxy is a progressive H.264/AAC MP4 at a constant rate (the source's own when constant,
//! see [`crate::probe::Probe::review_rate`]), starting at PTS 0, square pixels, never larger
//! than the source, with a keyframe every 2 × nominal-rate frames. For a constant-rate source
//! proxy frame n is source frame n; for a variable-rate one it is the frame that plays at
//! n / rate (`fps=…:round=up`: the last source frame whose time is at or before the slot).

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use frameproof_domain::FrameRate;

use crate::probe::{VideoInfo, file_url};
use crate::process::{Output, ProcessError, Program, Tools};

/// One size of review proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rung {
    /// `"540p"` or `"1080p"`: the box this rung fits in, even when the source is smaller.
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub max_bitrate_kbps: u32,
}

/// The boxes, landscape orientation, with the bitrate cap for a picture that fills one.
const BOXES: [(&str, u32, u32, u32); 2] = [("540p", 960, 540, 2_500), ("1080p", 1920, 1080, 6_000)];
/// No rung is capped below this, however small.
const MIN_BITRATE_KBPS: u32 = 300;

/// HDR → SDR (BT.709) after the source's colour properties are made explicit: the zscale in
/// ffmpeg 5.1 finds "no path between colorspaces" when primaries or matrix are unset, even with
/// its own `pin=`/`min=` options, so `setparams` fills them in first.
const TONEMAP: &str =
    "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv";

/// Why making a proxy failed.
#[derive(Debug, thiserror::Error)]
pub enum TranscodeError {
    #[error("the proxy transcode failed")]
    Run(#[source] ProcessError),
}

/// The proxy sizes for a stream: fit inside 960×540 and 1920×1080 (540×960 and 1080×1920 when
/// the displayed picture is portrait), never upscaled, even dimensions, aspect kept; a rung the
/// same size as the one before it is dropped.
pub fn rungs(info: &VideoInfo) -> Vec<Rung> {
    let (width, height) = (info.display_width.max(2), info.display_height.max(2));
    let portrait = height > width;
    let mut out: Vec<Rung> = Vec::new();
    for (name, box_long, box_short, bitrate) in BOXES {
        let (box_w, box_h) = if portrait { (box_short, box_long) } else { (box_long, box_short) };
        let (w, h) = fit(width, height, box_w, box_h);
        if out.iter().any(|rung| rung.width == w && rung.height == h) {
            continue;
        }
        let area = u64::from(w) * u64::from(h);
        let full = u64::from(box_w) * u64::from(box_h);
        let scaled = (u64::from(bitrate) * area).div_ceil(full);
        let max_bitrate_kbps = u32::try_from(scaled).unwrap_or(bitrate).max(MIN_BITRATE_KBPS);
        out.push(Rung { name, width: w, height: h, max_bitrate_kbps });
    }
    out
}

/// `width × height` scaled to fit `box_w × box_h` without upscaling, both sides even.
fn fit(width: u32, height: u32, box_w: u32, box_h: u32) -> (u32, u32) {
    let (w, h, bw, bh) = (u64::from(width), u64::from(height), u64::from(box_w), u64::from(box_h));
    let (fit_w, fit_h) = if w <= bw && h <= bh {
        (w, h)
    } else if w * bh >= h * bw {
        // Wider than the box: the width hits first.
        (bw, (h * bw + w / 2) / w)
    } else {
        ((w * bh + h / 2) / h, bh)
    };
    (even_within(fit_w, w), even_within(fit_h, h))
}

/// The nearest even number to `x`, but never above `limit` (no 1-pixel upscale of odd sizes).
fn even_within(x: u64, limit: u64) -> u32 {
    let nearest = x.div_ceil(2) * 2;
    let even = if nearest > limit { limit & !1 } else { nearest };
    u32::try_from(even.max(2)).unwrap_or(u32::MAX - 1)
}

/// The ffmpeg arguments (after the `-hide_banner -nostdin` [`Tools`] adds) that make `rung` of
/// `input` at `rate` into `output` (an MP4, overwritten).
pub fn proxy_args(
    input: &Path,
    output: &Path,
    info: &VideoInfo,
    rate: FrameRate,
    rung: &Rung,
    has_audio: bool,
) -> Vec<OsString> {
    let gop = (2 * rate.nominal()).to_string();
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-y", "-loglevel", "warning", "-protocol_whitelist", "file,pipe", "-i"]);
    args.push(file_url(input));
    let video_map = format!("0:{}", info.index);
    let filters = filter_chain(info, rate, rung);
    let maxrate = format!("{}k", rung.max_bitrate_kbps);
    let bufsize = format!("{}k", 2 * rung.max_bitrate_kbps);
    let rate_arg = rate.to_string();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-map", &video_map]);
    if has_audio {
        push(&["-map", "0:a:0?", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]);
        if info.starts_after_us > 0 {
            // Sound before the first picture is cut so both start at 0 and stay in sync.
            push(&["-af", &format!("atrim=start={},asetpts=PTS-STARTPTS", seconds(info.starts_after_us))]);
        }
    } else {
        push(&["-an"]);
    }
    push(&[
        // Proxies go to guests: no GPS or other tags, chapters, subtitles or data tracks.
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-sn",
        "-dn",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-crf",
        "23",
        "-maxrate",
        &maxrate,
        "-bufsize",
        &bufsize,
        "-vf",
        &filters,
        "-fps_mode",
        "cfr",
        "-r",
        &rate_arg,
        "-g",
        &gop,
        "-keyint_min",
        &gop,
        "-sc_threshold",
        "0",
        // No `-avoid_negative_ts make_zero`: in ffmpeg 5.1 it shifts the B-frame delay into the
        // PTS (first frame at 2 frames, not 0). The mp4 default keeps negative DTS behind an
        // edit list and the first frame at PTS 0, which `verify` checks.
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
    ]);
    args.push(file_url(output));
    args
}

/// `micros` as seconds with six decimals.
fn seconds(micros: u64) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Start at 0 → deinterlace → resample time (VFR only) → tonemap (HDR only) → scale to the rung.
/// Autorotation happens before all of it, so the rung is already in display orientation.
fn filter_chain(info: &VideoInfo, rate: FrameRate, rung: &Rung) -> String {
    // The first picture at 0 even when sound starts earlier; otherwise `-fps_mode cfr` repeats
    // frame 0 to fill the gap and proxy frame n is no longer source frame n.
    let mut filters: Vec<String> = vec!["setpts=PTS-STARTPTS".to_owned()];
    if info.interlaced {
        // One frame per frame (bwdif's default doubles the rate with one frame per field).
        filters.push("bwdif=mode=send_frame:parity=auto:deint=all".to_owned());
    }
    if info.vfr {
        // round=up: the slot at n/rate shows the last frame that started at or before it.
        filters.push(format!("fps={rate}:round=up"));
    }
    if info.hdr {
        let primaries = info.color_primaries.as_deref().unwrap_or("bt2020");
        let matrix = info.color_space.as_deref().unwrap_or("bt2020nc");
        let transfer = info.color_transfer.as_deref().unwrap_or("smpte2084");
        filters.push(format!("setparams=color_primaries={primaries}:color_trc={transfer}:colorspace={matrix}"));
        filters.push(TONEMAP.to_owned());
    }
    filters.push(format!("scale={}:{}:flags=lanczos", rung.width, rung.height));
    filters.push("setsar=1".to_owned());
    filters.push("format=yuv420p".to_owned());
    filters.join(",")
}

/// A generous wall-clock bound for a transcode of `expected_frames`: it catches hangs, not
/// slowness (HDR tonemapping of 4K on two cores runs at a few frames a second).
pub fn transcode_timeout(expected_frames: u64) -> Duration {
    Duration::from_secs(300).saturating_add(Duration::from_secs(expected_frames))
}

/// Runs a proxy transcode built by [`proxy_args`], reporting whole percentages (each once, 100
/// only at the end) from ffmpeg's progress against `expected_frames`.
pub async fn transcode(
    tools: &Tools,
    args: &[OsString],
    expected_frames: u64,
    mut on_percent: impl FnMut(u8) + Send,
) -> Result<Output, TranscodeError> {
    let mut last: Option<u8> = None;
    let mut report = |progress: crate::process::Progress| {
        let percent = if progress.done { 100 } else { percent_of(progress.frame, expected_frames) };
        if last.is_none_or(|last| percent > last) {
            last = Some(percent);
            on_percent(percent);
        }
    };
    tools
        .run(Program::Ffmpeg, args, transcode_timeout(expected_frames), Some(&mut report))
        .await
        .map_err(TranscodeError::Run)
}

/// ffmpeg arguments for the review proxy of an audio-only file: the first audio stream as
/// AAC 192k stereo-or-less in a faststart MP4 (`.m4a`), tags stripped.
pub fn audio_proxy_args(input: &Path, output: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-y", "-loglevel", "warning", "-protocol_whitelist", "file,pipe", "-i"]);
    args.push(file_url(input));
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1"]);
    push(&["-c:a", "aac", "-b:a", "192k", "-ac", "2", "-movflags", "+faststart", "-f", "mp4"]);
    args.push(file_url(output));
    args
}

/// Makes the audio proxy of `input` (see [`audio_proxy_args`]), reporting whole percentages of
/// `duration_us` (each once, 100 at the end).
pub async fn audio_proxy(
    tools: &Tools,
    input: &Path,
    output: &Path,
    duration_us: u64,
    mut on_percent: impl FnMut(u8) + Send,
) -> Result<Output, TranscodeError> {
    let mut last: Option<u8> = None;
    let mut report = |progress: crate::process::Progress| {
        let percent = if progress.done { 100 } else { percent_of(progress.out_time_us, duration_us) };
        if last.is_none_or(|last| percent > last) {
            last = Some(percent);
            on_percent(percent);
        }
    };
    // Audio encodes at many times realtime; allow realtime plus five minutes.
    let timeout = Duration::from_secs(300).saturating_add(Duration::from_micros(duration_us));
    tools
        .run(Program::Ffmpeg, &audio_proxy_args(input, output), timeout, Some(&mut report))
        .await
        .map_err(TranscodeError::Run)
}

/// `frame` of `expected` as a percentage short of 100 (100 is for `progress=end`).
fn percent_of(frame: u64, expected: u64) -> u8 {
    if expected == 0 {
        return 0;
    }
    let percent = (u128::from(frame) * 100 / u128::from(expected)).min(99);
    u8::try_from(percent).unwrap_or(99)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(width: u32, height: u32) -> VideoInfo {
        VideoInfo {
            index: 0,
            codec: "h264".into(),
            width,
            height,
            rotation: 0,
            display_width: width,
            display_height: height,
            pix_fmt: Some("yuv420p".into()),
            bit_depth: 8,
            r_frame_rate: FrameRate::parse("25"),
            avg_frame_rate: FrameRate::parse("25"),
            vfr: false,
            frame_count: Some(50),
            start_time_us: 0,
            starts_after_us: 0,
            duration_us: Some(2_000_000),
            time_base: None,
            color_transfer: None,
            color_primaries: None,
            color_space: None,
            hdr: false,
            field_order: None,
            interlaced: false,
            start_timecode: None,
        }
    }

    fn sizes(info: &VideoInfo) -> Vec<(&'static str, u32, u32)> {
        rungs(info).into_iter().map(|r| (r.name, r.width, r.height)).collect()
    }

    #[test]
    fn full_hd_gets_both_rungs() {
        assert_eq!(sizes(&video(1920, 1080)), vec![("540p", 960, 540), ("1080p", 1920, 1080)]);
    }

    #[test]
    fn uhd_is_scaled_down_to_both_boxes() {
        assert_eq!(sizes(&video(3840, 2160)), vec![("540p", 960, 540), ("1080p", 1920, 1080)]);
    }

    #[test]
    fn portrait_phone_is_never_upscaled() {
        assert_eq!(sizes(&video(720, 1280)), vec![("540p", 540, 960), ("1080p", 720, 1280)]);
    }

    #[test]
    fn tiny_source_gets_one_rung_at_its_own_size() {
        assert_eq!(sizes(&video(160, 90)), vec![("540p", 160, 90)]);
    }

    #[test]
    fn odd_sizes_round_to_even_without_growing() {
        assert_eq!(sizes(&video(161, 91)), vec![("540p", 160, 90)]);
        // 2.39:1 scope: 1920×803 → 960×402 (401.5 rounds to even) and 1920×802.
        assert_eq!(sizes(&video(1920, 803)), vec![("540p", 960, 402), ("1080p", 1920, 802)]);
    }

    #[test]
    fn square_and_tall_boxes_keep_aspect() {
        assert_eq!(sizes(&video(2000, 2000)), vec![("540p", 540, 540), ("1080p", 1080, 1080)]);
        assert_eq!(sizes(&video(1080, 2400)), vec![("540p", 432, 960), ("1080p", 864, 1920)]);
    }

    #[test]
    fn bitrate_caps_shrink_with_the_picture_but_not_below_the_floor() {
        let big = rungs(&video(1920, 1080));
        assert_eq!(big[0].max_bitrate_kbps, 2_500);
        assert_eq!(big[1].max_bitrate_kbps, 6_000);
        assert_eq!(rungs(&video(160, 90))[0].max_bitrate_kbps, MIN_BITRATE_KBPS);
    }

    #[test]
    fn filter_chain_adds_steps_only_when_needed() {
        let rung = Rung { name: "540p", width: 960, height: 540, max_bitrate_kbps: 2_500 };
        let rate = FrameRate { num: 25, den: 1 };
        let plain = video(1920, 1080);
        assert_eq!(
            filter_chain(&plain, rate, &rung),
            "setpts=PTS-STARTPTS,scale=960:540:flags=lanczos,setsar=1,format=yuv420p"
        );

        let mut tricky = video(1920, 1080);
        tricky.interlaced = true;
        tricky.vfr = true;
        tricky.hdr = true;
        tricky.color_transfer = Some("arib-std-b67".into());
        let chain = filter_chain(&tricky, rate, &rung);
        assert!(
            chain.starts_with("setpts=PTS-STARTPTS,bwdif=mode=send_frame:parity=auto:deint=all,fps=25/1:round=up,")
        );
        assert!(chain.contains("color_trc=arib-std-b67:colorspace=bt2020nc,zscale=t=linear"));
        assert!(chain.ends_with("scale=960:540:flags=lanczos,setsar=1,format=yuv420p"));
    }

    #[test]
    fn args_carry_rate_gop_and_safety_flags() {
        let info = video(1920, 1080);
        let rate = FrameRate { num: 30000, den: 1001 };
        let rung = &rungs(&info)[0];
        let args: Vec<String> = proxy_args(Path::new("/in/src.mov"), Path::new("/out/p.mp4"), &info, rate, rung, true)
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(joined.contains("-protocol_whitelist file,pipe -i file:/in/src.mov"), "{joined}");
        assert!(joined.contains("-map 0:0 -map 0:a:0? -c:a aac -b:a 128k -ac 2"), "{joined}");
        assert!(joined.contains("-fps_mode cfr -r 30000/1001 -g 60 -keyint_min 60 -sc_threshold 0"), "{joined}");
        assert!(joined.contains("-maxrate 2500k -bufsize 5000k"), "{joined}");
        assert!(joined.contains("-movflags +faststart -f mp4 file:/out/p.mp4"), "{joined}");
        assert!(!joined.contains("avoid_negative_ts"));
        assert!(!joined.contains("noautorotate"));

        assert!(!joined.contains("atrim"));
        let mut late = info.clone();
        late.starts_after_us = 221_333;
        let late_args = proxy_args(Path::new("/a"), Path::new("/b"), &late, rate, rung, true);
        assert!(late_args.iter().any(|a| a == "atrim=start=0.221333,asetpts=PTS-STARTPTS"));

        let silent = proxy_args(Path::new("/a"), Path::new("/b"), &info, rate, rung, false);
        assert!(silent.iter().any(|a| a == "-an"));
    }

    #[test]
    fn percent_stays_below_100_until_the_end() {
        assert_eq!(percent_of(0, 48), 0);
        assert_eq!(percent_of(24, 48), 50);
        assert_eq!(percent_of(60, 48), 99);
        assert_eq!(percent_of(5, 0), 0);
    }
}
