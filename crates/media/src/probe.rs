//! What a file is, according to ffprobe: a typed result, and the refusal of inputs that are not
//! a single self-contained media file.
//!
//! [`probe`] runs `ffprobe -show_format -show_streams -count_packets` and [`parse`] turns its JSON
//! into a [`Probe`]. `-count_packets` reads every packet without decoding, which gives an exact
//! frame count cheaply (`nb_read_packets`); the container's `nb_frames` is only a fallback.
//! In MP4 and QuickTime files an edit list may hide packets (the pre-roll a stream-copy cut keeps
//! before its cut point): there a second pass lists each video packet's flags, and the count is
//! the packets without the discard flag, which is what a decoder presents ([`count_shown`]).
//!
//! Playlists and sequences are refused twice: by sniffing the first bytes before ffprobe opens
//! anything (an uploaded `.m3u8` would otherwise make ffprobe open the files it lists), and by the
//! demuxer ffprobe picked. Inputs are passed as `file:` URLs with `-protocol_whitelist file,pipe`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use frameproof_domain::FrameRate;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::process::{Lane, ProcessError, Program, StdoutSink, Tools};

/// Largest accepted width or height.
pub const MAX_DIMENSION: u32 = 16_384;
/// Largest accepted picture area.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Demuxers that read other files or the network by design; never accepted.
const PLAYLIST_FORMATS: [&str; 11] =
    ["hls", "applehttp", "concat", "dash", "imf", "sdp", "rtp", "rtsp", "ffmetadata", "webm_dash_manifest", "tee"];
/// Demuxers for single still images.
const IMAGE_FORMATS: [&str; 6] = ["image2", "png_pipe", "jpeg_pipe", "webp_pipe", "tiff_pipe", "bmp_pipe"];
/// Codecs that, with a single frame, are a still image.
const IMAGE_CODECS: [&str; 8] = ["mjpeg", "png", "webp", "tiff", "bmp", "gif", "jpeg2000", "jpegls"];
/// Relative difference between `r_frame_rate` and `avg_frame_rate` still taken as constant rate.
/// 29.97 vs 30 differ by 0.1 %, so this must stay well below that.
const CFR_TOLERANCE: f64 = 0.0005;

/// What a probe found the file to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Video,
    Audio,
    Image,
}

/// A rational time base (`1/30000`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimeBase {
    pub num: u32,
    pub den: u32,
}

/// The file as a whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Probe {
    /// ffprobe's demuxer name list, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub format_name: String,
    pub duration_us: Option<u64>,
    pub size_bytes: Option<u64>,
    pub kind: MediaKind,
    /// The first video stream that is not cover art.
    pub video: Option<VideoInfo>,
    pub audio: Vec<AudioInfo>,
}

/// The video stream reviews are made from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VideoInfo {
    /// Absolute stream index (use as `-map 0:INDEX`).
    pub index: u32,
    pub codec: String,
    /// Coded picture size, before rotation and sample aspect.
    pub width: u32,
    pub height: u32,
    /// The display matrix rotation, counter-clockwise degrees as ffprobe reports it, normalised to
    /// 0, 90, 180 or 270 (a legacy clockwise `rotate` tag is converted). ffmpeg applies it when
    /// decoding unless told not to.
    pub rotation: i32,
    /// The size a viewer sees: square pixels (sample aspect applied), then rotated.
    pub display_width: u32,
    pub display_height: u32,
    pub pix_fmt: Option<String>,
    pub bit_depth: u8,
    pub r_frame_rate: Option<FrameRate>,
    pub avg_frame_rate: Option<FrameRate>,
    /// Variable frame rate: the two rates above differ by more than rounding.
    pub vfr: bool,
    /// Exact frame count: the frames a decoder presents. [`probe`] counts the packets an edit
    /// list does not hide in MP4 and QuickTime files, and every packet read elsewhere; [`parse`]
    /// alone knows only the packets read, else the container's `nb_frames`.
    pub frame_count: Option<u64>,
    pub start_time_us: i64,
    /// How long after the file's earliest stream the first picture comes (sound before
    /// picture, common in MPEG-TS). The proxy drops that lead so frame 0 is at 0; see `proxy`.
    pub starts_after_us: u64,
    pub duration_us: Option<u64>,
    pub time_base: Option<TimeBase>,
    pub color_transfer: Option<String>,
    pub color_primaries: Option<String>,
    pub color_space: Option<String>,
    /// PQ (`smpte2084`) or HLG (`arib-std-b67`) transfer.
    pub hdr: bool,
    pub field_order: Option<String>,
    /// Field order `tt`, `bb`, `tb` or `bt`.
    pub interlaced: bool,
    /// The source's start timecode (`01:00:00;00`): the stream's tag, else the file's, else a
    /// `tmcd` data track's.
    pub start_timecode: Option<String>,
}

