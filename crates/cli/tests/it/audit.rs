//! `frameproof audit verify` and `frameproof verify` against the real binary: an intact chain
//! passes; one edited entry, a removed entry, a chain cut short behind a checkpoint, and a
//! chain rewritten with recomputed hashes are each caught and named. A receipt verifies against
//! the exported key and the approved file; one changed byte, another key, or another file fail.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;

use crate::kit::{Served, client, post, project_root, provision, run, text, upload_ready};

fn png(dir: &Path) -> Vec<u8> {
    let out = dir.join("still.png");
    let ok = std::process::Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x48", "-frames:v", "1"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::read(out).unwrap()
}

/// Serves a data dir, makes an image version with comments and a decision, locks it by hand,
/// keeps working after the lock; answers (receipt JSON, the image bytes).
async fn history(dir: &Path) -> (Value, Vec<u8>) {
    let token = provision(dir);
    let srv = Served::start(dir, &[]);
    let c = client(&token);
    let url = srv.url.clone();
    let (_, root) = project_root(&c, &url).await;
    let bytes = png(dir);
    let vid = upload_ready(&c, &url, "folder_id", &root, "poster.png", bytes.clone()).await;
    for (i, body) in ["Make the red warmer", "Logo bigger", "Legal line missing"].into_iter().enumerate() {
        post(
            &c,
            &url,
            &format!("/api/v1/versions/{vid}/comments"),
            json!({"body": body, "x": 0.1 * i as f64, "y": 0.5}),
        )
        .await;
    }
    post(&c, &url, &format!("/api/v1/versions/{vid}/decisions"), json!({"decision": "approved"})).await;
    post(&c, &url, &format!("/api/v1/versions/{vid}/lock"), json!({"reason": "Client signed off"})).await;
    let receipt: Value =
        c.get(format!("{url}/api/v1/versions/{vid}/receipt")).send().await.unwrap().json().await.unwrap();
    // Work goes on after the lock: these entries are past the last checkpoint.
    for name in ["After 1", "After 2"] {
        post(&c, &url, "/api/v1/folders", json!({"parent_id": root, "name": name})).await;
    }
    // The checkpoints (one at start, one at the lock) reach the journal beside the database.
    let journal = dir.join("audit-checkpoints.jsonl");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 2 {
        assert!(tokio::time::Instant::now() < deadline, "the checkpoint journal was not written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(srv);
    (receipt, bytes)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A copy of `data` with `sql` applied to its database.
async fn tampered(data: &Path, scratch: &Path, name: &str, sql: &[&str]) -> std::path::PathBuf {
    let dir = scratch.join(name);
    copy_dir(data, &dir);
    let mut db =
        sqlx::SqliteConnection::connect(&format!("sqlite:{}", dir.join("frameproof.db").display())).await.unwrap();
    for s in sql {
        sqlx::query(sqlx::AssertSqlSafe(*s)).execute(&mut db).await.unwrap();
    }
    db.close().await.unwrap();
    dir
}

fn audit_verify(dir: &Path) -> (bool, String, String) {
    let out = run(&["audit", "verify", "--data-dir", dir.to_str().unwrap()], "", &[]);
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

async fn scalar(dir: &Path, sql: &str) -> i64 {
    let mut db =
        sqlx::SqliteConnection::connect(&format!("sqlite:{}", dir.join("frameproof.db").display())).await.unwrap();
    let v: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut db).await.unwrap();
    db.close().await.unwrap();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_the_entry_that_was_altered_removed_or_rewritten() {
    let data = tempfile::tempdir().unwrap();
    history(data.path()).await;
    let scratch = tempfile::tempdir().unwrap();

    let (ok, out, err) = audit_verify(data.path());
    assert!(ok, "{err}");
    assert!(out.starts_with("audit chain intact:"), "{out}");
    let last = scalar(data.path(), "SELECT MAX(seq) FROM audit_log").await;
    let checkpoint = scalar(data.path(), "SELECT MAX(seq) FROM audit_checkpoints").await;
    let comment = scalar(data.path(), "SELECT MIN(seq) FROM audit_log WHERE action = 'comment.created'").await;
    assert!(comment < checkpoint && checkpoint < last, "comment {comment}, checkpoint {checkpoint}, last {last}");

    // One entry's words changed.
    let dir = tampered(
        data.path(),
        scratch.path(),
        "altered",
        &[&format!(
            "UPDATE audit_log SET details = replace(details, 'Logo bigger', 'Logo smaller') WHERE seq = {}",
            comment + 1
        )],
    )
    .await;
    let (ok, _, err) = audit_verify(&dir);
    assert!(!ok);
    assert!(err.contains(&format!("audit entry {} was altered", comment + 1)), "{err}");

    // One entry removed from the middle.
    let dir =
        tampered(data.path(), scratch.path(), "removed", &[&format!("DELETE FROM audit_log WHERE seq = {comment}")])
            .await;
    let (ok, _, err) = audit_verify(&dir);
    assert!(!ok);
    assert!(err.contains(&format!("audit entry {comment} was removed")), "{err}");

    // The tail cut off, back to before the last checkpoint.
    let dir = tampered(
        data.path(),
        scratch.path(),
        "truncated",
        &[&format!("DELETE FROM audit_log WHERE seq >= {}", checkpoint - 1)],
    )
    .await;
    let (ok, _, err) = audit_verify(&dir);
    assert!(!ok);
    assert!(err.contains(&format!("audit entries {} to {checkpoint} were removed", checkpoint - 1)), "{err}");

    // Entries after the last checkpoint may be cut without trace: that is what hourly
    // checkpoints bound. Cutting exactly those passes, and says where the chain now ends.
    let dir =
        tampered(data.path(), scratch.path(), "tail", &[&format!("DELETE FROM audit_log WHERE seq > {checkpoint}")])
            .await;
    assert!(audit_verify(&dir).0);

    // The whole chain recomputed after a change: every link holds, but the signed checkpoint
    // does not match.
    let dir = scratch.path().join("rewritten");
    copy_dir(data.path(), &dir);
    let mut db =
        sqlx::SqliteConnection::connect(&format!("sqlite:{}", dir.join("frameproof.db").display())).await.unwrap();
    sqlx::query("UPDATE audit_log SET details = replace(details, 'Logo bigger', 'Logo smaller') WHERE seq = $1")
        .bind(comment + 1)
        .execute(&mut db)
        .await
        .unwrap();
    let mut prev = frameproof_domain::audit::GENESIS.to_owned();
    for seq in 1..=last {
        let mut row: frameproof_store::audit::AuditRow = sqlx::query_as(
            "SELECT seq, at, actor, action, subject, details, workspace_id, project_id, asset_id, version_id, prev_hash, hash
             FROM audit_log WHERE seq = $1",
        )
        .bind(seq)
        .fetch_one(&mut db)
        .await
        .unwrap();
        row.prev_hash = prev.clone();
        let hash = row.recompute().unwrap();
        sqlx::query("UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1")
            .bind(seq)
            .bind(&row.prev_hash)
            .bind(&hash)
            .execute(&mut db)
            .await
            .unwrap();
        prev = hash;
    }
    db.close().await.unwrap();
    let (ok, _, err) = audit_verify(&dir);
    assert!(!ok);
    assert!(err.contains("the chain was rewritten"), "{err}");
    assert!(err.contains(&format!("entry {checkpoint} does not match the checkpoint")), "{err}");

    // Deleting the checkpoints from the database as well does not hide a cut: the journal
    // beside the database still holds them.
    let dir = tampered(
        data.path(),
        scratch.path(),
        "unpinned",
        &["DELETE FROM audit_checkpoints", &format!("DELETE FROM audit_log WHERE seq >= {}", checkpoint - 1)],
    )
    .await;
    let (ok, _, err) = audit_verify(&dir);
    assert!(!ok);
    assert!(err.contains("is in the journal but not in the database"), "{err}");
    // ...and a copy of the journal kept elsewhere catches it even when the local one is gone.
    let offsite = scratch.path().join("offsite.jsonl");
    std::fs::copy(data.path().join("audit-checkpoints.jsonl"), &offsite).unwrap();
    std::fs::remove_file(dir.join("audit-checkpoints.jsonl")).unwrap();
    assert!(audit_verify(&dir).0, "without any checkpoint the cut cannot be seen");
    let out = run(
        &["audit", "verify", "--data-dir", dir.to_str().unwrap(), "--checkpoints", offsite.to_str().unwrap()],
        "",
        &[],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("is in the journal but not in the database"), "{}", text(&out.stderr));

    // A forged checkpoint (signed by nobody we know) is refused too.
    let dir = tampered(
        data.path(),
        scratch.path(),
        "forged",
        &["UPDATE audit_checkpoints SET signature = 'AAAA' WHERE id = (SELECT MAX(id) FROM audit_checkpoints)"],
    )
    .await;
    let (ok, _, err) = audit_verify(&dir);
    assert!(!ok);
    assert!(err.contains("is in the journal but not in the database"), "the journal disagrees first: {err}");
    std::fs::remove_file(dir.join("audit-checkpoints.jsonl")).unwrap();
    let (ok, _, err) = audit_verify(&dir);
    assert!(!ok);
    assert!(err.contains("does not verify"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_verifies_offline_and_any_change_key_or_file_swap_fails() {
    let data = tempfile::tempdir().unwrap();
    let (receipt, bytes) = history(data.path()).await;
    let work = tempfile::tempdir().unwrap();
    let w = |name: &str| work.path().join(name).to_str().unwrap().to_owned();
    std::fs::write(w("receipt.json"), serde_json::to_vec_pretty(&receipt).unwrap()).unwrap();
    std::fs::write(w("poster.png"), &bytes).unwrap();
    let mut other_bytes = bytes.clone();
    other_bytes.push(0);
    std::fs::write(w("other.png"), &other_bytes).unwrap();

    let out =
        run(&["admin", "export-keys", "--data-dir", data.path().to_str().unwrap(), "--out", &w("keys.json")], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let keys: Value = serde_json::from_slice(&std::fs::read(w("keys.json")).unwrap()).unwrap();
    assert_eq!(keys[0]["alg"], "Ed25519");
    assert_eq!(keys[0]["kid"], receipt["signature"]["kid"]);

    let out = run(&["verify", &w("receipt.json"), &w("poster.png"), "--key", &w("keys.json")], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("receipt valid: v1 of \"poster\""), "{}", text(&out.stdout));

    // Another file: the receipt is genuine but the bytes are not the approved ones.
    let out = run(&["verify", &w("receipt.json"), &w("other.png"), "--key", &w("keys.json")], "", &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("NOT the approved file"), "{}", text(&out.stderr));

    // One byte of the receipt changed.
    let original = std::fs::read_to_string(w("receipt.json")).unwrap();
    let changed = original.replacen("\"poster\"", "\"posteR\"", 1);
    assert_ne!(changed, original);
    std::fs::write(w("changed.json"), changed).unwrap();
    let out = run(&["verify", &w("changed.json"), "--key", &w("keys.json")], "", &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("receipt NOT valid"), "{}", text(&out.stderr));

    // Checked against another server's key.
    let other = tempfile::tempdir().unwrap();
    provision(other.path());
    let out = run(
        &["admin", "export-keys", "--data-dir", other.path().to_str().unwrap(), "--out", &w("other-keys.json")],
        "",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["verify", &w("receipt.json"), "--key", &w("other-keys.json")], "", &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not among the keys given"), "{}", text(&out.stderr));

    // Rotating the key keeps the old one: the old receipt still verifies with the new export.
    let out = run(&["admin", "rotate-key", "--data-dir", data.path().to_str().unwrap()], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let new_kid = text(&out.stdout).trim().to_owned();
    assert_ne!(Value::String(new_kid.clone()), receipt["signature"]["kid"]);
    let out = run(&["admin", "export-keys", "--data-dir", data.path().to_str().unwrap()], "", &[]);
    let keys: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 2);
    std::fs::write(w("rotated.json"), &out.stdout).unwrap();
    let out = run(&["verify", &w("receipt.json"), &w("poster.png"), "--key", &w("rotated.json")], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
