//! What a crash between a purge's commit and its file deletes leaves behind: the process is
//! aborted right there (a fail point), and the next start's orphan sweep removes the files no
//! row refers to, and nothing else: the other version's media and an upload in progress stay,
//! and the upload still finishes.

use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest;
use sqlx::Connection;

use crate::kit::{BIN, Served, client, project_root, provision, upload_ready};

fn clip(dir: &std::path::Path, name: &str, colour: &str) -> Vec<u8> {
    let out = dir.join(name);
    let src = format!("color=c={colour}:size=64x36:rate=25");
    let ok = Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-f", "lavfi", "-i", &src, "-t", "1", "-c:v", "libx264", "-preset", "ultrafast"])
        .args(["-pix_fmt", "yuv420p"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::read(out).unwrap()
}

#[tokio::test]
async fn a_crash_between_purge_and_delete_leaves_orphans_the_next_start_sweeps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let token = provision(dir);
    let c = client(&token);
    let srv = Served::start(dir, &[]);
    let url = srv.url.clone();
    let (_, root) = project_root(&c, &url).await;
    let keep = upload_ready(&c, &url, "folder_id", &root, "keep.mp4", clip(dir, "keep.mp4", "red")).await;
    let gone = upload_ready(&c, &url, "folder_id", &root, "gone.mp4", clip(dir, "gone.mp4", "blue")).await;
    // An upload in progress: half its bytes sent.
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let meta = format!("filename {},folder_id {}", STANDARD.encode("half.bin"), STANDARD.encode(&root));
    let r = c
        .post(format!("{url}/api/v1/uploads"))
        .header("tus-resumable", "1.0.0")
        .header("upload-length", data.len().to_string())
        .header("upload-metadata", meta)
        .header("content-type", "application/offset+octet-stream")
        .body(data[..100_000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let v: serde_json::Value =
        c.get(format!("{url}/api/v1/versions/{gone}")).send().await.unwrap().json().await.unwrap();
    let asset = v["asset_id"].as_str().unwrap().to_owned();
    assert_eq!(c.delete(format!("{url}/api/v1/assets/{asset}")).send().await.unwrap().status(), 204);
    srv.kill9();

    // The trash's retention passes (the deletion is dated back), and the next start purges
    // the asset: the fail point aborts the process right after the purge commits.
    let db = format!("sqlite:{}", dir.join("frameproof.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    sqlx::query("UPDATE assets SET deleted_at = deleted_at - 40 * 86400000 WHERE deleted_at IS NOT NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--data-dir", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("FRAMEPROOF_FAILPOINT", "housekeeping-after-purge-commit")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let out = tokio::time::timeout(Duration::from_secs(60), tokio::task::spawn_blocking(move || cmd.output().unwrap()))
        .await
        .expect("the fail point ends the process")
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && log.contains("failpoint housekeeping-after-purge-commit"), "{log}");
    let media = dir.join("media");
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM versions").fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    assert_eq!(rows, 1, "the purge committed: only the kept version has a row");
    assert!(media.join(format!("originals/{gone}")).exists(), "the crash left the purged original behind");
    assert!(media.join(format!("derived/{gone}")).exists(), "and its derived media");

    // The next start sweeps them (no grace here: the files are seconds old), and only them.
    let srv = Served::start_with_env(dir, &[], &[("FRAMEPROOF__LIMITS__ORPHAN_GRACE_SECS", "0")]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while media.join(format!("originals/{gone}")).exists() || media.join(format!("derived/{gone}")).exists() {
        assert!(tokio::time::Instant::now() < deadline, "the orphans were not swept: {:?}", srv.log.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(srv.log.lock().unwrap().iter().any(|l| l.contains("deleted media no row refers to")));
    assert!(media.join(format!("originals/{keep}")).exists(), "a referenced original stays");
    assert!(std::fs::read_dir(media.join(format!("derived/{keep}"))).unwrap().next().is_some(), "its renditions stay");
    let r = c.get(format!("{}/api/v1/versions/{keep}", srv.url)).send().await.unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["processing_state"], "ready");
    // The upload in progress resumes where it was and finishes with the right bytes.
    let r = c
        .patch(format!("{}{location}", srv.url))
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "100000")
        .header("content-type", "application/offset+octet-stream")
        .body(data[100_000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let version = r.headers()["frameproof-version-id"].to_str().unwrap().to_owned();
    let stored = std::fs::read(media.join(format!("originals/{version}"))).unwrap();
    assert_eq!(sha2::Sha256::digest(&stored), sha2::Sha256::digest(&data));
}