/// An audio stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AudioInfo {
    pub index: u32,
    pub codec: String,
    pub channels: u32,
    pub sample_rate: u32,
}

impl Probe {
    /// The rate the review proxy plays at: the source's own rate when constant, else the average
    /// rate snapped to the nearest standard rate. `None` without a video stream.
    pub fn review_rate(&self) -> Option<FrameRate> {
        self.video.as_ref().and_then(VideoInfo::review_rate)
    }

    /// How many frames the proxy will have: the exact count for constant-rate sources, the
    /// duration at the review rate otherwise (a frame or two either side, see `verify`).
    pub fn expected_frames(&self) -> Option<u64> {
        let video = self.video.as_ref()?;
        let rate = video.review_rate()?;
        if !video.vfr
            && let Some(frames) = video.frame_count
        {
            return Some(frames);
        }
        video.duration_us.or(self.duration_us).map(|us| rate.frames_in_micros(us))
    }
}

impl VideoInfo {
    /// See [`Probe::review_rate`].
    pub fn review_rate(&self) -> Option<FrameRate> {
        match (self.vfr, self.r_frame_rate, self.avg_frame_rate) {
            (false, Some(rate), _) => Some(rate),
            (_, _, Some(avg)) => Some(avg.snap_to_standard()),
            (true, Some(rate), None) => Some(rate.snap_to_standard()),
            (_, None, None) => None,
        }
    }
}

/// Why a probe failed. Each variant names the step.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("could not read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("refused: {reason}")]
    Refused { reason: String },
    #[error("not a readable media file: {detail}")]
    Unreadable { detail: String },
    #[error("running ffprobe failed")]
    Run(#[source] ProcessError),
    #[error("ffprobe's JSON did not parse")]
    Parse(#[source] serde_json::Error),
}

impl ProbeError {
    /// A stable kebab-case code for the API: the first two are the uploader's problem.
    pub fn code(&self) -> &'static str {
        match self {
            ProbeError::Refused { .. } => "media-refused",
            ProbeError::Unreadable { .. } => "media-unreadable",
            ProbeError::Read { .. } | ProbeError::Run(_) | ProbeError::Parse(_) => "media-probe-failed",
        }
    }

    fn refused(reason: impl Into<String>) -> ProbeError {
        ProbeError::Refused { reason: reason.into() }
    }
}

/// How long a probe may take: reading every packet is I/O bound, so it grows with the size.
pub fn probe_timeout(size_bytes: u64) -> Duration {
    Duration::from_secs(30 + size_bytes / 100_000_000)
}

/// The ffprobe arguments for `path` (after the `-hide_banner` that [`Tools`] adds).
pub fn probe_args(path: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        "-count_packets",
        "-protocol_whitelist",
        "file,pipe",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    args.push(file_url(path));
    args
}

/// `path` as a `file:` URL, so a name like `concat:a|b` or `http:x` is never taken as a protocol.
pub fn file_url(path: &Path) -> OsString {
    let mut url = OsString::from("file:");
    url.push(path.as_os_str());
    url
}

