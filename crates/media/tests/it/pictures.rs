//! Posters, sprite sheets and waveforms from real proxies.

use frameproof_domain::FrameRate;
use frameproof_media::stills::{self, SPRITE_GRID};
use frameproof_media::{poster, sprite_layout, waveform};

use crate::kit::{BARCODE_H, BARCODE_W, barcode_clip, decode_barcode_at, ffmpeg, gray_pixels, path_str, tools};

#[tokio::test]
async fn sprite_tiles_show_exactly_the_frames_the_layout_names() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    // 3 s at 25 fps = 75 frames, a tile every 7: 11 tiles on one sheet.
    let proxy = barcode_clip(&tools, dir.path(), "proxy.mp4", "25", "3", &["-g", "50"]).await;
    let layout = sprite_layout(75, 7, BARCODE_W as u32, BARCODE_H as u32);
    assert_eq!((layout.tile_width, layout.tile_height, layout.sheets), (160, 90, 1));
    assert_eq!(layout.tiles.len(), 11);

    let pattern = dir.path().join("sprite_%03d.jpg");
    stills::sprite(&tools, &proxy, &pattern, &layout).await.unwrap();
    let sheet = dir.path().join("sprite_000.jpg");
    let gray = gray_pixels(&tools, &sheet).await;
    let sheet_width = (layout.tile_width * SPRITE_GRID) as usize;
    assert_eq!(gray.len(), sheet_width * (layout.tile_height * SPRITE_GRID) as usize);
    for &(tile, frame) in &layout.tiles {
        let (sheet_no, col, row) = layout.locate(tile);
        assert_eq!(sheet_no, 0);
        let (x0, y0) = ((col * layout.tile_width) as usize, (row * layout.tile_height) as usize);
        assert_eq!(decode_barcode_at(&gray, sheet_width, x0, y0), frame, "tile {tile}");
    }
    assert!(!dir.path().join("sprite_001.jpg").exists());
}

#[tokio::test]
async fn poster_is_the_frame_ten_percent_in_and_can_be_scaled_down() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let proxy = barcode_clip(&tools, dir.path(), "proxy.mp4", "25", "2", &[]).await;
    let out = dir.path().join("poster.jpg");
    let n = poster(&tools, &proxy, FrameRate { num: 25, den: 1 }, 50, &out, None).await.unwrap();
    assert_eq!(n, 5);
    assert_eq!(crate::kit::read_barcodes(&tools, &out).await, vec![5]);

    let small = dir.path().join("small.jpg");
    stills::extract_frame(&tools, &proxy, FrameRate { num: 25, den: 1 }, 5, &small, Some(80)).await.unwrap();
    assert_eq!(gray_pixels(&tools, &small).await.len(), 80 * 46);
}

#[tokio::test]
async fn waveform_finds_silence_then_sound() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("tone.m4a");
    ffmpeg(
        &tools,
        &[
            "-f",
            "lavfi",
            "-i",
            "aevalsrc='if(lt(t,1),0,0.5*sin(2*PI*440*t))':s=48000:d=2",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            path_str(&audio),
        ],
    )
    .await;
    let peaks = waveform(&tools, &audio, 20).await.unwrap();
    assert_eq!(peaks.len(), 20);
    // Leave a bucket either side of the step for codec delay and resampler ringing.
    for (i, &(min, max)) in peaks.iter().enumerate() {
        if i < 9 {
            assert!(max < 0.02 && min > -0.02, "bucket {i} should be silent: {peaks:?}");
        } else if i > 10 {
            assert!((0.4..0.6).contains(&max) && (-0.6..-0.4).contains(&min), "bucket {i}: {peaks:?}");
        }
    }
}

#[tokio::test]
async fn waveform_of_a_silent_video_fails_clearly() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let video = barcode_clip(&tools, dir.path(), "mute.mp4", "25", "0.4", &[]).await;
    let error = waveform(&tools, &video, 10).await.unwrap_err();
    let text = format!("{error}: {}", std::error::Error::source(&error).unwrap());
    assert!(text.contains("matches no streams"), "{text}");
}

#[tokio::test]
async fn image_preview_fits_the_box_without_enlarging() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let tall = dir.path().join("tall.png");
    ffmpeg(&tools, &["-f", "lavfi", "-i", "testsrc2=size=90x300", "-frames:v", "1", path_str(&tall)]).await;
    let out = dir.path().join("preview.jpg");
    frameproof_media::image_preview(&tools, &tall, &out, 150).await.unwrap();
    assert_eq!(gray_pixels(&tools, &out).await.len(), 45 * 150);
    frameproof_media::image_preview(&tools, &tall, &out, 1000).await.unwrap();
    assert_eq!(gray_pixels(&tools, &out).await.len(), 90 * 300);
}

#[tokio::test]
async fn audio_proxy_is_aac_in_mp4_and_reports_progress() {
    let tools = tools();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    ffmpeg(&tools, &["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2", path_str(&wav)]).await;
    let out = dir.path().join("proxy.m4a");
    let mut percents = Vec::new();
    frameproof_media::audio_proxy(&tools, &wav, &out, 2_000_000, |p| percents.push(p)).await.unwrap();
    assert_eq!(percents.last(), Some(&100));
    let probed = frameproof_media::probe(&tools, &out).await.unwrap();
    assert_eq!(probed.kind, frameproof_media::MediaKind::Audio);
    assert_eq!(probed.audio[0].codec, "aac");
}
