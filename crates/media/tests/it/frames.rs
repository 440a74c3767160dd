//! Frame exactness end to end: source → probe → rung → proxy → verify → still → barcode.

use std::path::Path;
use std::sync::{Arc, Mutex};

use frameproof_domain::FrameRate;
use frameproof_media::{
    Expectation, MediaKind, Tools, extract_frame, probe, proxy_args, rungs, transcode, verify_proxy,
};

use crate::kit::{barcode_clip, ffmpeg, first_edit_media_time, packets_read, path_str, read_barcodes, tools};

/// Makes and verifies the first proxy of `source`; returns it with its rate and frame count.
async fn make_proxy(tools: &Tools, dir: &Path, source: &Path) -> (std::path::PathBuf, FrameRate, u64) {
    let probe = probe(tools, source).await.expect("probe");
    assert_eq!(probe.kind, MediaKind::Video);
    let video = probe.video.as_ref().unwrap();
    let rate = probe.review_rate().unwrap();
    let expected = probe.expected_frames().unwrap();
    let rung = rungs(video).into_iter().next().unwrap();
    let output = dir.join(format!("proxy-{}.mp4", rung.name));
    let args = proxy_args(source, &output, video, rate, &rung, !probe.audio.is_empty());

    let percents = Arc::new(Mutex::new(Vec::new()));
    let seen = percents.clone();
    transcode(tools, &args, expected, move |p| seen.lock().unwrap().push(p)).await.expect("transcode");
    let percents = percents.lock().unwrap().clone();
    assert_eq!(percents.last(), Some(&100), "{percents:?}");
    assert!(percents.windows(2).all(|w| w[0] < w[1]), "{percents:?}");

    let expect = Expectation::for_proxy(&probe, &rung).unwrap();
    let verified = verify_proxy(tools, &output, &expect).await.expect("verify");
    assert_eq!(verified.rate, rate);
    assert_eq!((verified.width, verified.height), (rung.width, rung.height));
    (output, rate, verified.frames)
}

async fn still_shows(tools: &Tools, dir: &Path, proxy: &Path, rate: FrameRate, n: u64) -> u64 {
    let out = dir.join(format!("frame-{n}.jpg"));
    extract_frame(tools, proxy, rate, n, &out, None).await.expect("extract");
    let codes = read_barcodes(tools, &out).await;
    assert_eq!(codes.len(), 1);
    codes[0]
}

async fn constant_rate_round_trip(rate: &str, extra: &[&str]) -> Option<String> {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let source = barcode_clip(&tools, dir.path(), "source.mp4", rate, "2", extra).await;
    let source_probe = probe(&tools, &source).await.unwrap();
    let source_frames = source_probe.video.as_ref().unwrap().frame_count.unwrap();
    assert!(!source_probe.video.as_ref().unwrap().vfr);
    assert_eq!(source_probe.review_rate(), FrameRate::parse(rate));

    let (proxy, review_rate, frames) = make_proxy(&tools, dir.path(), &source).await;
    assert_eq!(frames, source_frames, "proxy frame count at {rate}");
    // Every proxy frame is the source frame of the same number.
    let all = read_barcodes(&tools, &proxy).await;
    assert_eq!(all, (0..source_frames).collect::<Vec<_>>(), "decoded proxy at {rate}");

    for n in [0, 1, source_frames / 2, source_frames - 1] {
        assert_eq!(still_shows(&tools, dir.path(), &proxy, review_rate, n).await, n, "still {n} at {rate}");
    }
    source_probe.video.unwrap().start_timecode
}

#[tokio::test]
async fn proxy_and_stills_are_frame_exact_at_23_976() {
    constant_rate_round_trip("24000/1001", &[]).await;
}

#[tokio::test]
async fn proxy_and_stills_are_frame_exact_at_25_with_audio() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    // Same path with a soundtrack muxed in.
    let video = barcode_clip(&tools, dir.path(), "v.mp4", "25", "2", &[]).await;
    let source = dir.path().join("av.mov");
    ffmpeg(
        &tools,
        &[
            "-i",
            path_str(&video),
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=2",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-shortest",
            path_str(&source),
        ],
    )
    .await;
    let (proxy, rate, frames) = make_proxy(&tools, dir.path(), &source).await;
    assert_eq!(frames, 50);
    let probed = probe(&tools, &proxy).await.unwrap();
    assert_eq!(probed.audio.len(), 1);
    assert_eq!(probed.audio[0].channels, 2);
    for n in [0, 1, 25, 49] {
        assert_eq!(still_shows(&tools, dir.path(), &proxy, rate, n).await, n);
    }
}

#[tokio::test]
async fn proxy_and_stills_are_frame_exact_at_29_97_drop_frame() {
    let timecode = constant_rate_round_trip("30000/1001", &["-timecode", "01:00:00;00"]).await;
    assert_eq!(timecode.as_deref(), Some("01:00:00;00"));
}

