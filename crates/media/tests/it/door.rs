//! The process door: timeouts and cancellation kill the whole process group; failures carry
//! stderr; progress arrives as it happens.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

use frameproof_media::{ProcessError, Program, Progress, Tools};

use crate::kit::tools;

/// Pids whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(marker)
        {
            found.push(name);
        }
    }
    found
}

/// A stand-in "ffmpeg" that starts a grandchild and waits; both sleep for a marker duration.
fn sleeper_tools(dir: &Path, marker: &str) -> Tools {
    let script = dir.join("fake-ffmpeg");
    std::fs::write(&script, format!("#!/bin/sh\nsleep {marker} &\nsleep {marker}\n")).unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    Tools::new(&script, &script, 1)
}

async fn wait_until_gone(marker: &str) {
    let started = Instant::now();
    while !processes_with(marker).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5), "still running: {:?}", processes_with(marker));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let marker = "917.31415";
    let tools = sleeper_tools(dir.path(), marker);
    let started = Instant::now();
    let error = tools.run(Program::Ffmpeg, &[], Duration::from_millis(500), None).await.unwrap_err();
    assert!(matches!(error, ProcessError::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    wait_until_gone(marker).await;
}

#[tokio::test]
async fn dropping_the_future_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let marker = "918.27182";
    let tools = sleeper_tools(dir.path(), marker);
    let run = tools.run(Program::Ffmpeg, &[], Duration::from_secs(600), None);
    // The caller gives up (a cancelled job) while the child runs.
    assert!(tokio::time::timeout(Duration::from_millis(500), run).await.is_err());
    wait_until_gone(marker).await;
}

#[tokio::test]
async fn a_never_ending_ffmpeg_times_out() {
    let args: Vec<OsString> =
        ["-f", "lavfi", "-i", "testsrc2=size=64x36", "-f", "null", "-"].iter().map(OsString::from).collect();
    let error = tools().run(Program::Ffmpeg, &args, Duration::from_millis(800), None).await.unwrap_err();
    assert!(matches!(error, ProcessError::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn failure_carries_the_stderr_tail() {
    let args: Vec<OsString> = ["-i", "file:/nonexistent/x.mp4", "-f", "null", "-"].iter().map(OsString::from).collect();
    let error = tools().run(Program::Ffmpeg, &args, Duration::from_secs(10), None).await.unwrap_err();
    match &error {
        ProcessError::Failed { stderr_tail, .. } => assert!(stderr_tail.contains("No such file"), "{stderr_tail}"),
        other => panic!("{other:?}"),
    }
    assert!(error.stderr_tail().is_some());
}

#[tokio::test]
async fn progress_blocks_arrive_and_end_with_done() {
    let args: Vec<OsString> = ["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=25", "-t", "2", "-f", "null", "-"]
        .iter()
        .map(OsString::from)
        .collect();
    let mut blocks: Vec<Progress> = Vec::new();
    let mut on_progress = |p: Progress| blocks.push(p);
    tools().run(Program::Ffmpeg, &args, Duration::from_secs(30), Some(&mut on_progress)).await.unwrap();
    let last = blocks.last().copied().unwrap();
    assert!(last.done);
    assert_eq!(last.frame, 50);
    assert_eq!(last.out_time_us, 2_000_000);
}

#[tokio::test]
async fn a_missing_binary_is_a_spawn_error() {
    let tools = Tools::new("/nonexistent/ffmpeg", "/nonexistent/ffprobe", 1);
    let error = tools.run(Program::Ffprobe, &[], Duration::from_secs(5), None).await.unwrap_err();
    assert!(matches!(error, ProcessError::Spawn { program: "ffprobe", .. }), "{error:?}");
}