/// Probes `path`, refusing anything that is not one self-contained media file.
pub async fn probe(tools: &Tools, path: &Path) -> Result<Probe, ProbeError> {
    let read_error = |source| ProbeError::Read { path: path.to_owned(), source };
    let metadata = tokio::fs::metadata(path).await.map_err(read_error)?;
    if !metadata.is_file() {
        return Err(ProbeError::refused("not a regular file"));
    }
    if metadata.len() == 0 {
        return Err(ProbeError::refused("the file is empty"));
    }
    if path.as_os_str().as_encoded_bytes().contains(&b'%') {
        // The image2 demuxer would read `%d` as a numbered sequence of other files.
        return Err(ProbeError::refused("the path contains '%'"));
    }
    let mut head = Vec::with_capacity(4096);
    tokio::fs::File::open(path)
        .await
        .map_err(read_error)?
        .take(4096)
        .read_to_end(&mut head)
        .await
        .map_err(read_error)?;
    if let Some(reason) = sniff_refusal(&head) {
        return Err(ProbeError::refused(reason));
    }

    let output =
        tools.run(Program::Ffprobe, &probe_args(path), probe_timeout(metadata.len()), None).await.map_err(|error| {
            match error {
                ProcessError::Failed { stderr_tail, .. } => ProbeError::Unreadable { detail: last_line(&stderr_tail) },
                other => ProbeError::Run(other),
            }
        })?;
    let mut probe = parse(&output.stdout)?;
    if has_edit_lists(&probe.format_name)
        && let Some(video) = probe.video.as_mut()
        && !video.vfr
        && probe.kind == MediaKind::Video
    {
        let shown = count_shown(tools, path, video.index, probe_timeout(metadata.len())).await?;
        if shown == 0 {
            return Err(ProbeError::refused("the video stream has no frames"));
        }
        video.frame_count = Some(shown);
    }
    Ok(probe)
}

/// Whether the demuxer applies edit lists (MP4, QuickTime and their kin).
fn has_edit_lists(format_name: &str) -> bool {
    format_name.split(',').any(|name| name == "mov" || name == "mp4")
}

/// The ffprobe arguments that print the flags of every packet of stream `index`, one line each.
pub fn shown_packets_args(path: &Path, index: u32) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["-v", "error", "-select_streams"].into_iter().map(OsString::from).collect();
    args.push(OsString::from(index.to_string()));
    args.extend(
        ["-show_entries", "packet=flags", "-of", "csv=p=0", "-protocol_whitelist", "file,pipe"]
            .into_iter()
            .map(OsString::from),
    );
    args.push(file_url(path));
    args
}

/// How many packets of stream `index` a decoder presents: those an edit list does not mark
/// `D` (discard). A stream-copy cut keeps the packets from the keyframe before its cut point,
/// and ffprobe's packet count (and the header's `nb_frames`) include them; rounding the duration
/// is no better (5.209 s at 23.976 rounds to 125 where 122 frames are shown). Reads packets
/// without decoding, streamed: memory stays bounded however long the file.
pub async fn count_shown(tools: &Tools, path: &Path, index: u32, timeout: Duration) -> Result<u64, ProbeError> {
    let mut counter = ShownCounter::default();
    let mut on_chunk = |chunk: &[u8]| counter.push(chunk);
    tools
        .run_with(
            Lane::Quick,
            Program::Ffprobe,
            &shown_packets_args(path, index),
            timeout,
            StdoutSink::Chunks(&mut on_chunk),
        )
        .await
        .map_err(|error| match error {
            ProcessError::Failed { stderr_tail, .. } => ProbeError::Unreadable { detail: last_line(&stderr_tail) },
            other => ProbeError::Run(other),
        })?;
    Ok(counter.finish())
}

/// Counts the lines of `flags` output that carry no `D`, across chunk boundaries.
#[derive(Default)]
pub struct ShownCounter {
    shown: u64,
    in_line: bool,
    discarded: bool,
}

impl ShownCounter {
    /// Feeds the next bytes of ffprobe's output.
    pub fn push(&mut self, chunk: &[u8]) {
        for &byte in chunk {
            match byte {
                b'\n' => self.end_line(),
                b'\r' | b' ' => {}
                b'D' => {
                    self.in_line = true;
                    self.discarded = true;
                }
                _ => self.in_line = true,
            }
        }
    }

    /// The count, with a last line that had no newline.
    pub fn finish(mut self) -> u64 {
        self.end_line();
        self.shown
    }

    fn end_line(&mut self) {
        if self.in_line && !self.discarded {
            self.shown += 1;
        }
        self.in_line = false;
        self.discarded = false;
    }
}

