//! Hostile and broken uploads: each ends in a clear error, quickly, without a panic.

use std::path::Path;
use std::time::{Duration, Instant};

use frameproof_media::{ProbeError, probe};

use crate::kit::{barcode_clip, ffmpeg, path_str, tools};

/// Probes `path` and returns the error, checking it came back promptly.
async fn probe_error(path: &Path) -> ProbeError {
    let started = Instant::now();
    let result = probe(&tools(), path).await;
    assert!(started.elapsed() < Duration::from_secs(10), "probe took {:?}", started.elapsed());
    match result {
        Ok(probe) => panic!("{} was accepted: {probe:?}", path.display()),
        Err(error) => error,
    }
}

fn assert_refused(error: &ProbeError, needle: &str) {
    match error {
        ProbeError::Refused { reason } => assert!(reason.contains(needle), "reason {reason:?} lacks {needle:?}"),
        other => panic!("expected a refusal mentioning {needle:?}, got {other:?}"),
    }
    assert_eq!(error.code(), "media-refused");
}

#[tokio::test]
async fn zero_byte_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.mp4");
    std::fs::write(&path, b"").unwrap();
    assert_refused(&probe_error(&path).await, "empty");
}

#[tokio::test]
async fn random_bytes_named_mp4_are_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.mp4");
    // A fixed xorshift stream: random-looking, the same on every run.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(&path, bytes).unwrap();
    let error = probe_error(&path).await;
    match &error {
        ProbeError::Unreadable { detail } => assert!(detail.contains("Invalid data"), "{detail}"),
        ProbeError::Refused { .. } => {}
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().len() < 300, "{error}");
}

#[tokio::test]
async fn mp4_cut_in_half_is_refused_or_unreadable() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    // moov at the end (the default) and at the front (+faststart): both halves must fail.
    for (name, extra) in [("plain.mp4", &[][..]), ("faststart.mp4", &["-movflags", "+faststart"][..])] {
        let whole = barcode_clip(&tools, dir.path(), name, "25", "2", extra).await;
        let bytes = std::fs::read(&whole).unwrap();
        let half = dir.path().join(format!("half-{name}"));
        std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
        match probe_error(&half).await {
            ProbeError::Unreadable { detail } => assert!(detail.contains("Invalid data"), "{name}: {detail}"),
            ProbeError::Refused { reason } => assert!(reason.contains("incomplete"), "{name}: {reason}"),
            other => panic!("{name}: unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn hls_playlist_is_refused_before_ffprobe_follows_it() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let segment = barcode_clip(&tools, dir.path(), "secret.ts", "25", "0.4", &[]).await;
    let playlist = dir.path().join("upload.m3u8");
    std::fs::write(
        &playlist,
        format!("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.4,\n{}\n#EXT-X-ENDLIST\n", segment.display()),
    )
    .unwrap();
    assert_refused(&probe_error(&playlist).await, "HLS");

    // Named like a video, pointing at the network.
    let disguised = dir.path().join("clip.mp4");
    std::fs::write(&disguised, "#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n").unwrap();
    assert_refused(&probe_error(&disguised).await, "HLS");
}

#[tokio::test]
async fn concat_list_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.mp4");
    std::fs::write(&list, "ffconcat version 1.0\nfile /etc/hostname\n").unwrap();
    assert_refused(&probe_error(&list).await, "concat");
}

#[tokio::test]
async fn numbered_image_pattern_paths_are_refused() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=3 {
        let frame = dir.path().join(format!("img{i:03}.png"));
        ffmpeg(&tools, &["-f", "lavfi", "-i", "testsrc2=size=64x36", "-frames:v", "1", path_str(&frame)]).await;
    }
    // The file really exists under this name; image2 would still read img001…img003.
    let pattern = dir.path().join("img%03d.png");
    std::fs::copy(dir.path().join("img001.png"), &pattern).unwrap();
    assert_refused(&probe_error(&pattern).await, "%");
}

#[tokio::test]
async fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert_refused(&probe_error(dir.path()).await, "regular file");
}

#[tokio::test]
async fn a_missing_file_is_a_read_error() {
    let error = probe_error(Path::new("/nonexistent/frameproof.mp4")).await;
    assert!(matches!(error, ProbeError::Read { .. }), "{error:?}");
}
