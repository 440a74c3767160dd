//! The parser on ffprobe JSON saved from ffmpeg 5.1 (see fixtures/ffprobe-5.1/generate.sh).

use frameproof_domain::FrameRate;
use frameproof_media::probe::{self, MediaKind, Probe, ProbeError};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/ffprobe-5.1/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parsed(name: &str) -> Probe {
    probe::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rate(s: &str) -> FrameRate {
    FrameRate::parse(s).unwrap()
}

#[test]
fn h264_with_drop_frame_timecode_is_cfr_29_97_with_exact_count() {
    let probe = parsed("h264_29.97_tc.json");
    assert_eq!(probe.kind, MediaKind::Video);
    assert_eq!(probe.format_name, "mov,mp4,m4a,3gp,3g2,mj2");
    assert_eq!(probe.duration_us, Some(1_001_000));
    let video = probe.video.as_ref().unwrap();
    assert_eq!((video.codec.as_str(), video.width, video.height), ("h264", 160, 90));
    assert_eq!((video.display_width, video.display_height, video.rotation), (160, 90, 0));
    assert_eq!(video.r_frame_rate, Some(rate("30000/1001")));
    assert!(!video.vfr);
    assert_eq!(video.frame_count, Some(30));
    assert_eq!(video.start_time_us, 0);
    assert_eq!(video.start_timecode.as_deref(), Some("01:00:00;00"));
    assert_eq!(video.bit_depth, 8);
    assert!(!video.hdr && !video.interlaced);
    assert_eq!(probe.review_rate(), Some(rate("30000/1001")));
    assert_eq!(probe.expected_frames(), Some(30));
    assert_eq!(probe.audio.len(), 1);
    assert_eq!(
        (probe.audio[0].codec.as_str(), probe.audio[0].channels, probe.audio[0].sample_rate),
        ("aac", 1, 48_000)
    );
}

#[test]
fn timecode_falls_back_to_the_tmcd_track() {
    let mut json: serde_json::Value = serde_json::from_slice(&fixture("h264_29.97_tc.json")).unwrap();
    json["streams"][0]["tags"].as_object_mut().unwrap().remove("timecode");
    let probe = probe::parse(&serde_json::to_vec(&json).unwrap()).unwrap();
    assert_eq!(probe.video.unwrap().start_timecode.as_deref(), Some("01:00:00;00"));
}

#[test]
fn vfr_clip_is_flagged_and_reviewed_at_a_snapped_rate() {
    let probe = parsed("vfr.json");
    let video = probe.video.as_ref().unwrap();
    assert_eq!(video.r_frame_rate, Some(rate("30")));
    assert_eq!(video.avg_frame_rate, Some(rate("345/14")));
    assert!(video.vfr);
    // 24.64 fps on average snaps to 25.
    assert_eq!(probe.review_rate(), Some(rate("25")));
    // Duration at the review rate, not the 23 packets.
    assert_eq!(video.frame_count, Some(23));
    assert_eq!(probe.expected_frames(), Some(rate("25").frames_in_micros(933_333)));
}

#[test]
fn rotated_phone_clip_displays_portrait() {
    let probe = parsed("rotated_phone.json");
    let video = probe.video.as_ref().unwrap();
    assert_eq!((video.width, video.height), (1280, 720));
    assert_eq!(video.rotation, 90);
    assert_eq!((video.display_width, video.display_height), (720, 1280));
}

#[test]
fn legacy_rotate_tag_is_read_when_there_is_no_display_matrix() {
    let mut json: serde_json::Value = serde_json::from_slice(&fixture("rotated_phone.json")).unwrap();
    json["streams"][0].as_object_mut().unwrap().remove("side_data_list");
    json["streams"][0]["tags"]["rotate"] = "90".into();
    let video = probe::parse(&serde_json::to_vec(&json).unwrap()).unwrap().video.unwrap();
    // Clockwise 90 is counter-clockwise 270: still portrait.
    assert_eq!(video.rotation, 270);
    assert_eq!((video.display_width, video.display_height), (720, 1280));
}

#[test]
fn ten_bit_pq_is_hdr() {
    let video = parsed("hdr_10bit.json").video.unwrap();
    assert_eq!(video.codec, "hevc");
    assert_eq!(video.pix_fmt.as_deref(), Some("yuv420p10le"));
    assert_eq!(video.bit_depth, 10);
    assert_eq!(video.color_transfer.as_deref(), Some("smpte2084"));
    assert_eq!(video.color_primaries.as_deref(), Some("bt2020"));
    assert!(video.hdr);
}

#[test]
fn top_field_first_is_interlaced() {
    let video = parsed("interlaced.json").video.unwrap();
    assert_eq!(video.field_order.as_deref(), Some("tt"));
    assert!(video.interlaced);
    assert_eq!(video.r_frame_rate, Some(rate("25")));
    assert!(!video.vfr);
}

#[test]
fn png_and_jpeg_are_images() {
    for name in ["png.json", "jpeg.json"] {
        let probe = parsed(name);
        assert_eq!(probe.kind, MediaKind::Image, "{name}");
        let video = probe.video.unwrap();
        assert_eq!((video.display_width, video.display_height), (160, 90));
    }
}

#[test]
fn aac_only_is_audio() {
    let probe = parsed("aac_audio.json");
    assert_eq!(probe.kind, MediaKind::Audio);
    assert!(probe.video.is_none());
    assert_eq!(probe.review_rate(), None);
    assert_eq!(probe.audio[0].sample_rate, 48_000);
    assert_eq!(probe.duration_us, Some(1_000_000));
}

fn refusal(json: &[u8]) -> String {
    match probe::parse(json) {
        Err(ProbeError::Refused { reason }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn hls_playlist_is_refused() {
    assert!(refusal(&fixture("hls_playlist.json")).contains("hls"));
}

fn edited(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut json: serde_json::Value = serde_json::from_slice(&fixture(name)).unwrap();
    edit(&mut json);
    serde_json::to_vec(&json).unwrap()
}

#[test]
fn image_sequences_are_refused() {
    let json = edited("jpeg.json", |j| j["streams"][0]["nb_read_packets"] = "24".into());
    assert!(refusal(&json).contains("sequence"));
}

#[test]
fn absurd_dimensions_are_refused() {
    let wide = edited("h264_29.97_tc.json", |j| j["streams"][0]["width"] = 20_000.into());
    assert!(refusal(&wide).contains("larger"));
    let huge = edited("h264_29.97_tc.json", |j| {
        j["streams"][0]["width"] = 12_000.into();
        j["streams"][0]["height"] = 9_000.into();
    });
    assert!(refusal(&huge).contains("megapixels"));
}

#[test]
fn no_decodable_stream_is_refused() {
    let json = edited("h264_29.97_tc.json", |j| {
        j["streams"][0].as_object_mut().unwrap().remove("codec_name");
        j["streams"][1]["nb_read_packets"] = "0".into();
    });
    assert!(refusal(&json).contains("no decodable"));
}

#[test]
fn zero_length_is_refused() {
    let empty = edited("h264_29.97_tc.json", |j| j["format"]["size"] = "0".into());
    assert!(refusal(&empty).contains("empty"));
    let no_frames = edited("h264_29.97_tc.json", |j| {
        j["streams"][0]["nb_read_packets"] = "0".into();
        j["streams"][0]["nb_frames"] = "0".into();
    });
    assert!(refusal(&no_frames).contains("no frames"));
}

#[test]
fn a_cut_short_file_is_refused() {
    let json = edited("h264_29.97_tc.json", |j| j["streams"][0]["nb_read_packets"] = "12".into());
    assert!(refusal(&json).contains("incomplete"));
}

#[test]
fn parse_alone_counts_packets_read_even_with_an_edit_list() {
    // The parser cannot see an edit list; `probe` replaces this count with the shown packets.
    let json = edited("h264_29.97_tc.json", |j| {
        j["streams"][0]["nb_read_packets"] = "154".into();
        j["streams"][0]["nb_frames"] = "154".into();
        j["streams"][0]["duration"] = "5.209000".into();
    });
    assert_eq!(probe::parse(&json).unwrap().video.unwrap().frame_count, Some(154));
}

#[test]
fn shown_packets_are_those_without_the_discard_flag_across_chunks() {
    // ffprobe -show_entries packet=flags -of csv=p=0 on a stream-copy cut (ffmpeg 5.1).
    let output = b"KD\n_D\n_D\nK_\n__\n__\r\nK__\n_D_\n__";
    for split in 0..output.len() {
        let mut counter = probe::ShownCounter::default();
        counter.push(&output[..split]);
        counter.push(&output[split..]);
        assert_eq!(counter.finish(), 5, "split at {split}");
    }
    assert_eq!(probe::ShownCounter::default().finish(), 0);
}

#[test]
fn cover_art_does_not_make_audio_a_video() {
    let json = edited("aac_audio.json", |j| {
        let mut art = serde_json::json!({
            "index": 1, "codec_name": "mjpeg", "codec_type": "video", "width": 600, "height": 600,
            "r_frame_rate": "90000/1", "avg_frame_rate": "0/0", "nb_read_packets": "1",
            "disposition": { "attached_pic": 1 }
        });
        art["tags"] = serde_json::json!({});
        j["streams"].as_array_mut().unwrap().push(art);
    });
    let probe = probe::parse(&json).unwrap();
    assert_eq!(probe.kind, MediaKind::Audio);
    assert!(probe.video.is_none());
}

#[test]
fn garbage_json_is_a_parse_error() {
    assert!(matches!(probe::parse(b"{not json"), Err(ProbeError::Parse(_))));
}