#[tokio::test]
async fn proxy_and_stills_are_frame_exact_at_59_94() {
    constant_rate_round_trip("60000/1001", &[]).await;
}

/// Cuts `seconds` from `start` out of a barcode clip with stream copy (what editors and phones
/// do: the cut keeps the packets from the keyframe before `start` and hides them with an edit
/// list), then checks that the probe counts the frames a player shows, that the proxy holds
/// exactly those frames in order, and that stills 0, 1, middle and last are the cut's own.
async fn stream_copy_cut_round_trip(rate: &str, name: &str, start: &str, seconds: &str, audio: bool) {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let source = barcode_clip(&tools, dir.path(), "long.mp4", rate, "6", &["-g", "48"]).await;
    let source = if audio {
        let with_sound = dir.path().join("long-av.mov");
        ffmpeg(
            &tools,
            &[
                "-i",
                path_str(&source),
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=48000:duration=6",
                "-c:v",
                "copy",
                "-c:a",
                "aac",
                "-shortest",
                path_str(&with_sound),
            ],
        )
        .await;
        with_sound
    } else {
        source
    };
    let cut = dir.path().join(name);
    ffmpeg(&tools, &["-ss", start, "-i", path_str(&source), "-t", seconds, "-c", "copy", path_str(&cut)]).await;

    // What a player shows of the cut: the edit list applied.
    let shown = read_barcodes(&tools, &cut).await;
    assert!(shown[0] % 48 != 0, "the cut starts between keyframes: {shown:?}");
    assert_eq!(shown, (shown[0]..shown[0] + shown.len() as u64).collect::<Vec<_>>());
    assert!(first_edit_media_time(&cut).is_some_and(|t| t > 0), "the cut's edit list starts past 0");
    assert!(packets_read(&cut) > shown.len() as u64, "the cut keeps hidden pre-roll packets");

    let probed = probe(&tools, &cut).await.unwrap();
    assert_eq!(probed.video.as_ref().unwrap().frame_count, Some(shown.len() as u64), "{name}");
    assert_eq!(probed.expected_frames(), Some(shown.len() as u64));

    let (proxy, review_rate, frames) = make_proxy(&tools, dir.path(), &cut).await;
    assert_eq!(frames, shown.len() as u64);
    assert_eq!(read_barcodes(&tools, &proxy).await, shown, "proxy frame n is the cut's frame n");
    let last = frames - 1;
    for n in [0, 1, frames / 2, last] {
        let still = still_shows(&tools, dir.path(), &proxy, review_rate, n).await;
        assert_eq!(still, shown[n as usize], "still {n} of {name}");
    }
}

#[tokio::test]
async fn a_stream_copy_cut_between_keyframes_with_b_frames_is_frame_exact() {
    // The report's case: `-ss 3.3 -t 5 -c copy` of a 23.976 clip used to fail its frame check.
    stream_copy_cut_round_trip("24000/1001", "cut.mp4", "3.3", "2.5", false).await;
}

#[tokio::test]
async fn a_quicktime_cut_with_sound_whose_edit_starts_past_zero_is_frame_exact() {
    stream_copy_cut_round_trip("25", "cut.mov", "1.3", "1.5", true).await;
}

#[tokio::test]
async fn a_still_past_the_end_is_an_error_not_a_stale_file() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let source = barcode_clip(&tools, dir.path(), "source.mp4", "25", "0.4", &[]).await;
    let rate = FrameRate { num: 25, den: 1 };
    let out = dir.path().join("late.jpg");
    std::fs::write(&out, b"stale").unwrap();
    let error = extract_frame(&tools, &source, rate, 500, &out, None).await.unwrap_err();
    assert!(matches!(error, frameproof_media::StillError::NoFrame { frame: 500 }), "{error}");
    assert!(!out.exists());
}

/// Source frame k plays at a_k / 30 s: a_k = k for the first 15 frames, then 2k − 15.
fn vfr_source_frame_at(n: u64, rate: FrameRate) -> u64 {
    let plays_at_30ths = |k: u64| if k < 15 { k } else { 2 * k - 15 };
    // The last k with a_k / 30 ≤ n · den / num.
    (0..200).filter(|&k| plays_at_30ths(k) * u64::from(rate.num) <= 30 * n * u64::from(rate.den)).max().unwrap()
}

#[tokio::test]
async fn vfr_proxy_frame_n_is_what_plays_at_n_over_rate() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let source = barcode_clip(
        &tools,
        dir.path(),
        "vfr.mp4",
        "30",
        "2",
        &["-vf", "setpts='if(lt(N,15),N,15+(N-15)*2)/30/TB'", "-fps_mode", "vfr"],
    )
    .await;
    let source_probe = probe(&tools, &source).await.unwrap();
    assert!(source_probe.video.as_ref().unwrap().vfr);

    let (proxy, rate, frames) = make_proxy(&tools, dir.path(), &source).await;
    assert_eq!(Some(rate), source_probe.review_rate());
    let shown = read_barcodes(&tools, &proxy).await;
    assert_eq!(shown.len() as u64, frames);
    let expected: Vec<u64> = (0..frames).map(|n| vfr_source_frame_at(n, rate)).collect();
    assert_eq!(shown, expected, "at {rate}");
    for n in [3, frames / 2, frames - 1] {
        assert_eq!(still_shows(&tools, dir.path(), &proxy, rate, n).await, vfr_source_frame_at(n, rate));
    }
}

