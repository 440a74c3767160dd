//! Runs the real binary: admin commands, and `serve` on a free port.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_frameproof");
pub const PASSWORD: &str = "correct horse battery";

/// Runs `frameproof ARGS` with `stdin`, isolated from any frameproof.toml or FRAMEPROOF_ env.
pub fn run(args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> Output {
    let scratch = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(scratch.path()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("FRAMEPROOF")) {
        cmd.env_remove(k);
    }
    cmd.envs(envs.iter().copied());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Provisions an owner with a workspace and answers an API token for them.
pub fn provision(dir: &Path) -> String {
    let d = dir.to_str().unwrap();
    let out = run(
        &[
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--email",
            "owner@example.com",
            "--password-stdin",
            "--workspace",
            "Acme",
        ],
        PASSWORD,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["admin", "create-token", "--data-dir", d, "--email", "owner@example.com"], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

/// A `frameproof serve` child process.
pub struct Served {
    pub child: Child,
    pub url: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    /// Starts `serve` on 127.0.0.1:0 and waits for its `listening on` line.
    pub fn start(dir: &Path, extra: &[&str]) -> Served {
        Served::start_with_env(dir, extra, &[])
    }

    /// [`Served::start`] with extra environment (configuration keys).
    pub fn start_with_env(dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Served {
        let mut args = vec!["serve", "--data-dir", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut cmd = Command::new(BIN);
        cmd.args(&args).current_dir(dir).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("FRAMEPROOF")) {
            cmd.env_remove(k);
        }
        cmd.envs(envs.iter().copied());
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let url = line.split("listening on http://").nth(1).map(|rest| {
                    let addr: String =
                        rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':').collect();
                    format!("http://{addr}")
                });
                sink.lock().unwrap().push(line);
                if let Some(url) = url {
                    let _ = tx.send(url);
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no 'listening on' line: {:?}", log.lock().unwrap()));
        Served { child, url, log }
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client(token: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("authorization", format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(h).timeout(Duration::from_secs(10)).build().unwrap()
}

/// The first workspace's id and a new project's root folder id.
pub async fn project_root(c: &reqwest::Client, url: &str) -> (String, String) {
    let ws: Value = c.get(format!("{url}/api/v1/workspaces")).send().await.unwrap().json().await.unwrap();
    let ws_id = ws["items"][0]["id"].as_str().unwrap().to_owned();
    let p: Value = c
        .post(format!("{url}/api/v1/projects"))
        .json(&json!({"workspace_id": ws_id, "name": "Burst"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (p["id"].as_str().unwrap().to_owned(), p["root_folder_id"].as_str().unwrap().to_owned())
}

/// Creates folders from `writers` concurrent tasks until `stop` is set; every acknowledged
/// (201) folder id is pushed to `acked` in acknowledgement order.
pub fn burst(
    c: reqwest::Client,
    url: String,
    parent: String,
    writers: usize,
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..writers)
        .map(|w| {
            let (c, url, parent, acked, stop) = (c.clone(), url.clone(), parent.clone(), acked.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    i += 1;
                    let r = c
                        .post(format!("{url}/api/v1/folders"))
                        .json(&json!({"parent_id": parent, "name": format!("w{w}-{i}")}))
                        .send()
                        .await;
                    match r {
                        Ok(resp) if resp.status() == reqwest::StatusCode::CREATED => {
                            if let Ok(v) = resp.json::<Value>().await {
                                acked.lock().unwrap().push(v["id"].as_str().unwrap().to_owned());
                            }
                        }
                        Ok(resp) => panic!("unexpected answer during the burst: {}", resp.status()),
                        Err(_) => return, // the server is gone
                    }
                }
            })
        })
        .collect()
}

/// Every folder id directly under `parent`, following cursors.
pub async fn all_children(c: &reqwest::Client, url: &str, parent: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = c
            .get(format!("{url}/api/v1/folders/{parent}/folders?limit=200{cursor}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.extend(page["items"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(n) => cursor = format!("&cursor={n}"),
            None => return out,
        }
    }
}

/// POSTs JSON and answers the body; anything but 2xx fails the test.
pub async fn post(c: &reqwest::Client, url: &str, path: &str, body: Value) -> Value {
    let r = c.post(format!("{url}{path}")).json(&body).send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "POST {path}: {status} {body}");
    body
}

/// Uploads `bytes` as `name` in one tus request (`key` is `folder_id` or `asset_id`), waits
/// until the version is ready, and answers its id.
pub async fn upload_ready(
    c: &reqwest::Client,
    url: &str,
    key: &str,
    target: &str,
    name: &str,
    bytes: Vec<u8>,
) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let r = c
        .post(format!("{url}/api/v1/uploads"))
        .header("tus-resumable", "1.0.0")
        .header("upload-length", bytes.len().to_string())
        .header("upload-metadata", format!("filename {},{key} {}", b64(name), b64(target)))
        .header("content-type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let vid = r.headers()["frameproof-version-id"].to_str().unwrap().to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let v: Value = c.get(format!("{url}/api/v1/versions/{vid}")).send().await.unwrap().json().await.unwrap();
        if v["processing_state"] == "ready" {
            return vid;
        }
        assert_ne!(v["processing_state"], "failed", "{v}");
        assert!(tokio::time::Instant::now() < deadline, "not ready: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
