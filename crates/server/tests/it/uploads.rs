//! tus 1.0.0 uploads: protocol answers, resumption, checksums, quota, and the version an
//! upload becomes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;

use crate::kit::{Api, TestServer};

fn meta(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k} {}", STANDARD.encode(v))).collect::<Vec<_>>().join(",")
}

struct Tus<'a> {
    api: &'a Api,
}

impl Tus<'_> {
    async fn create(&self, length: usize, metadata: &str) -> reqwest::Response {
        self.api
            .request(Method::POST, "/api/v1/uploads")
            .header("tus-resumable", "1.0.0")
            .header("upload-length", length.to_string())
            .header("upload-metadata", metadata)
            .send()
            .await
            .unwrap()
    }

    async fn patch(&self, location: &str, offset: usize, body: Vec<u8>, checksum: Option<String>) -> reqwest::Response {
        let mut r = self
            .api
            .request(Method::PATCH, location)
            .header("tus-resumable", "1.0.0")
            .header("upload-offset", offset.to_string())
            .header("content-type", "application/offset+octet-stream")
            .body(body);
        if let Some(c) = checksum {
            r = r.header("upload-checksum", c);
        }
        r.send().await.unwrap()
    }

    async fn head(&self, location: &str) -> reqwest::Response {
        self.api.request(Method::HEAD, location).header("tus-resumable", "1.0.0").send().await.unwrap()
    }
}

fn h(r: &reqwest::Response, name: &str) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn setup() -> (TestServer, Api, Value, Value) {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let token = owner.post_ok("/api/v1/account/tokens", json!({"name": "uploader"}), StatusCode::CREATED).await;
    let script = Api::token(&srv.url, token["token"].as_str().unwrap());
    let project = script.create_project(ws["id"].as_str().unwrap(), "Uploads").await;
    (srv, script, ws, project)
}

