//! Pictures and peaks drawn from a proxy: exact frame stills, the poster, scrub sprite sheets
//! and the audio waveform.
//!
//! Frame N is exactly frame N: input seeking to (N − 0.5) frame durations keeps the first frame
//! whose time is at or after it, which is N (the browser's N + 0.5 convention would give N + 1;
//! see the timecode reference §3). Stills are read from the proxy, which is constant-rate and
//! starts at 0, so the arithmetic holds.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use frameproof_domain::FrameRate;

use crate::probe::file_url;
use crate::process::{Lane, ProcessError, Program, StdoutSink, Tools};

/// A still decodes one GOP at most.
const STILL_TIMEOUT: Duration = Duration::from_secs(60);
/// Decoding a whole soundtrack to 8 kHz mono runs at hundreds × realtime.
const WAVEFORM_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Sprite tiles are this wide; the height follows the picture.
pub const SPRITE_TILE_WIDTH: u32 = 160;
/// Tiles per sheet side: 10 × 10.
pub const SPRITE_GRID: u32 = 10;
/// The waveform is computed from this sample rate.
const WAVEFORM_SAMPLE_RATE: u32 = 8_000;
/// Finest peak resolution kept while streaming (1 ms at 8 kHz) …
const FINE_SAMPLES: u64 = 8;
/// … until this many peaks are held; then neighbours merge and the resolution halves.
const MAX_FINE_PEAKS: usize = 1 << 19;

