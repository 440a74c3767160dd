//! SIGKILL in the middle of a burst of writes: after a restart every acknowledged write is
//! there, exactly once with its event, and the database is consistent.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::kit::{Served, all_children, burst, client, project_root, provision, run, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_write_burst_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let token = provision(dir.path());
    let srv = Served::start(dir.path(), &[]);
    let c = client(&token);
    let (project, root) = project_root(&c, &srv.url).await;

    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = burst(c.clone(), srv.url.clone(), root.clone(), 8, acked.clone(), stop.clone());
    // Let writes flow, then kill the server mid-burst.
    let start = std::time::Instant::now();
    while acked.lock().unwrap().len() < 40 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    srv.kill9();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 40, "the burst acknowledged {} writes", acked.len());

    let out = run(&["admin", "check", "--data-dir", dir.path().to_str().unwrap()], "", &[]);
    assert!(out.status.success(), "after SIGKILL: {}", text(&out.stderr));

    let srv = Served::start(dir.path(), &[]);
    let stored = all_children(&c, &srv.url, &root).await;
    for id in &acked {
        assert!(stored.contains(id), "acknowledged folder {id} is missing after the crash");
    }
    // Every stored folder has exactly one creation event, and every event a folder: the row
    // and its event were one transaction.
    let mut events =
        c.get(format!("{}/api/v1/events?project={project}&last_event_id=0", srv.url)).send().await.unwrap();
    let mut body = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let created = body.matches("event: folder.created").count();
        if created >= stored.len() {
            break;
        }
        match tokio::time::timeout_at(deadline, events.chunk()).await {
            Ok(Ok(Some(chunk))) => body.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    // Give a duplicate a moment to show up, if there were one.
    if let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_millis(1500), events.chunk()).await {
        body.push_str(&String::from_utf8_lossy(&chunk));
    }
    let mut event_ids: Vec<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
        .filter(|e| e["type"] == "folder.created")
        .map(|e| e["payload"]["id"].as_str().unwrap().to_owned())
        .collect();
    event_ids.sort();
    let mut stored_sorted = stored.clone();
    stored_sorted.sort();
    assert_eq!(event_ids, stored_sorted, "one folder.created event per stored folder");
}