fn file_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test]
async fn options_advertise_exactly_what_is_implemented() {
    let srv = TestServer::start().await;
    for path in ["/api/v1/uploads", "/api/v1/uploads/"] {
        let r = reqwest::Client::new().request(Method::OPTIONS, format!("{}{path}", srv.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "{path}");
        assert_eq!(h(&r, "tus-version"), "1.0.0");
        assert_eq!(h(&r, "tus-extension"), "creation,creation-with-upload,termination,expiration,checksum");
        assert_eq!(h(&r, "tus-checksum-algorithm"), "sha1,sha256");
        assert_eq!(h(&r, "tus-max-size"), (256_i64 * 1024 * 1024 * 1024).to_string());
    }
}

#[tokio::test]
async fn an_upload_in_pieces_resumes_at_the_durable_offset_and_becomes_v1() {
    let (srv, script, _, project) = setup().await;
    let tus = Tus { api: &script };
    let data = file_bytes(300_000);
    let r = tus
        .create(
            data.len(),
            &meta(&[
                ("filename", "Hero 30s.mov"),
                ("filetype", "video/quicktime"),
                ("folder_id", project["root_folder_id"].as_str().unwrap()),
            ]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(h(&r, "tus-resumable"), "1.0.0");
    assert_eq!(h(&r, "upload-offset"), "0");
    assert!(!h(&r, "upload-expires").is_empty());
    let location = h(&r, "location");
    assert!(location.starts_with("/api/v1/uploads/"), "{location}");

    let r = tus.patch(&location, 0, data[..100_000].to_vec(), None).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(h(&r, "upload-offset"), "100000");
    let r = tus.head(&location).await;
    assert_eq!(
        (r.status(), h(&r, "upload-offset"), h(&r, "upload-length")),
        (StatusCode::OK, "100000".into(), "300000".into())
    );
    assert_eq!(h(&r, "cache-control"), "no-store");
    // A stale offset is refused and changes nothing.
    let r = tus.patch(&location, 0, data[..10].to_vec(), None).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "offset-mismatch");
    // A wrong checksum stores nothing; the right one is accepted.
    let chunk = data[100_000..200_000].to_vec();
    let bad = format!("sha256 {}", STANDARD.encode(sha2::Sha256::digest(b"something else")));
    let r = tus.patch(&location, 100_000, chunk.clone(), Some(bad)).await;
    assert_eq!(r.status().as_u16(), 460);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "checksum-mismatch");
    assert_eq!(h(&tus.head(&location).await, "upload-offset"), "100000");
    let good = format!("sha1 {}", STANDARD.encode(sha1::Sha1::digest(&chunk)));
    let r = tus.patch(&location, 100_000, chunk, Some(good)).await;
    assert_eq!((r.status(), h(&r, "upload-offset")), (StatusCode::NO_CONTENT, "200000".into()));
    assert!(h(&r, "frameproof-version-id").is_empty(), "not finished yet");
    // More than Upload-Length is refused; what fit is kept.
    let mut too_much = data[200_000..].to_vec();
    too_much.extend_from_slice(b"extra");
    let r = tus.patch(&location, 200_000, too_much, None).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "upload-too-long");
    let r = tus.head(&location).await;
    assert_eq!(h(&r, "upload-offset"), "300000");
    let version_id = h(&r, "frameproof-version-id");
    assert!(!version_id.is_empty(), "the upload finished and became a version");

    // The version: v1, current, of a new asset named after the file.
    let v = script.get_ok(&format!("/api/v1/versions/{version_id}")).await;
    assert_eq!(
        (v["number"].as_i64(), v["filename"].as_str(), v["size_bytes"].as_i64()),
        (Some(1), Some("Hero 30s.mov"), Some(300_000))
    );
    assert_eq!(v["current"], true);
    let asset = script.get_ok(&format!("/api/v1/assets/{}", v["asset_id"].as_str().unwrap())).await;
    assert_eq!((asset["name"].as_str(), asset["version_count"].as_i64()), (Some("Hero 30s"), Some(1)));
    assert_eq!(asset["current_version_id"].as_str(), Some(version_id.as_str()));
    let stored = std::fs::read(srv.data_dir().join(format!("media/originals/{version_id}"))).unwrap();
    assert_eq!(sha2::Sha256::digest(&stored), sha2::Sha256::digest(&data), "the stored bytes are the file's");
    let ws = script.get_ok(&format!("/api/v1/workspaces/{}", project["workspace_id"].as_str().unwrap())).await;
    assert_eq!(ws["storage"]["originals_bytes"], 300_000);

    // A second upload onto the asset is v2 and becomes current.
    let r = tus.create(5, &meta(&[("filename", "Hero 30s v2.mov"), ("asset_id", asset["id"].as_str().unwrap())])).await;
    let r = tus.patch(&h(&r, "location"), 0, b"hello".to_vec(), None).await;
    let v2 = h(&r, "frameproof-version-id");
    let versions = script.get_ok(&format!("/api/v1/assets/{}/versions", asset["id"].as_str().unwrap())).await;
    let numbers: Vec<i64> =
        versions["items"].as_array().unwrap().iter().map(|v| v["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [2, 1]);
    assert_eq!(versions["items"][0]["id"].as_str(), Some(v2.as_str()));
    assert_eq!(versions["items"][0]["current"], true);
    assert_eq!(versions["items"][1]["current"], false);
}

#[tokio::test]
async fn creation_with_upload_and_termination() {
    let (srv, script, _, project) = setup().await;
    let body = b"tiny file".to_vec();
    let r = script
        .request(Method::POST, "/api/v1/uploads/")
        .header("tus-resumable", "1.0.0")
        .header("upload-length", body.len().to_string())
        .header(
            "upload-metadata",
            meta(&[("filename", "note.txt"), ("folder_id", project["root_folder_id"].as_str().unwrap())]),
        )
        .header("content-type", "application/offset+octet-stream")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(h(&r, "upload-offset"), body.len().to_string());
    assert!(!h(&r, "frameproof-version-id").is_empty());

    let tus = Tus { api: &script };
    let r = tus
        .create(
            1000,
            &meta(&[("filename", "abandoned.mov"), ("folder_id", project["root_folder_id"].as_str().unwrap())]),
        )
        .await;
    let location = h(&r, "location");
    tus.patch(&location, 0, vec![1; 100], None).await;
    let staging = srv.data_dir().join(format!("media/staging/{}", location.rsplit('/').next().unwrap()));
    assert!(staging.exists());
    let r = script.request(Method::DELETE, &location).header("tus-resumable", "1.0.0").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(tus.head(&location).await.status(), StatusCode::NOT_FOUND);
    assert!(!staging.exists(), "termination deletes the bytes");
}

#[tokio::test]
async fn protocol_errors_are_clear() {
    let (srv, script, ws, project) = setup().await;
    let folder = project["root_folder_id"].as_str().unwrap();
    let tus = Tus { api: &script };
    // No Tus-Resumable: 412 naming the version.
    let r = script.request(Method::POST, "/api/v1/uploads").header("upload-length", "5").send().await.unwrap();
    assert_eq!((r.status(), h(&r, "tus-version")), (StatusCode::PRECONDITION_FAILED, "1.0.0".into()));
    // Missing or bad metadata and lengths.
    for (length, metadata, code) in [
        ("5", meta(&[("folder_id", folder)]), "invalid-upload-metadata"),
        ("5", meta(&[("filename", "a.mov")]), "invalid-upload-metadata"),
        ("5", "filename ***".to_owned(), "invalid-upload-metadata"),
        ("-1", meta(&[("filename", "a.mov"), ("folder_id", folder)]), "invalid-upload-length"),
        ("lots", meta(&[("filename", "a.mov"), ("folder_id", folder)]), "invalid-upload-length"),
    ] {
        let r = script
            .request(Method::POST, "/api/v1/uploads")
            .header("tus-resumable", "1.0.0")
            .header("upload-length", length)
            .header("upload-metadata", metadata.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{length} {metadata}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], code, "{length} {metadata}");
    }
    let r = tus.create(10, &meta(&[("filename", "a.mov"), ("folder_id", folder)])).await;
    let location = h(&r, "location");
    let r = script
        .request(Method::PATCH, &location)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = tus.patch(&location, 0, b"abc".to_vec(), Some("md5 AAAA".into())).await;
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "unsupported-checksum-algorithm");
    let _ = (srv, ws);
}

