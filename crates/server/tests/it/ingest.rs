//! A finished upload is ingested: hashed, probed, proxied, verified, given a poster and a
//! waveform; its stills are exact frames; its media is served by signed URL with Range; bad
//! files end as failed versions with a reason.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;

use crate::kit::{Api, TestServer, settled, upload};

/// A PNG whose header claims 30000×30000 pixels (a decompression bomb's first bytes).
fn huge_png_header() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(png: &mut Vec<u8>, kind_and_data: &[u8]) {
        png.extend_from_slice(&((kind_and_data.len() - 4) as u32).to_be_bytes());
        png.extend_from_slice(kind_and_data);
        png.extend_from_slice(&crc32(kind_and_data).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, &ihdr);
    // A little image data that cannot fill the claimed size, then the end.
    chunk(&mut png, b"IDAT\x78\x9c\x63\x00\x00\x00\x01\x00\x01");
    chunk(&mut png, b"IEND");
    png
}

fn clip(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("clip.mov");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=30000/1001",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
        ])
        .args(["-t", "2", "-c:v", "libx264", "-bf", "3", "-c:a", "aac", "-timecode", "01:00:00;00", "-shortest"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

async fn owner_with_project(srv: &TestServer) -> (Api, Value) {
    let (owner, ws) = srv.owner().await;
    let token = owner.post_ok("/api/v1/account/tokens", json!({"name": "t"}), StatusCode::CREATED).await;
    let api = Api::token(&srv.url, token["token"].as_str().unwrap());
    let project = api.create_project(ws["id"].as_str().unwrap(), "Ingest").await;
    (api, project)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_upload_becomes_a_verified_playable_version() {
    let srv = TestServer::start().await;
    let (api, project) = owner_with_project(&srv).await;
    let bytes = clip(srv.data_dir());
    let source_sha = hex::encode(sha2::Sha256::digest(&bytes));
    let version = upload(&api, project["root_folder_id"].as_str().unwrap(), "clip.mov", bytes).await;
    let v = settled(&api, &version).await;
    assert_eq!(v["processing_state"], "ready", "{v}");
    assert_eq!(v["kind"], "video");
    assert_eq!(v["sha256"].as_str(), Some(source_sha.as_str()));
    assert_eq!(v["frame_rate"], json!({"num": 30000, "den": 1001}));
    assert_eq!(v["frame_count"], 60);
    assert_eq!(v["start_timecode"], "01:00:00;00");
    assert_eq!((v["width"].as_i64(), v["height"].as_i64()), (Some(320), Some(180)));
    assert_eq!(v["progress"], 100);
    let names: Vec<&str> = v["renditions"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    for expected in ["proxy_540p", "poster", "waveform", "sprite_000", "sprite_index"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    // The sprite index maps every tile to its frame.
    let index = v["renditions"].as_array().unwrap().iter().find(|r| r["name"] == "sprite_index").unwrap();
    let index: Value =
        reqwest::get(format!("{}{}", srv.url, index["url"].as_str().unwrap())).await.unwrap().json().await.unwrap();
    let every = index["every"].as_u64().unwrap();
    let tiles = index["tiles"].as_array().unwrap();
    assert_eq!(tiles.len() as u64, 60_u64.div_ceil(every));
    assert!(tiles.iter().enumerate().all(|(i, t)| t["frame"].as_u64() == Some(i as u64 * every)));
    let proxy = v["renditions"].as_array().unwrap().iter().find(|r| r["name"] == "proxy_540p").unwrap();
    assert_eq!(
        (proxy["width"].as_i64(), proxy["height"].as_i64(), proxy["frame_count"].as_i64()),
        (Some(320), Some(180), Some(60)),
        "never upscaled"
    );

    // Listings summarise the current version, with a poster to show.
    let listed = api.get_ok(&format!("/api/v1/folders/{}/assets", project["root_folder_id"].as_str().unwrap())).await;
    let current = &listed["items"][0]["current_version"];
    assert_eq!((current["number"].as_i64(), current["processing_state"].as_str()), (Some(1), Some("ready")));
    let poster = reqwest::get(format!("{}{}", srv.url, current["poster_url"].as_str().unwrap())).await.unwrap();
    assert_eq!(poster.headers()["content-type"], "image/jpeg");

    // The proxy by signed URL, with Range.
    let url = format!("{}{}", srv.url, proxy["url"].as_str().unwrap());
    let c = reqwest::Client::new();
    let r = c.get(&url).header("range", "bytes=0-99").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert!(r.headers()["cache-control"].to_str().unwrap().starts_with("private, max-age="));
    assert_eq!(r.bytes().await.unwrap().len(), 100);
    let tampered = url.replace("proxy_540p.mp4", "poster.jpg");
    let r = c.get(&tampered).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // After its lifetime the URL stops working.
    srv.clock.advance_ms(301_000);
    assert_eq!(c.get(&url).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // Stills: exact frames as JPEG (cached, and counted as derived storage); past the end is a
    // clear 404.
    let ws_path = format!("/api/v1/workspaces/{}", project["workspace_id"].as_str().unwrap());
    let derived_before = api.get_ok(&ws_path).await["storage"]["derived_bytes"].as_i64().unwrap();
    let renditions: i64 = v["renditions"].as_array().unwrap().iter().map(|r| r["size_bytes"].as_i64().unwrap()).sum();
    assert_eq!(derived_before, renditions, "derived storage is the renditions' bytes");
    let r = api.request(Method::GET, &format!("/api/v1/versions/{version}/frames/59.jpg")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let still = r.bytes().await.unwrap();
    assert!(still.starts_with(&[0xFF, 0xD8]));
    let derived_after = api.get_ok(&ws_path).await["storage"]["derived_bytes"].as_i64().unwrap();
    assert_eq!(derived_after, derived_before + still.len() as i64);
    let (s, b) = api.get(&format!("/api/v1/versions/{version}/frames/60.jpg")).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("frame-out-of-range")));
    let (s, b) = api.get(&format!("/api/v1/versions/{version}/frames/x.jpg")).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-frame")));

    // Storage counts the original and the derived media.
    let ws = api.get_ok(&format!("/api/v1/workspaces/{}", project["workspace_id"].as_str().unwrap())).await;
    assert!(ws["storage"]["derived_bytes"].as_i64().unwrap() > 0);
}

/// Frames a decoder presents (`ffprobe -count_frames`: decodes every frame, edit lists applied).
fn decoded_frames(file: &std::path::Path) -> u64 {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames"])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_copy_cut_with_hidden_preroll_becomes_ready_with_the_frames_it_shows() {
    let srv = TestServer::start().await;
    let (api, project) = owner_with_project(&srv).await;
    let long = srv.data_dir().join("long.mp4");
    let cut = srv.data_dir().join("cut.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=24000/1001", "-t", "9"])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "48", "-pix_fmt", "yuv420p"])
        .arg(&long)
        .status()
        .unwrap();
    assert!(made.success());
    // The command from the report: the cut's edit list hides the pre-roll before 3.3 s.
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-ss", "3.3", "-i"])
        .arg(&long)
        .args(["-t", "5", "-c", "copy"])
        .arg(&cut)
        .status()
        .unwrap();
    assert!(made.success());
    let shown = decoded_frames(&cut);

    let version =
        upload(&api, project["root_folder_id"].as_str().unwrap(), "cut.mp4", std::fs::read(&cut).unwrap()).await;
    let v = settled(&api, &version).await;
    assert_eq!(v["processing_state"], "ready", "{v}");
    assert_eq!(v["frame_count"].as_u64(), Some(shown));
    let proxy = v["renditions"].as_array().unwrap().iter().find(|r| r["name"] == "proxy_540p").unwrap();
    assert_eq!(proxy["frame_count"].as_u64(), Some(shown));
    let last = format!("/api/v1/versions/{version}/frames/{}.jpg", shown - 1);
    assert_eq!(api.request(Method::GET, &last).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_end_as_failed_versions_with_a_reason() {
    let srv = TestServer::start().await;
    let (api, project) = owner_with_project(&srv).await;
    let folder = project["root_folder_id"].as_str().unwrap().to_owned();
    let good = clip(srv.data_dir());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.mp4", Vec::new(), "empty"),
        ("random.mp4", (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(), "not a video"),
        ("truncated.mov", good[..good.len() / 3].to_vec(), ""),
        ("huge.png", huge_png_header(), "refused"),
        (
            "playlist.m3u8",
            b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://169.254.169.254/latest\n#EXT-X-ENDLIST\n".to_vec(),
            "refused",
        ),
    ];
    for (name, bytes, words) in cases {
        let version = upload(&api, &folder, name, bytes).await;
        let v = settled(&api, &version).await;
        assert_eq!(v["processing_state"], "failed", "{name}: {v}");
        let reason = v["failure_reason"].as_str().unwrap_or_default().to_lowercase();
        assert!(!reason.is_empty() && reason.contains(words), "{name}: {reason}");
    }
}

/// A small valid PDF with `pages` pages, each saying its number.
fn pdf(pages: usize) -> Vec<u8> {
    let mut objects: Vec<String> = vec![
        String::from("<< /Type /Catalog /Pages 2 0 R >>"),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect::<Vec<_>>().join(" ")
        ),
        String::from("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
    ];
    for i in 0..pages {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        let text = format!("BT /F1 36 Tf 40 90 Td (Page {}) Tj ET", i + 1);
        objects.push(format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()));
    }
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for off in offsets {
        out.push_str(&format!("{off:010} 00000 n \n"));
    }
    out.push_str(&format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1));
    out.into_bytes()
}

fn generated(dir: &std::path::Path, name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    let status =
        std::process::Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).arg(&out).status().unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_audio_and_pdfs_get_their_previews() {
    let srv = TestServer::start().await;
    let (api, project) = owner_with_project(&srv).await;
    let folder = project["root_folder_id"].as_str().unwrap().to_owned();
    let dir = srv.data_dir().to_path_buf();

    let png = generated(&dir, "still.png", &["-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1"]);
    let v = settled(&api, &upload(&api, &folder, "banner.png", png).await).await;
    assert_eq!((v["processing_state"].as_str(), v["kind"].as_str()), (Some("ready"), Some("image")), "{v}");
    assert!(v["renditions"].as_array().unwrap().iter().any(|r| r["name"] == "preview"));
    // …and a poster for the project grid's tile, as videos have.
    assert!(v["renditions"].as_array().unwrap().iter().any(|r| r["name"] == "poster"), "{v}");
    let listed = api.get_ok(&format!("/api/v1/assets/{}", v["asset_id"].as_str().unwrap())).await;
    assert!(listed["current_version"]["poster_url"].as_str().is_some_and(|u| u.contains("poster.jpg")), "{listed}");

    // A phone photo (HEIC), made at test time with libheif's encoder.
    let png_path = dir.join("still.png");
    let heic_path = dir.join("photo.heic");
    let ok = std::process::Command::new("heif-enc").arg("-o").arg(&heic_path).arg(&png_path).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let v = settled(&api, &upload(&api, &folder, "IMG_0042.HEIC", std::fs::read(&heic_path).unwrap()).await).await;
    assert_eq!((v["processing_state"].as_str(), v["kind"].as_str()), (Some("ready"), Some("image")), "{v}");
    assert_eq!((v["width"].as_i64(), v["height"].as_i64()), (Some(640), Some(360)));
    assert!(v["renditions"].as_array().unwrap().iter().any(|r| r["name"] == "preview"));

    let wav = generated(&dir, "tone.wav", &["-f", "lavfi", "-i", "sine=frequency=330:duration=2"]);
    let v = settled(&api, &upload(&api, &folder, "voice-over.wav", wav).await).await;
    assert_eq!((v["processing_state"].as_str(), v["kind"].as_str()), (Some("ready"), Some("audio")), "{v}");
    let names: Vec<&str> = v["renditions"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"proxy_audio") && names.contains(&"waveform"), "{names:?}");
    let waveform = v["renditions"].as_array().unwrap().iter().find(|r| r["name"] == "waveform").unwrap();
    let peaks: Value =
        reqwest::get(format!("{}{}", srv.url, waveform["url"].as_str().unwrap())).await.unwrap().json().await.unwrap();
    assert!(peaks["peaks"].as_array().unwrap().iter().any(|p| p[1].as_f64().unwrap() > 0.1), "a tone has peaks");

    let v = settled(&api, &upload(&api, &folder, "storyboard.pdf", pdf(3)).await).await;
    assert_eq!(
        (v["processing_state"].as_str(), v["kind"].as_str(), v["page_count"].as_i64()),
        (Some("ready"), Some("pdf"), Some(3)),
        "{v}"
    );
    let pages: Vec<&str> = v["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str().filter(|n| n.starts_with("page_")))
        .collect();
    assert_eq!(pages, ["page_001", "page_002", "page_003"]);
}

/// A one-second 25 fps clip of one colour: every frame, and so every still, is the same.
fn flat_clip(dir: &std::path::Path) -> Vec<u8> {
    generated(
        dir,
        "flat.mp4",
        &["-f", "lavfi", "-i", "color=c=teal:size=160x90:rate=25", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
    )
}

/// A server with one ready flat clip: (server, api, version id, workspace path).
async fn with_flat_clip(
    tune: impl FnOnce(&mut frameproof_server::config::Config),
) -> (TestServer, Api, String, String) {
    let srv = TestServer::start_with(tune).await;
    let (api, project) = owner_with_project(&srv).await;
    let version =
        upload(&api, project["root_folder_id"].as_str().unwrap(), "flat.mp4", flat_clip(srv.data_dir())).await;
    assert_eq!(settled(&api, &version).await["processing_state"], "ready");
    let ws = format!("/api/v1/workspaces/{}", project["workspace_id"].as_str().unwrap());
    (srv, api, version, ws)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_stills_stay_under_their_cap_least_recently_used_out_first() {
    // How big one still is (all are the same size here).
    let (srv, api, version, _) = with_flat_clip(|_| {}).await;
    let still = |api: Api, version: String, n: u64| async move {
        let r = api.request(Method::GET, &format!("/api/v1/versions/{version}/frames/{n}.jpg")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.bytes().await.unwrap().to_vec()
    };
    let size = still(api.clone(), version.clone(), 0).await.len() as i64;
    drop(srv);

    // Room for three and a half.
    let (srv, api, version, ws) = with_flat_clip(|c| c.media.still_cache_bytes = size * 7 / 2).await;
    let derived =
        |api: Api, ws: String| async move { api.get_ok(&ws).await["storage"]["derived_bytes"].as_i64().unwrap() };
    let base = derived(api.clone(), ws.clone()).await;
    let dir = srv.data_dir().join(format!("media/derived/{version}"));
    let cached = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("frame_"))
            .collect();
        names.sort();
        names
    };
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(30));
    let first = still(api.clone(), version.clone(), 1).await;
    for n in [0, 2] {
        pause().await;
        still(api.clone(), version.clone(), n).await;
    }
    pause().await;
    // Frame 1 is used again: frame 0 is now the least recently used.
    assert_eq!(still(api.clone(), version.clone(), 1).await, first);
    pause().await;
    still(api.clone(), version.clone(), 3).await;
    assert_eq!(cached().len(), 4, "over the cap until the eviction runs");
    frameproof_server::housekeeping::run_once(&srv.running.as_ref().unwrap().state).await.unwrap();
    assert_eq!(cached(), ["frame_1.jpg", "frame_2.jpg", "frame_3.jpg"], "the least recently used went");
    let on_disk: i64 = cached().iter().map(|n| std::fs::metadata(dir.join(n)).unwrap().len() as i64).sum();
    assert!(on_disk <= size * 7 / 2);
    assert_eq!(derived(api.clone(), ws.clone()).await, base + on_disk, "derived storage is what is cached");
    // An evicted still is made again, the same frame.
    let again = still(api.clone(), version.clone(), 0).await;
    assert_eq!(again.len() as i64, size);
    assert!(again.starts_with(&[0xFF, 0xD8]));
}