/// The last non-empty line of ffmpeg's stderr, without the file name it usually repeats.
pub(crate) fn last_line(stderr: &str) -> String {
    let line = stderr.lines().rev().map(str::trim).find(|line| !line.is_empty()).unwrap_or("no detail");
    // "file:/x/y.mp4: Invalid data found when processing input" → the part after the path.
    match line.rsplit_once(": ") {
        Some((_, reason)) if !reason.is_empty() => reason.to_owned(),
        _ => line.to_owned(),
    }
}

/// Refuses text formats that make a demuxer open other files: HLS and ffconcat playlists, DASH
/// manifests and IMF compositions.
fn sniff_refusal(head: &[u8]) -> Option<&'static str> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let text = &text[start..];
    if text.starts_with(b"#EXTM3U") {
        return Some("HLS playlists are not accepted; upload the media file itself");
    }
    if text.starts_with(b"ffconcat") {
        return Some("concat lists are not accepted; upload the media file itself");
    }
    let window = String::from_utf8_lossy(text);
    if window.starts_with("<?xml") && (window.contains("<MPD") || window.contains("CompositionPlaylist")) {
        return Some("manifests are not accepted; upload the media file itself");
    }
    None
}

#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize)]
struct RawFormat {
    format_name: Option<String>,
    start_time: Option<String>,
    duration: Option<String>,
    size: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawStream {
    index: u32,
    codec_name: Option<String>,
    codec_type: Option<String>,
    codec_tag_string: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    sample_aspect_ratio: Option<String>,
    pix_fmt: Option<String>,
    bits_per_raw_sample: Option<String>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    time_base: Option<String>,
    start_time: Option<String>,
    duration: Option<String>,
    nb_frames: Option<String>,
    nb_read_packets: Option<String>,
    color_transfer: Option<String>,
    color_primaries: Option<String>,
    color_space: Option<String>,
    field_order: Option<String>,
    channels: Option<u32>,
    sample_rate: Option<String>,
    #[serde(default)]
    disposition: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<BTreeMap<String, serde_json::Value>>,
}

/// Parses `ffprobe -print_format json -show_format -show_streams [-count_packets]` output and
/// applies the refusal rules.
pub fn parse(json: &[u8]) -> Result<Probe, ProbeError> {
    let raw: RawProbe = serde_json::from_slice(json).map_err(ProbeError::Parse)?;
    let format = raw.format.ok_or_else(|| ProbeError::refused("ffprobe found no container format"))?;
    let format_name = format.format_name.clone().unwrap_or_default();
    if let Some(name) = format_name.split(',').find(|name| PLAYLIST_FORMATS.contains(name)) {
        return Err(ProbeError::refused(format!("{name} inputs (playlists and lists of files) are not accepted")));
    }
    let size_bytes = format.size.as_deref().and_then(|s| s.trim().parse::<u64>().ok());
    if size_bytes == Some(0) {
        return Err(ProbeError::refused("the file is empty"));
    }
    let duration_us = format.duration.as_deref().and_then(parse_seconds_us).and_then(|us| u64::try_from(us).ok());

    let file_timecode = format.tags.get("timecode").and_then(|tc| clean_timecode(tc));
    let data_timecode = raw
        .streams
        .iter()
        .filter(|s| s.codec_type.as_deref() == Some("data") || s.codec_tag_string.as_deref() == Some("tmcd"))
        .find_map(|s| s.tags.get("timecode").and_then(|tc| clean_timecode(tc)));

    let video = raw
        .streams
        .iter()
        .filter(|s| s.codec_type.as_deref() == Some("video") && !is_cover_art(s))
        .find(|s| s.codec_name.is_some() && s.width.unwrap_or(0) > 0 && s.height.unwrap_or(0) > 0)
        .map(|s| video_info(s, file_timecode.clone().or(data_timecode.clone())))
        .transpose()?
        .map(|mut video| {
            // ffmpeg counts input time from the file's start (its earliest stream).
            let file_start = format.start_time.as_deref().and_then(parse_seconds_us).unwrap_or(video.start_time_us);
            video.starts_after_us = u64::try_from(video.start_time_us.saturating_sub(file_start)).unwrap_or(0);
            video
        });
    let audio: Vec<AudioInfo> = raw.streams.iter().filter_map(audio_info).collect();

    let image_format = format_name.split(',').any(|name| IMAGE_FORMATS.contains(&name));
    let kind = match &video {
        Some(v) if image_format && v.frame_count.unwrap_or(1) > 1 => {
            return Err(ProbeError::refused("image sequences are not accepted; upload one image or a video"));
        }
        Some(v) if image_format || (IMAGE_CODECS.contains(&v.codec.as_str()) && v.frame_count.unwrap_or(1) <= 1) => {
            MediaKind::Image
        }
        Some(_) => MediaKind::Video,
        None if !audio.is_empty() => MediaKind::Audio,
        None => return Err(ProbeError::refused("no decodable video or audio stream")),
    };

    if let Some(v) = &video {
        if v.frame_count == Some(0) {
            return Err(ProbeError::refused("the video stream has no frames"));
        }
        if kind == MediaKind::Video && v.review_rate().is_none() {
            return Err(ProbeError::refused("the video stream has no usable frame rate"));
        }
    }
    if kind == MediaKind::Audio && duration_us == Some(0) {
        return Err(ProbeError::refused("the audio is zero seconds long"));
    }
    Ok(Probe { format_name, duration_us, size_bytes, kind, video, audio })
}

fn is_cover_art(stream: &RawStream) -> bool {
    stream.disposition.get("attached_pic").and_then(serde_json::Value::as_i64) == Some(1)
}

fn video_info(s: &RawStream, fallback_timecode: Option<String>) -> Result<VideoInfo, ProbeError> {
    let (width, height) = (s.width.unwrap_or(0), s.height.unwrap_or(0));
    if width > MAX_DIMENSION || height > MAX_DIMENSION || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ProbeError::refused(format!(
            "{width}×{height} is larger than {MAX_DIMENSION}×{MAX_DIMENSION} or {} megapixels",
            MAX_PIXELS / 1_000_000
        )));
    }
    let rotation = rotation(s);
    let (square_width, square_height) = square_pixels(width, height, s.sample_aspect_ratio.as_deref());
    let (display_width, display_height) =
        if rotation % 180 == 90 { (square_height, square_width) } else { (square_width, square_height) };

    let r_frame_rate = s.r_frame_rate.as_deref().and_then(FrameRate::parse);
    let avg_frame_rate = s.avg_frame_rate.as_deref().and_then(FrameRate::parse);
    let vfr = match (r_frame_rate, avg_frame_rate) {
        (Some(r), Some(avg)) => ((r.fps() - avg.fps()) / r.fps()).abs() > CFR_TOLERANCE,
        (None, Some(_)) => true,
        _ => false,
    };
    let duration_us = s.duration.as_deref().and_then(parse_seconds_us).and_then(|us| u64::try_from(us).ok());
    let packets = s.nb_read_packets.as_deref().and_then(|n| n.trim().parse::<u64>().ok());
    let header_frames = s.nb_frames.as_deref().and_then(|n| n.trim().parse::<u64>().ok());
    if let (Some(read), Some(listed)) = (packets, header_frames)
        && listed > read + 1
    {
        // An upload cut short (a faststart MP4 keeps its index at the front and still opens).
        return Err(ProbeError::refused(format!(
            "the file is incomplete: its index lists {listed} frames but only {read} can be read"
        )));
    }
    // In MP4 and QuickTime files this may still count edit-list pre-roll; `probe` replaces it
    // with the packets a decoder presents.
    let frame_count = packets.or(header_frames);
    let color_transfer = known(&s.color_transfer);
    let hdr = matches!(color_transfer.as_deref(), Some("smpte2084" | "arib-std-b67"));
    let field_order = known(&s.field_order);
    let interlaced = matches!(field_order.as_deref(), Some("tt" | "bb" | "tb" | "bt"));
    let pix_fmt = known(&s.pix_fmt);
    let bit_depth = s
        .bits_per_raw_sample
        .as_deref()
        .and_then(|b| b.trim().parse::<u8>().ok())
        .filter(|b| *b > 0)
        .or_else(|| pix_fmt.as_deref().and_then(depth_from_pix_fmt))
        .unwrap_or(8);

    Ok(VideoInfo {
        index: s.index,
        codec: s.codec_name.clone().unwrap_or_default(),
        width,
        height,
        rotation,
        display_width,
        display_height,
        pix_fmt,
        bit_depth,
        r_frame_rate,
        avg_frame_rate,
        vfr,
        frame_count,
        start_time_us: s.start_time.as_deref().and_then(parse_seconds_us).unwrap_or(0),
        starts_after_us: 0,
        duration_us,
        time_base: s.time_base.as_deref().and_then(parse_time_base),
        color_transfer,
        color_primaries: known(&s.color_primaries),
        color_space: known(&s.color_space),
        hdr,
        field_order,
        interlaced,
        start_timecode: s.tags.get("timecode").and_then(|tc| clean_timecode(tc)).or(fallback_timecode),
    })
}