#[tokio::test]
async fn quota_refuses_an_upload_before_any_byte_is_stored() {
    let (srv, script, ws, project) = setup().await;
    let ws_id = ws["id"].as_str().unwrap();
    script.patch(&format!("/api/v1/workspaces/{ws_id}"), json!({"quota_bytes": 1000})).await;
    let tus = Tus { api: &script };
    let folder = project["root_folder_id"].as_str().unwrap();
    let r = tus.create(1001, &meta(&[("filename", "big.mov"), ("folder_id", folder)])).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(h(&r, "tus-resumable"), "1.0.0");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "quota-exceeded");
    assert!(body["message"].as_str().unwrap().contains("quota"));
    let staging = srv.data_dir().join("media/staging");
    assert!(!staging.exists() || std::fs::read_dir(&staging).unwrap().next().is_none(), "nothing was stored");
    // Unfinished uploads reserve their length: two 600-byte uploads do not both fit in 1000.
    assert_eq!(
        tus.create(600, &meta(&[("filename", "a.mov"), ("folder_id", folder)])).await.status(),
        StatusCode::CREATED
    );
    let r = tus.create(600, &meta(&[("filename", "b.mov"), ("folder_id", folder)])).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn uploads_belong_to_their_uploader_and_expire() {
    let (srv, script, ws, project) = setup().await;
    let tus = Tus { api: &script };
    let r = tus
        .create(10, &meta(&[("filename", "a.mov"), ("folder_id", project["root_folder_id"].as_str().unwrap())]))
        .await;
    let location = h(&r, "location");
    let browser = Api::browser(&srv.url);
    browser
        .post_ok(
            "/api/v1/auth/login",
            json!({"email": "owner@example.com", "password": crate::kit::PASSWORD}),
            StatusCode::OK,
        )
        .await;
    let member = srv.join(&browser, ws["id"].as_str().unwrap(), "mo@example.com", "member", &[]).await;
    let other = Tus { api: &member };
    assert_eq!(other.head(&location).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(other.patch(&location, 0, b"x".to_vec(), None).await.status(), StatusCode::NOT_FOUND);
    // A reviewer cannot upload at all.
    let p = project["id"].as_str().unwrap();
    let reviewer = srv.join(&browser, ws["id"].as_str().unwrap(), "rita@example.com", "reviewer", &[p]).await;
    let r = Tus { api: &reviewer }
        .create(10, &meta(&[("filename", "a.mov"), ("folder_id", project["root_folder_id"].as_str().unwrap())]))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Past its expiry an unfinished upload is gone, and housekeeping deletes its bytes.
    tus.patch(&location, 0, b"12345".to_vec(), None).await;
    let staging = srv.data_dir().join(format!("media/staging/{}", location.rsplit('/').next().unwrap()));
    assert!(staging.exists());
    srv.clock.advance_ms(8 * 86_400_000);
    let r = tus.head(&location).await;
    assert_eq!(r.status(), StatusCode::GONE);
    let state = &srv.running.as_ref().unwrap().state;
    frameproof_server::housekeeping::run_once(state).await.unwrap();
    assert!(!staging.exists(), "expired upload bytes are collected");
    assert_eq!(tus.head(&location).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn emptying_the_trash_deletes_the_files_and_gives_the_storage_back() {
    let (srv, script, ws, project) = setup().await;
    let tus = Tus { api: &script };
    let r = tus
        .create(5, &meta(&[("filename", "note.txt"), ("folder_id", project["root_folder_id"].as_str().unwrap())]))
        .await;
    let r = tus.patch(&h(&r, "location"), 0, b"hello".to_vec(), None).await;
    let version = h(&r, "frameproof-version-id");
    let v = script.get_ok(&format!("/api/v1/versions/{version}")).await;
    let original = srv.data_dir().join(format!("media/originals/{version}"));
    assert!(original.exists());
    let ws_path = format!("/api/v1/workspaces/{}", ws["id"].as_str().unwrap());
    assert_eq!(script.get_ok(&ws_path).await["storage"]["originals_bytes"], 5);
    script.delete(&format!("/api/v1/assets/{}", v["asset_id"].as_str().unwrap())).await;
    let state = &srv.running.as_ref().unwrap().state;
    frameproof_server::housekeeping::run_once(state).await.unwrap();
    assert!(original.exists(), "restorable for 30 days");
    srv.clock.advance_ms(31 * 86_400_000);
    frameproof_server::housekeeping::run_once(state).await.unwrap();
    assert!(!original.exists(), "gone after the retention");
    assert_eq!(script.get_ok(&ws_path).await["storage"]["originals_bytes"], 0);
}

/// A PATCH whose body arrives through `rx`, as a client on a slow link sends it.
fn streaming_patch(
    api: &Api,
    location: &str,
    offset: usize,
    rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> tokio::task::JoinHandle<(StatusCode, Value)> {
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<_, std::io::Error>(bytes::Bytes::from(chunk)), rx))
    });
    let r = api
        .request(Method::PATCH, location)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", offset.to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(reqwest::Body::wrap_stream(body));
    let api = api.clone();
    tokio::spawn(async move { api.send(r).await })
}

