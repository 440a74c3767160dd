//! A backup taken during a write burst restores to a server that starts and serves every write
//! acknowledged before the backup began.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::kit::{Served, all_children, burst, client, project_root, provision, run, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_during_a_write_burst_restores_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media/ab");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(media.join("blob"), b"original bytes").unwrap();
    let token = provision(dir.path());
    let srv = Served::start(dir.path(), &[]);
    let c = client(&token);
    let (_, root) = project_root(&c, &srv.url).await;

    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = burst(c.clone(), srv.url.clone(), root.clone(), 4, acked.clone(), stop.clone());
    while acked.lock().unwrap().len() < 20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = acked.lock().unwrap().clone();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("backup");
    let backup = tokio::task::spawn_blocking({
        let (d, o) = (dir.path().to_str().unwrap().to_owned(), out.to_str().unwrap().to_owned());
        move || run(&["admin", "backup", "--data-dir", &d, "--out", &o], "", &[])
    })
    .await
    .unwrap();
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    let during = acked.lock().unwrap().len();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        during > before.len(),
        "writes went on while the backup ran ({} before, {during} by the end)",
        before.len()
    );
    srv.kill9();

    // The backup is a data dir of its own.
    assert_eq!(std::fs::read(out.join("media/ab/blob")).unwrap(), b"original bytes");
    let restored = Served::start(&out, &[]);
    let stored = all_children(&c, &restored.url, &root).await;
    for id in &before {
        assert!(stored.contains(id), "write {id} acknowledged before the backup is missing from it");
    }
    // A second backup into the same folder is refused rather than mixed.
    let again = run(&["admin", "backup", "--data-dir", out.to_str().unwrap(), "--out", out.to_str().unwrap()], "", &[]);
    assert!(!again.status.success() && text(&again.stderr).contains("not empty"), "{}", text(&again.stderr));
}