fn audio_info(s: &RawStream) -> Option<AudioInfo> {
    if s.codec_type.as_deref() != Some("audio") {
        return None;
    }
    let sample_rate = s.sample_rate.as_deref()?.trim().parse::<u32>().ok().filter(|r| *r > 0)?;
    let packets = s.nb_read_packets.as_deref().and_then(|n| n.trim().parse::<u64>().ok());
    if packets == Some(0) {
        return None;
    }
    Some(AudioInfo { index: s.index, codec: s.codec_name.clone()?, channels: s.channels.unwrap_or(0), sample_rate })
}

/// ffprobe's names for "not set" read as `None`; anything else must be a plain token, because it
/// may end up in a filter graph.
fn known(value: &Option<String>) -> Option<String> {
    let value = value.as_deref()?.trim();
    let plain = value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (plain && !value.is_empty() && !matches!(value, "unknown" | "unspecified" | "reserved")).then(|| value.to_owned())
}

/// Rotation from the display matrix side data (counter-clockwise, as ffprobe prints it), else
/// from the legacy clockwise `rotate` tag; normalised to 0/90/180/270.
fn rotation(s: &RawStream) -> i32 {
    let from_matrix = s.side_data_list.iter().find_map(|side| side.get("rotation").and_then(serde_json::Value::as_f64));
    let degrees = match from_matrix {
        Some(ccw) => ccw,
        None => match s.tags.get("rotate").and_then(|r| r.trim().parse::<f64>().ok()) {
            Some(cw) => -cw,
            None => 0.0,
        },
    };
    let quarter_turns = (degrees / 90.0).round() as i64;
    (quarter_turns.rem_euclid(4) * 90) as i32
}