#[tokio::test]
async fn a_writer_that_loses_its_lease_stops_before_another_can_interleave() {
    let (srv, script, _, project) = setup().await;
    let tus = Tus { api: &script };
    let data = file_bytes(300_000);
    let folder = project["root_folder_id"].as_str().unwrap();
    let r = tus.create(data.len(), &meta(&[("filename", "lease.bin"), ("folder_id", folder)])).await;
    let location = h(&r, "location");
    // Time for the server to take a chunk off the socket (it buffers it: nothing reaches the
    // disk before the body ends or 4 MiB have come).
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(300));

    // A lapse: the lease runs out while the body is still coming (the test clock jumps past it
    // between two chunks). The request stops, fails with a code, and counts nothing.
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let slow = streaming_patch(&script, &location, 0, rx);
    tx.send(data[..100_000].to_vec()).await.unwrap();
    settle().await;
    srv.clock.advance_ms(20_000);
    let _ = tx.send(data[100_000..200_000].to_vec()).await;
    drop(tx);
    let (st, body) = slow.await.unwrap();
    assert_eq!((st, body["code"].as_str()), (StatusCode::CONFLICT, Some("upload-lease-lost")), "{body}");
    assert_eq!(h(&tus.head(&location).await, "upload-offset"), "0", "nothing from the lapsed request counts");

    // A takeover: while a slow writer is between chunks, its lease lapses and a second writer
    // takes the upload and finishes it. Nothing the slow writer sent (junk here), buffered or
    // not, lands in the file.
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let slow = streaming_patch(&script, &location, 0, rx);
    tx.send(vec![0xEE; 50_000]).await.unwrap();
    settle().await;
    srv.clock.advance_ms(20_000);
    let r = tus.patch(&location, 0, data.clone(), None).await;
    assert_eq!((r.status(), h(&r, "upload-offset")), (StatusCode::NO_CONTENT, "300000".into()));
    let version_id = h(&r, "frameproof-version-id");
    let _ = tx.send(vec![0xEE; 100_000]).await;
    drop(tx);
    let (st, body) = slow.await.unwrap();
    assert_eq!((st, body["code"].as_str()), (StatusCode::CONFLICT, Some("upload-lease-lost")), "{body}");
    let stored = std::fs::read(srv.data_dir().join(format!("media/originals/{version_id}"))).unwrap();
    assert_eq!(stored.len(), data.len());
    assert!(stored == data, "the finished file is the second writer's bytes, nothing of the first interleaved");
}

