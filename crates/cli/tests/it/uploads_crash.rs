//! SIGKILL during an upload and during a transcode: after a restart the upload resumes from
//! its last durable offset and the transcode completes, with correct results and no doubled
//! effects.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::Digest;

use crate::kit::{Served, client, project_root, provision};

fn h(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn create_upload(c: &reqwest::Client, url: &str, folder: &str, name: &str, length: usize) -> String {
    let meta = format!("filename {},folder_id {}", STANDARD.encode(name), STANDARD.encode(folder));
    let r = c
        .post(format!("{url}/api/v1/uploads"))
        .header("tus-resumable", "1.0.0")
        .header("upload-length", length.to_string())
        .header("upload-metadata", meta)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    h(&r, "location")
}

async fn patch(
    c: &reqwest::Client,
    url: &str,
    location: &str,
    offset: usize,
    body: reqwest::Body,
) -> reqwest::Result<reqwest::Response> {
    c.patch(format!("{url}{location}"))
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", offset.to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(body)
        .send()
        .await
}

async fn offset(c: &reqwest::Client, url: &str, location: &str) -> usize {
    let r = c.head(format!("{url}{location}")).header("tus-resumable", "1.0.0").send().await.unwrap();
    assert_eq!(r.status(), 200);
    h(&r, "upload-offset").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_killed_mid_body_resumes_from_its_durable_offset() {
    let dir = tempfile::tempdir().unwrap();
    let token = provision(dir.path());
    let c = client(&token);
    let data: Vec<u8> = (0..24 * 1024 * 1024_u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    let srv = Served::start(dir.path(), &[]);
    let (_, root) = project_root(&c, &srv.url).await;
    let location = create_upload(&c, &srv.url, &root, "card.bin", data.len()).await;
    let first = 8 * 1024 * 1024;
    let r = patch(&c, &srv.url, &location, 0, reqwest::Body::from(data[..first].to_vec())).await.unwrap();
    assert_eq!(r.status(), 204);

    // A second PATCH sends 4 MiB and then stalls; the server is killed while it waits.
    let chunk = data[first..first + 4 * 1024 * 1024].to_vec();
    let stalled = futures::stream::once(async move { Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)) })
        .chain(futures::stream::pending());
    let url = srv.url.clone();
    let loc = location.clone();
    let c2 = c.clone();
    let hanging = tokio::spawn(async move { patch(&c2, &url, &loc, first, reqwest::Body::wrap_stream(stalled)).await });
    tokio::time::sleep(Duration::from_millis(800)).await;
    srv.kill9();
    let _ = hanging.await;

    let srv = Served::start(dir.path(), &[]);
    let durable = offset(&c, &srv.url, &location).await;
    assert!(
        durable == first || durable == first + 4 * 1024 * 1024,
        "resumes at an acknowledged boundary, got {durable}"
    );
    // The killed request's write lease runs out within seconds; until then a resume is told to
    // retry (423), as tus clients do. The 423 may come before the client has written the whole
    // body, and then the client sees the connection closed instead: it retries too.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let r = loop {
        let sent = patch(&c, &srv.url, &location, durable, reqwest::Body::from(data[durable..].to_vec())).await;
        let retry = match &sent {
            Ok(r) => r.status() == 423,
            Err(e) => e.is_request() || e.is_body(),
        };
        if !retry || tokio::time::Instant::now() > deadline {
            break sent.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(r.status(), 204);
    let version = h(&r, "frameproof-version-id");
    let stored = std::fs::read(dir.path().join(format!("media/originals/{version}"))).unwrap();
    assert_eq!(
        sha2::Sha256::digest(&stored),
        sha2::Sha256::digest(&data),
        "the stored file is the source, byte for byte"
    );
}

use futures::StreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transcode_killed_mid_way_completes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let token = provision(dir.path());
    let c = client(&token);
    let clip = dir.path().join("clip.mp4");
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "8",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(&clip).unwrap();
    let lease = [("FRAMEPROOF__MEDIA__JOB_LEASE_SECS", "3")];
    let srv = Served::start_with_env(dir.path(), &[], &lease);
    let (_, root) = project_root(&c, &srv.url).await;
    let location = create_upload(&c, &srv.url, &root, "clip.mp4", bytes.len()).await;
    let r = patch(&c, &srv.url, &location, 0, reqwest::Body::from(bytes)).await.unwrap();
    let version = h(&r, "frameproof-version-id");
    // Kill once the transcode is under way.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let v: Value =
            c.get(format!("{}/api/v1/versions/{version}", srv.url)).send().await.unwrap().json().await.unwrap();
        if v["progress"].as_i64().unwrap_or(0) >= 5 {
            assert_ne!(v["processing_state"], "ready", "killed too late to test anything");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    srv.kill9();

    let srv = Served::start_with_env(dir.path(), &[], &lease);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let v = loop {
        let v: Value =
            c.get(format!("{}/api/v1/versions/{version}", srv.url)).send().await.unwrap().json().await.unwrap();
        if v["processing_state"] == "ready" || v["processing_state"] == "failed" {
            break v;
        }
        assert!(tokio::time::Instant::now() < deadline, "not finished after restart: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(v["processing_state"], "ready", "{v}");
    assert_eq!(v["frame_count"], 200);
    let proxy = v["renditions"].as_array().unwrap().iter().find(|r| r["name"] == "proxy_540p").unwrap();
    assert_eq!(
        (proxy["width"].as_i64(), proxy["height"].as_i64(), proxy["frame_count"].as_i64()),
        (Some(960), Some(540), Some(200))
    );
    // Nothing counted twice: derived storage equals the renditions' sizes.
    let sizes: i64 = v["renditions"].as_array().unwrap().iter().map(|r| r["size_bytes"].as_i64().unwrap()).sum();
    let ws: Value = c.get(format!("{}/api/v1/workspaces", srv.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(ws["items"][0]["storage"]["derived_bytes"].as_i64(), Some(sizes));
    // And each state was announced once.
    let mut events = c
        .get(format!("{}/api/v1/events?asset={}&last_event_id=0", srv.url, v["asset_id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    let mut body = String::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_millis(1500), events.chunk()).await {
        body.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(body.matches("event: version.ready").count(), 1, "{body}");
    assert_eq!(body.matches("event: version.playable").count(), 1, "{body}");
}
