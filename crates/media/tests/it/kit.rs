//! Helpers: tools, clip generation with a frame-number barcode, and reading the barcode back.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use frameproof_media::{Program, Tools};

/// The system's ffmpeg, two heavy jobs at once.
pub fn tools() -> Tools {
    Tools::new("/usr/bin/ffmpeg", "/usr/bin/ffprobe", 2)
}

/// Runs ffmpeg with `args` through the crate's own door.
pub async fn ffmpeg(tools: &Tools, args: &[&str]) -> Vec<u8> {
    let args: Vec<OsString> = ["-y", "-loglevel", "error"].iter().chain(args).map(OsString::from).collect();
    tools.run(Program::Ffmpeg, &args, Duration::from_secs(60), None).await.expect("ffmpeg").stdout
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Width and height of the barcode picture, and its 4 × 3 grid of 40 × 30 blocks.
pub const BARCODE_W: usize = 160;
pub const BARCODE_H: usize = 90;
const BLOCK_W: usize = 40;
const BLOCK_H: usize = 30;
const BITS: usize = 12;

/// A `geq` source whose luma block i (4 × 3 grid, row-major) is white when bit i of the frame
/// number N is set. Large flat blocks survive x264, lanczos and JPEG.
pub fn barcode_source(rate: &str) -> String {
    format!(
        "nullsrc=s={BARCODE_W}x{BARCODE_H}:r={rate},\
         geq=lum='if(mod(floor(N/pow(2\\,floor(X/{BLOCK_W})+4*floor(Y/{BLOCK_H})))\\,2)\\,235\\,16)':cb=128:cr=128"
    )
}

/// Writes a `seconds`-long barcode clip at `rate` (H.264 with 3 B-frames) to `dir/name`,
/// with any `extra` output options.
pub async fn barcode_clip(tools: &Tools, dir: &Path, name: &str, rate: &str, seconds: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let source = barcode_source(rate);
    let mut args = vec!["-f", "lavfi", "-i", &source, "-t", seconds];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-bf",
        "3",
        "-pix_fmt",
        "yuv420p",
        path_str(&out),
    ]);
    ffmpeg(tools, &args).await;
    out
}

/// Reads the barcode of every frame of `image_or_video` (scaled to the barcode size).
pub async fn read_barcodes(tools: &Tools, image_or_video: &Path) -> Vec<u64> {
    let size = format!("scale={BARCODE_W}:{BARCODE_H}");
    let raw =
        ffmpeg(tools, &["-i", path_str(image_or_video), "-vf", &size, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"])
            .await;
    raw.chunks_exact(BARCODE_W * BARCODE_H).map(decode_barcode).collect()
}

/// Reads one barcode from a gray picture `width` pixels wide, whose top-left barcode corner is at
/// (`x0`, `y0`).
pub fn decode_barcode_at(gray: &[u8], width: usize, x0: usize, y0: usize) -> u64 {
    let mut value = 0;
    for bit in 0..BITS {
        let (bx, by) = (bit % 4, bit / 4);
        // The middle of the block: away from edges blurred by scaling and chroma.
        let mut sum = 0_u64;
        let mut count = 0_u64;
        for y in (y0 + by * BLOCK_H + 10)..(y0 + by * BLOCK_H + 20) {
            for x in (x0 + bx * BLOCK_W + 12)..(x0 + bx * BLOCK_W + 28) {
                sum += u64::from(gray[y * width + x]);
                count += 1;
            }
        }
        if sum / count > 128 {
            value |= 1 << bit;
        }
    }
    value
}

fn decode_barcode(gray: &[u8]) -> u64 {
    decode_barcode_at(gray, BARCODE_W, 0, 0)
}

/// Decodes a still to raw gray at its own size.
pub async fn gray_pixels(tools: &Tools, image: &Path) -> Vec<u8> {
    ffmpeg(tools, &["-i", path_str(image), "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]).await
}

/// The media time (in the track's time scale) where the first non-empty edit of the first
/// `elst` box in `file` starts: what a player skips of that track. `None` without an edit list.
pub fn first_edit_media_time(file: &Path) -> Option<i64> {
    let bytes = std::fs::read(file).expect("read");
    let at = bytes.windows(4).position(|w| w == b"elst")? + 4;
    let version = bytes[at];
    let count = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap());
    let mut entry = at + 8;
    for _ in 0..count {
        let media_time = if version == 1 {
            let t = i64::from_be_bytes(bytes[entry + 8..entry + 16].try_into().unwrap());
            entry += 20;
            t
        } else {
            let t = i64::from(i32::from_be_bytes(bytes[entry + 4..entry + 8].try_into().unwrap()));
            entry += 12;
            t
        };
        if media_time != -1 {
            return Some(media_time);
        }
    }
    None
}

/// Every video packet of `file`, hidden or not (`ffprobe -count_packets`).
pub fn packets_read(file: &Path) -> u64 {
    let out = std::process::Command::new("/usr/bin/ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets"])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .expect("ffprobe");
    String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
}