#[tokio::test]
async fn rotated_landscape_stream_becomes_an_upright_portrait_proxy() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("phone.mp4");
    let coded = dir.path().join("coded.mp4");
    ffmpeg(
        &tools,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30",
            "-t",
            "0.5",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            path_str(&coded),
        ],
    )
    .await;
    ffmpeg(&tools, &["-i", path_str(&coded), "-c", "copy", "-metadata:s:v", "rotate=90", path_str(&source)]).await;

    let probed = probe(&tools, &source).await.unwrap();
    let video = probed.video.as_ref().unwrap();
    assert_eq!((video.width, video.height, video.rotation % 180), (1280, 720, 90));
    let planned: Vec<(u32, u32)> = rungs(video).iter().map(|r| (r.width, r.height)).collect();
    assert_eq!(planned, vec![(540, 960), (720, 1280)]);

    // The 540p rung is really portrait and carries no rotation (verify checks both).
    let (proxy, _, frames) = make_proxy(&tools, dir.path(), &source).await;
    assert_eq!(frames, 15);
    let proxy_video = probe(&tools, &proxy).await.unwrap().video.unwrap();
    assert_eq!((proxy_video.width, proxy_video.height, proxy_video.rotation), (540, 960, 0));
}

#[tokio::test]
async fn portrait_phone_clip_is_never_upscaled() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("portrait.mp4");
    ffmpeg(
        &tools,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=720x1280:rate=30",
            "-t",
            "0.2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            path_str(&source),
        ],
    )
    .await;
    let probed = probe(&tools, &source).await.unwrap();
    let planned: Vec<(&str, u32, u32)> =
        rungs(probed.video.as_ref().unwrap()).iter().map(|r| (r.name, r.width, r.height)).collect();
    assert_eq!(planned, vec![("540p", 540, 960), ("1080p", 720, 1280)]);
}

#[tokio::test]
async fn hdr_interlaced_source_tonemaps_and_deinterlaces_on_ffmpeg_5_1() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    // .mov, not .mkv: ffmpeg 5.1's Matroska muxer labels interlaced H.264 "progressive".
    let source = dir.path().join("hdr_interlaced.mov");
    // HLG with primaries and matrix left unset: the case plain zscale cannot handle.
    ffmpeg(
        &tools,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x96:rate=25",
            "-t",
            "0.6",
            "-pix_fmt",
            "yuv420p10le",
            "-color_trc",
            "arib-std-b67",
            "-flags",
            "+ildct+ilme",
            "-c:v",
            "libx264",
            "-x264opts",
            "tff=1",
            path_str(&source),
        ],
    )
    .await;
    let probed = probe(&tools, &source).await.unwrap();
    let video = probed.video.as_ref().unwrap();
    assert!(video.hdr && video.interlaced, "{video:?}");
    assert_eq!(video.bit_depth, 10);
    let (proxy, _, frames) = make_proxy(&tools, dir.path(), &source).await;
    assert_eq!(frames, 15);
    let out = probe(&tools, &proxy).await.unwrap().video.unwrap();
    assert_eq!(out.color_transfer.as_deref(), Some("bt709"));
    assert!(!out.interlaced && !out.hdr);
}

#[tokio::test]
async fn sound_before_the_first_picture_does_not_shift_frames() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("broadcast.ts");
    // MPEG-TS whose video starts ~0.22 s after its audio.
    let picture = crate::kit::barcode_source("25");
    ffmpeg(
        &tools,
        &[
            "-f",
            "lavfi",
            "-i",
            &picture,
            "-f",
            "lavfi",
            "-i",
            "sine=sample_rate=48000:duration=2.2",
            "-t",
            "2",
            "-vf",
            "setpts=PTS+0.2/TB",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-bf",
            "3",
            "-c:a",
            "aac",
            path_str(&source),
        ],
    )
    .await;
    let probed = probe(&tools, &source).await.unwrap();
    let video = probed.video.as_ref().unwrap();
    assert!(video.starts_after_us > 150_000, "{video:?}");
    let source_frames = video.frame_count.unwrap();

    let (proxy, rate, frames) = make_proxy(&tools, dir.path(), &source).await;
    assert_eq!(frames, source_frames);
    assert_eq!(read_barcodes(&tools, &proxy).await, (0..source_frames).collect::<Vec<_>>());
    assert_eq!(still_shows(&tools, dir.path(), &proxy, rate, 1).await, 1);
    let audio = &probe(&tools, &proxy).await.unwrap().audio;
    assert_eq!(audio.len(), 1);
}