/// The picture size in square pixels: anamorphic widths stretched by the sample aspect ratio,
/// rounded to even.
fn square_pixels(width: u32, height: u32, sar: Option<&str>) -> (u32, u32) {
    let Some((num, den)) = sar.and_then(|s| s.split_once(':')) else { return (width, height) };
    let (Ok(num), Ok(den)) = (num.trim().parse::<u64>(), den.trim().parse::<u64>()) else { return (width, height) };
    if num == 0 || den == 0 || num == den {
        return (width, height);
    }
    let stretched = (u64::from(width) * num + den / 2) / den;
    let even = (stretched + 1) & !1;
    (u32::try_from(even).unwrap_or(width).clamp(2, MAX_DIMENSION), height)
}

/// `yuv420p10le` → 10, `p010le` → 10, `gbrp16be` → 16.
fn depth_from_pix_fmt(pix_fmt: &str) -> Option<u8> {
    let name = pix_fmt.trim_end_matches("le").trim_end_matches("be");
    let digits_start = name.rfind(|c: char| !c.is_ascii_digit())? + 1;
    if !name[..digits_start].ends_with('p') {
        return None;
    }
    name[digits_start..].parse::<u8>().ok().filter(|d| (8..=16).contains(d))
}

fn parse_time_base(s: &str) -> Option<TimeBase> {
    let (num, den) = s.trim().split_once('/')?;
    let (num, den) = (num.parse::<u32>().ok()?, den.parse::<u32>().ok()?);
    (num > 0 && den > 0).then_some(TimeBase { num, den })
}