/// Why a still, sprite sheet or waveform failed. Each variant names the step.
#[derive(Debug, thiserror::Error)]
pub enum StillError {
    #[error("extracting frame {frame} failed")]
    Frame {
        frame: u64,
        #[source]
        source: ProcessError,
    },
    #[error("frame {frame} is past the end of the proxy")]
    NoFrame { frame: u64 },
    #[error("making the sprite sheets failed")]
    Sprite(#[source] ProcessError),
    #[error("decoding audio for the waveform failed")]
    Waveform(#[source] ProcessError),
    #[error("checking the written still failed")]
    Io(#[source] std::io::Error),
}

/// `-ss` for frame `n`: (n − 0.5) / rate in seconds with 6 decimals, from integer microseconds;
/// 0 for frame 0.
pub fn seek_seconds(rate: FrameRate, n: u64) -> String {
    let micros = if n == 0 {
        0
    } else {
        // (2n − 1) · den / (2 · num) seconds.
        let numerator = (2 * u128::from(n) - 1) * u128::from(rate.den) * 1_000_000;
        numerator / (2 * u128::from(rate.num))
    };
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// ffmpeg arguments writing frame `n` of `proxy` (constant rate `rate`) as a JPEG to `out`,
/// scaled down to `max_width` if it is wider.
pub fn frame_args(proxy: &Path, rate: FrameRate, n: u64, out: &Path, max_width: Option<u32>) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let seek = seek_seconds(rate, n);
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-y", "-loglevel", "error", "-ss", &seek, "-protocol_whitelist", "file,pipe", "-i"]);
    args.push(file_url(proxy));
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-map", "0:v:0", "-frames:v", "1"]);
    if let Some(width) = max_width {
        let width = width.max(2) & !1;
        push(&["-vf", &format!("scale=w='min(iw,{width})':h=-2:flags=lanczos")]);
    }
    push(&["-q:v", "3", "-update", "1", "-f", "image2", "-c:v", "mjpeg"]);
    args.push(file_url(out));
    args
}

/// Writes frame `n` of `proxy` to `out` (see [`frame_args`]). Runs in the quick lane, so a
/// reviewer's still does not wait for transcodes.
pub async fn extract_frame(
    tools: &Tools,
    proxy: &Path,
    rate: FrameRate,
    n: u64,
    out: &Path,
    max_width: Option<u32>,
) -> Result<(), StillError> {
    // A stale file from an earlier attempt must not pass for this frame.
    match tokio::fs::remove_file(out).await {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(StillError::Io(error)),
    }
    let args = frame_args(proxy, rate, n, out, max_width);
    tools
        .run_in(Lane::Quick, Program::Ffmpeg, &args, STILL_TIMEOUT, None)
        .await
        .map_err(|source| StillError::Frame { frame: n, source })?;
    // Seeking past the end is not an ffmpeg error: it writes nothing and exits 0.
    match tokio::fs::metadata(out).await {
        Ok(meta) if meta.len() > 0 => Ok(()),
        Ok(_) => Err(StillError::NoFrame { frame: n }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(StillError::NoFrame { frame: n }),
        Err(error) => Err(StillError::Io(error)),
    }
}

/// ffmpeg arguments for the JPEG preview of a still image: fit inside `max_side` × `max_side`,
/// never enlarged. (ffmpeg 5.1 does not apply EXIF orientation; alpha is dropped.)
pub fn image_preview_args(input: &Path, out: &Path, max_side: u32) -> Vec<OsString> {
    let side = max_side.max(2);
    let scale =
        format!("scale=w='min(iw,{side})':h='min(ih,{side})':force_original_aspect_ratio=decrease:flags=lanczos");
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-y", "-loglevel", "error", "-protocol_whitelist", "file,pipe", "-i"]);
    args.push(file_url(input));
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-map", "0:v:0", "-frames:v", "1", "-vf", &scale, "-q:v", "3", "-update", "1"]);
    push(&["-map_metadata", "-1", "-f", "image2", "-c:v", "mjpeg"]);
    args.push(file_url(out));
    args
}

/// Writes the JPEG preview of the image `input` to `out` (see [`image_preview_args`]).
pub async fn image_preview(tools: &Tools, input: &Path, out: &Path, max_side: u32) -> Result<(), StillError> {
    let args = image_preview_args(input, out, max_side);
    tools
        .run_in(Lane::Quick, Program::Ffmpeg, &args, STILL_TIMEOUT, None)
        .await
        .map_err(|source| StillError::Frame { frame: 0, source })?;
    Ok(())
}

/// The poster frame of a `frames`-long proxy: 10 % in (frame 0 for very short ones).
pub fn poster_frame(frames: u64) -> u64 {
    frames / 10
}

/// Writes the poster (see [`poster_frame`]) of a `frames`-long proxy to `out`.
pub async fn poster(
    tools: &Tools,
    proxy: &Path,
    rate: FrameRate,
    frames: u64,
    out: &Path,
    max_width: Option<u32>,
) -> Result<u64, StillError> {
    let n = poster_frame(frames);
    extract_frame(tools, proxy, rate, n, out, max_width).await?;
    Ok(n)
}

/// Where each scrub tile is and which frame it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpriteLayout {
    /// One tile every `every` frames: tile i shows frame i · every.
    pub every: u64,
    pub tile_width: u32,
    pub tile_height: u32,
    pub columns: u32,
    pub rows: u32,
    /// Sheets written (the last may be partly black).
    pub sheets: u32,
    /// `(tile index, frame)` for every tile, in order; tile i is on sheet i / (columns · rows),
    /// at column (i mod per-sheet) mod columns, row (i mod per-sheet) / columns.
    pub tiles: Vec<(u64, u64)>,
}

impl SpriteLayout {
    /// The sheet, column and row of tile `index`.
    pub fn locate(&self, index: u64) -> (u32, u32, u32) {
        let per_sheet = u64::from(self.columns) * u64::from(self.rows);
        let within = index % per_sheet;
        let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        (narrow(index / per_sheet), narrow(within % u64::from(self.columns)), narrow(within / u64::from(self.columns)))
    }
}

/// The sprite layout for a `frames`-long proxy of `width × height`, one tile every `every`
/// frames (0 is taken as 1).
pub fn sprite_layout(frames: u64, every: u64, width: u32, height: u32) -> SpriteLayout {
    let every = every.max(1);
    let tile_height = {
        let h = (u64::from(SPRITE_TILE_WIDTH) * u64::from(height.max(1)) + u64::from(width.max(1)) / 2)
            / u64::from(width.max(1));
        u32::try_from((h.div_ceil(2) * 2).max(2)).unwrap_or(2)
    };
    let count = frames.div_ceil(every);
    let per_sheet = u64::from(SPRITE_GRID * SPRITE_GRID);
    SpriteLayout {
        every,
        tile_width: SPRITE_TILE_WIDTH,
        tile_height,
        columns: SPRITE_GRID,
        rows: SPRITE_GRID,
        sheets: u32::try_from(count.div_ceil(per_sheet)).unwrap_or(u32::MAX),
        tiles: (0..count).map(|i| (i, i * every)).collect(),
    }
}

/// ffmpeg arguments writing the sheets of `layout` from `proxy` to `out_pattern`, a path with
/// one `%03d`-style counter starting at 0 (`…/sprite_%03d.jpg`).
pub fn sprite_args(proxy: &Path, out_pattern: &Path, layout: &SpriteLayout) -> Vec<OsString> {
    let filters = format!(
        "select='not(mod(n\\,{every}))',scale={w}:{h}:flags=bicubic,setsar=1,tile={cols}x{rows}",
        every = layout.every,
        w = layout.tile_width,
        h = layout.tile_height,
        cols = layout.columns,
        rows = layout.rows
    );
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-y", "-loglevel", "error", "-protocol_whitelist", "file,pipe", "-i"]);
    args.push(file_url(proxy));
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    // passthrough: select keeps exact frames; the default vsync would re-time them.
    push(&["-map", "0:v:0", "-vf", &filters, "-fps_mode", "passthrough", "-q:v", "4"]);
    push(&["-f", "image2", "-start_number", "0", "-c:v", "mjpeg"]);
    args.push(file_url(out_pattern));
    args
}

/// Writes the sprite sheets of `layout` (see [`sprite_args`]).
pub async fn sprite(tools: &Tools, proxy: &Path, out_pattern: &Path, layout: &SpriteLayout) -> Result<(), StillError> {
    let frames = layout.tiles.len() as u64 * layout.every;
    let timeout = Duration::from_secs(120).saturating_add(Duration::from_millis(frames.saturating_mul(50)));
    tools
        .run(Program::Ffmpeg, &sprite_args(proxy, out_pattern, layout), timeout, None)
        .await
        .map_err(StillError::Sprite)?;
    Ok(())
}

/// ffmpeg arguments decoding the first audio stream of `input` to 8 kHz mono s16le on stdout.
pub fn waveform_args(input: &Path) -> Vec<OsString> {
    let rate = WAVEFORM_SAMPLE_RATE.to_string();
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-loglevel", "error", "-protocol_whitelist", "file,pipe", "-i"]);
    args.push(file_url(input));
    let mut push = |items: &[&str]| args.extend(items.iter().map(OsString::from));
    push(&["-map", "0:a:0", "-ac", "1", "-ar", &rate, "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1"]);
    args
}

/// `buckets` (min, max) peak pairs in −1.0..=1.0 across the first audio stream of `input`.
/// Streams the samples: memory stays bounded however long the soundtrack.
pub async fn waveform(tools: &Tools, input: &Path, buckets: usize) -> Result<Vec<(f32, f32)>, StillError> {
    let mut peaks = PeakAccumulator::default();
    let mut on_chunk = |chunk: &[u8]| peaks.push_bytes(chunk);
    tools
        .run_with(
            Lane::Heavy,
            Program::Ffmpeg,
            &waveform_args(input),
            WAVEFORM_TIMEOUT,
            StdoutSink::Chunks(&mut on_chunk),
        )
        .await
        .map_err(StillError::Waveform)?;
    Ok(peaks.finish(buckets))
}

/// Running min/max over fixed-size runs of samples, coarsening as it grows.
#[derive(Debug)]
pub(crate) struct PeakAccumulator {
    run_len: u64,
    in_run: u64,
    run_min: i16,
    run_max: i16,
    peaks: Vec<(i16, i16)>,
    odd_byte: Option<u8>,
}

impl Default for PeakAccumulator {
    fn default() -> Self {
        PeakAccumulator {
            run_len: FINE_SAMPLES,
            in_run: 0,
            run_min: i16::MAX,
            run_max: i16::MIN,
            peaks: Vec::new(),
            odd_byte: None,
        }
    }
}

impl PeakAccumulator {
    /// Feeds little-endian 16-bit samples, in chunks split anywhere.
    pub(crate) fn push_bytes(&mut self, mut bytes: &[u8]) {
        if let (Some(low), Some((&high, rest))) = (self.odd_byte, bytes.split_first()) {
            self.odd_byte = None;
            self.push_sample(i16::from_le_bytes([low, high]));
            bytes = rest;
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in &mut pairs {
            self.push_sample(i16::from_le_bytes([pair[0], pair[1]]));
        }
        if let [last] = pairs.remainder() {
            self.odd_byte = Some(*last);
        }
    }

    fn push_sample(&mut self, sample: i16) {
        self.run_min = self.run_min.min(sample);
        self.run_max = self.run_max.max(sample);
        self.in_run += 1;
        if self.in_run == self.run_len {
            self.close_run();
        }
    }

    fn close_run(&mut self) {
        if self.in_run == 0 {
            return;
        }
        self.peaks.push((self.run_min, self.run_max));
        self.in_run = 0;
        self.run_min = i16::MAX;
        self.run_max = i16::MIN;
        if self.peaks.len() >= MAX_FINE_PEAKS {
            self.peaks = self.peaks.chunks(2).map(merge).collect();
            self.run_len *= 2;
        }
    }

    /// `buckets` evenly spread (min, max) pairs, normalised to −1.0..=1.0; silence (0, 0)
    /// when there were no samples.
    pub(crate) fn finish(mut self, buckets: usize) -> Vec<(f32, f32)> {
        self.close_run();
        let scale = |(min, max): (i16, i16)| (f32::from(min) / 32_768.0, f32::from(max) / 32_767.0);
        if self.peaks.is_empty() {
            return vec![(0.0, 0.0); buckets];
        }
        let total = self.peaks.len();
        (0..buckets)
            .map(|b| {
                let start = b * total / buckets;
                let end = ((b + 1) * total / buckets).max(start + 1).min(total);
                scale(merge(&self.peaks[start.min(total - 1)..end]))
            })
            .collect()
    }
}

fn merge(peaks: &[(i16, i16)]) -> (i16, i16) {
    peaks.iter().fold((i16::MAX, i16::MIN), |(lo, hi), &(min, max)| (lo.min(min), hi.max(max)))
}

/// Whether a file is a HEIC/HEIF still (an ISO-BMFF `ftyp` box with a HEIF brand).
pub async fn is_heif(path: &Path) -> bool {
    use tokio::io::AsyncReadExt;
    let mut head = [0u8; 12];
    let Ok(mut f) = tokio::fs::File::open(path).await else { return false };
    if f.read_exact(&mut head).await.is_err() || &head[4..8] != b"ftyp" {
        return false;
    }
    matches!(&head[8..12], b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1")
}

/// Decodes a HEIC/HEIF still to a JPEG with libheif (through the process door).
pub async fn heif_to_jpeg(tools: &Tools, input: &Path, out: &Path) -> Result<(), StillError> {
    let args: Vec<OsString> = vec!["-q".into(), "92".into(), input.as_os_str().to_owned(), out.as_os_str().to_owned()];
    tools
        .run_in(Lane::Heavy, Program::HeifConvert, &args, STILL_TIMEOUT, None)
        .await
        .map_err(|source| StillError::Frame { frame: 0, source })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(s: &str) -> FrameRate {
        FrameRate::parse(s).unwrap()
    }

    #[test]
    fn seek_is_half_a_frame_early() {
        assert_eq!(seek_seconds(rate("25"), 0), "0.000000");
        assert_eq!(seek_seconds(rate("25"), 1), "0.020000");
        assert_eq!(seek_seconds(rate("25"), 50), "1.980000");
        // 29.97: frame 1 starts at 0.033367 s; half a frame before it is 0.016683 s.
        assert_eq!(seek_seconds(rate("30000/1001"), 1), "0.016683");
        assert_eq!(seek_seconds(rate("30000/1001"), 107_892), "3599.979716");
    }

    #[test]
    fn frame_args_seek_on_input_and_scale_only_down() {
        let args: Vec<String> = frame_args(Path::new("/p.mp4"), rate("24000/1001"), 48, Path::new("/o.jpg"), Some(320))
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(joined.contains("-ss 1.981145 -protocol_whitelist file,pipe -i file:/p.mp4"), "{joined}");
        assert!(joined.contains("-frames:v 1 -vf scale=w='min(iw,320)':h=-2:flags=lanczos -q:v 3"), "{joined}");
        assert!(joined.ends_with("file:/o.jpg"));
    }

    #[test]
    fn poster_is_ten_percent_in() {
        assert_eq!(poster_frame(0), 0);
        assert_eq!(poster_frame(9), 0);
        assert_eq!(poster_frame(240), 24);
    }

    #[test]
    fn sprite_layout_maps_tiles_to_frames() {
        let layout = sprite_layout(250, 10, 1920, 1080);
        assert_eq!((layout.tile_width, layout.tile_height), (160, 90));
        assert_eq!(layout.tiles.len(), 25);
        assert_eq!(layout.tiles[0], (0, 0));
        assert_eq!(layout.tiles[24], (24, 240));
        assert_eq!(layout.sheets, 1);
        assert_eq!(layout.locate(23), (0, 3, 2));

        let long = sprite_layout(2001, 10, 540, 960);
        assert_eq!(long.tile_height, 284);
        assert_eq!(long.tiles.len(), 201);
        assert_eq!(long.sheets, 3);
        assert_eq!(long.locate(200), (2, 0, 0));
    }

    #[test]
    fn sprite_args_select_exact_frames() {
        let layout = sprite_layout(100, 5, 160, 90);
        let args: Vec<String> = sprite_args(Path::new("/p.mp4"), Path::new("/s_%03d.jpg"), &layout)
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert!(args.contains(&"select='not(mod(n\\,5))',scale=160:90:flags=bicubic,setsar=1,tile=10x10".to_owned()));
        assert!(args.join(" ").contains("-fps_mode passthrough"));
    }

    fn bytes(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    #[test]
    fn peaks_survive_chunks_split_mid_sample() {
        let mut samples = vec![0_i16; 800];
        samples[100] = 16_384;
        samples[700] = -32_768;
        let data = bytes(&samples);
        let mut acc = PeakAccumulator::default();
        for chunk in data.chunks(7) {
            acc.push_bytes(chunk);
        }
        let peaks = acc.finish(2);
        assert_eq!(peaks.len(), 2);
        assert!((peaks[0].1 - 0.5).abs() < 0.001, "{peaks:?}");
        assert_eq!(peaks[0].0, 0.0);
        assert_eq!(peaks[1].0, -1.0);
    }

    #[test]
    fn more_buckets_than_peaks_repeats_neighbours() {
        let mut acc = PeakAccumulator::default();
        acc.push_bytes(&bytes(&[1000; 16]));
        let peaks = acc.finish(5);
        assert_eq!(peaks.len(), 5);
        assert!(peaks.iter().all(|p| p.0 > 0.0 && p.1 > 0.0));
    }

    #[test]
    fn no_samples_is_silence() {
        assert_eq!(PeakAccumulator::default().finish(3), vec![(0.0, 0.0); 3]);
    }

    #[test]
    fn long_input_coarsens_instead_of_growing() {
        let mut acc = PeakAccumulator::default();
        let second = bytes(&[0_i16; 8_000]);
        for _ in 0..(MAX_FINE_PEAKS as u64 * FINE_SAMPLES / 8_000 + 2) {
            acc.push_bytes(&second);
        }
        assert!(acc.peaks.len() < MAX_FINE_PEAKS);
        assert_eq!(acc.run_len, 2 * FINE_SAMPLES);
    }
}