#[tokio::test]
async fn a_lease_taken_and_given_back_by_another_writer_is_not_renewed_by_the_first() {
    let (srv, script, _, project) = setup().await;
    let tus = Tus { api: &script };
    let data = file_bytes(300_000);
    let folder = project["root_folder_id"].as_str().unwrap();
    let r = tus.create(data.len(), &meta(&[("filename", "given-back.bin"), ("folder_id", folder)])).await;
    let location = h(&r, "location");

    // A slow writer sends a little (junk here), then stalls; its lease lapses (the test clock
    // jumps past it) and a second writer takes the upload, sends the first third and lets go.
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let mut slow = streaming_patch(&script, &location, 0, rx);
    tx.send(vec![0xEE; 50_000]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    srv.clock.advance_ms(20_000);
    let r = tus.patch(&location, 0, data[..100_000].to_vec(), None).await;
    assert_eq!((r.status(), h(&r, "upload-offset")), (StatusCode::NO_CONTENT, "100000".into()));

    // The lease is free again, but not the slow writer's: its next renewal (every 5 s) must not
    // take it back. It ends on its own, without another chunk, and nothing it sends lands.
    let ended = tokio::time::timeout(std::time::Duration::from_secs(8), &mut slow).await;
    let on_its_own = ended.is_ok();
    let _ = tx.send(vec![0xEE; 100_000]).await;
    drop(tx);
    let (st, body) = match ended {
        Ok(answer) => answer.unwrap(),
        Err(_) => slow.await.unwrap(),
    };
    assert_eq!((st, body["code"].as_str()), (StatusCode::CONFLICT, Some("upload-lease-lost")), "{body}");
    assert!(on_its_own, "the stalled writer was answered once its hold ended, not when it sent more");
    assert_eq!(h(&tus.head(&location).await, "upload-offset"), "100000", "the second writer's bytes count");

    // The upload resumes from there to the end, with exactly the right bytes.
    let r = tus.patch(&location, 100_000, data[100_000..].to_vec(), None).await;
    assert_eq!((r.status(), h(&r, "upload-offset")), (StatusCode::NO_CONTENT, "300000".into()));
    let version_id = h(&r, "frameproof-version-id");
    let stored = std::fs::read(srv.data_dir().join(format!("media/originals/{version_id}"))).unwrap();
    assert_eq!(sha2::Sha256::digest(&stored), sha2::Sha256::digest(&data), "no byte of the first writer landed");
}