/// `"1.480000"` → 1_480_000, `"-0.066733"` → -66_733; exact decimal arithmetic, no floats.
pub(crate) fn parse_seconds_us(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut micros: i64 = 0;
    for digit in fraction.bytes().chain(std::iter::repeat(b'0')).take(6) {
        micros = micros * 10 + i64::from(digit - b'0');
    }
    let total = whole.checked_mul(1_000_000)?.checked_add(micros)?;
    Some(if negative { -total } else { total })
}

/// Keeps a timecode tag only if it looks like one (`HH:MM:SS:FF`, `;` or `.` before frames).
fn clean_timecode(tc: &str) -> Option<String> {
    let tc = tc.trim();
    let bytes = tc.as_bytes();
    let shaped = bytes.len() == 11
        && [0, 1, 3, 4, 6, 7, 9, 10].iter().all(|&i| bytes[i].is_ascii_digit())
        && bytes[2] == b':'
        && bytes[5] == b':'
        && matches!(bytes[8], b':' | b';' | b'.' | b',');
    shaped.then(|| tc.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_exactly() {
        assert_eq!(parse_seconds_us("1.480000"), Some(1_480_000));
        assert_eq!(parse_seconds_us("18.487"), Some(18_487_000));
        assert_eq!(parse_seconds_us("-0.066733"), Some(-66_733));
        assert_eq!(parse_seconds_us("0.1234567"), Some(123_456));
        assert_eq!(parse_seconds_us("3"), Some(3_000_000));
        assert_eq!(parse_seconds_us("N/A"), None);
        assert_eq!(parse_seconds_us(""), None);
    }

    #[test]
    fn bit_depth_from_pixel_format_names() {
        assert_eq!(depth_from_pix_fmt("yuv420p10le"), Some(10));
        assert_eq!(depth_from_pix_fmt("yuv422p12be"), Some(12));
        assert_eq!(depth_from_pix_fmt("p010le"), Some(10));
        assert_eq!(depth_from_pix_fmt("yuv420p"), None);
        assert_eq!(depth_from_pix_fmt("rgb48le"), None);
    }

    #[test]
    fn anamorphic_pixels_are_squared() {
        assert_eq!(square_pixels(720, 576, Some("64:45")), (1024, 576));
        assert_eq!(square_pixels(1920, 1080, Some("1:1")), (1920, 1080));
        assert_eq!(square_pixels(1920, 1080, Some("0:1")), (1920, 1080));
    }

    #[test]
    fn timecode_tags_must_look_like_timecode() {
        assert_eq!(clean_timecode("01:00:00;00").as_deref(), Some("01:00:00;00"));
        assert_eq!(clean_timecode("10:00:00:00").as_deref(), Some("10:00:00:00"));
        assert_eq!(clean_timecode("<script>"), None);
        assert_eq!(clean_timecode("1:0:0:0"), None);
    }

    #[test]
    fn playlists_are_sniffed_before_ffprobe_opens_them() {
        assert!(sniff_refusal(b"#EXTM3U\n#EXT-X-VERSION:3\nseg.ts\n").is_some());
        assert!(sniff_refusal(b"\xEF\xBB\xBF  #EXTM3U\n").is_some());
        assert!(sniff_refusal(b"ffconcat version 1.0\nfile a.mp4\n").is_some());
        assert!(sniff_refusal(b"<?xml version=\"1.0\"?><MPD xmlns=\"urn:mpeg:dash\">").is_some());
        assert!(sniff_refusal(b"\x00\x00\x00\x20ftypisom").is_none());
    }

    #[test]
    fn last_stderr_line_drops_the_file_name() {
        let stderr = "file:/tmp/x.mp4: Invalid data found when processing input\n";
        assert_eq!(last_line(stderr), "Invalid data found when processing input");
        assert_eq!(last_line(""), "no detail");
    }

    #[test]
    fn control_values_in_color_names_are_dropped() {
        assert_eq!(known(&Some("bt2020nc".into())).as_deref(), Some("bt2020nc"));
        assert_eq!(known(&Some("unknown".into())), None);
        assert_eq!(known(&Some("bt709,movie=x".into())), None);
    }
}
