//! Boots the real server in-process on 127.0.0.1:0 over a temp data dir, and talks to it.

use std::sync::Arc;

use frameproof_domain::Timestamp;
use frameproof_server::clock::ManualClock;
use frameproof_server::config::Config;
use frameproof_server::{Running, start};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct TestServer {
    pub url: String,
    pub clock: ManualClock,
    pub running: Option<Running>,
    _dir: tempfile::TempDir,
    _jobs: tokio::sync::watch::Sender<bool>,
}

pub const PASSWORD: &str = "correct horse battery";

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.server.listen = "127.0.0.1:0".parse().unwrap();
        config.server.data_dir = dir.path().to_path_buf();
        tune(&mut config);
        let clock = ManualClock::new(Timestamp(1_795_000_000_000));
        let running = start(config, Arc::new(clock.clone())).await.unwrap();
        // The in-process job runner, as `frameproof serve` runs it.
        let state = running.state.clone();
        let runner = frameproof_jobs::Runner {
            ctx: frameproof_jobs::Ctx {
                store: state.store().clone(),
                blobs: state.blobs().clone(),
                tools: state.tools().clone(),
                clock: Arc::new(move || state.now().0),
                progress: Arc::default(),
            },
            worker_id: frameproof_jobs::worker_id(),
            concurrency: 1,
            lease_ms: 30_000,
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(runner.run(stopped));
        Self { url: running.url(), clock, running: Some(running), _dir: dir, _jobs: stop }
    }

    /// The server's data dir.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn setup_token(&self) -> String {
        self.running.as_ref().unwrap().setup_token.clone().expect("a fresh server has a set-up token")
    }

    /// Redeems set-up: the owner of the first workspace, signed in by cookie.
    pub async fn owner(&self) -> (Api, Value) {
        let api = Api::browser(&self.url);
        let (status, body) = api
            .post(
                "/api/v1/setup",
                json!({"token": self.setup_token(), "email": "owner@example.com", "name": "Olivia Owner",
                       "password": PASSWORD, "workspace_name": "Acme"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (api, body["workspace"].clone())
    }

    /// Invites `email` with `role` (and projects) as `by`, and accepts in a fresh browser.
    pub async fn join(&self, by: &Api, workspace: &str, email: &str, role: &str, projects: &[&str]) -> Api {
        let (s, invite) = by
            .post(
                &format!("/api/v1/workspaces/{workspace}/invites"),
                json!({"email": email, "role": role, "project_ids": projects}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{invite}");
        let api = Api::browser(&self.url);
        let (s, body) = api
            .post(
                "/api/v1/invites/accept",
                json!({"token": invite["token"], "name": email.split('@').next().unwrap(), "password": PASSWORD}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        api
    }
}

/// An HTTP client acting as one person.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    client: reqwest::Client,
    bearer: Option<String>,
    origin: bool,
}

impl Api {
    /// A browser: keeps cookies and sends this site's Origin.
    pub fn browser(base: &str) -> Self {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Self { base: base.to_owned(), client, bearer: None, origin: true }
    }

    /// A script with an API token (no cookies, no Origin).
    pub fn token(base: &str, token: &str) -> Self {
        Self { base: base.to_owned(), client: reqwest::Client::new(), bearer: Some(token.to_owned()), origin: false }
    }

    /// Nobody: no credentials.
    pub fn anonymous(base: &str) -> Self {
        Self { base: base.to_owned(), client: reqwest::Client::new(), bearer: None, origin: false }
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.bearer {
            r = r.bearer_auth(t);
        }
        if self.origin {
            r = r.header("origin", &self.base);
        }
        r
    }

    pub async fn send(&self, r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PATCH, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// POST that must answer `expect`; returns the body.
    pub async fn post_ok(&self, path: &str, body: Value, expect: StatusCode) -> Value {
        let (s, b) = self.post(path, body).await;
        assert_eq!(s, expect, "POST {path}: {b}");
        b
    }

    pub async fn get_ok(&self, path: &str) -> Value {
        let (s, b) = self.get(path).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {b}");
        b
    }

    pub async fn create_project(&self, workspace: &str, name: &str) -> Value {
        self.post_ok("/api/v1/projects", json!({"workspace_id": workspace, "name": name}), StatusCode::CREATED).await
    }
}

/// The `id` fields of a list answer's items.
pub fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

/// The `name` fields of a list answer's items.
pub fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect()
}

/// Uploads `bytes` as `filename` in one request, as a new asset in `folder_id` or (with
/// `asset_id`) the next version of that stack; answers the version id.
pub async fn upload_to(api: &Api, key: &str, target: &str, filename: &str, bytes: Vec<u8>) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let meta = format!("filename {},{key} {}", b64(filename), b64(target));
    let r = api
        .request(Method::POST, "/api/v1/uploads")
        .header("tus-resumable", "1.0.0")
        .header("upload-length", bytes.len().to_string())
        .header("upload-metadata", meta)
        .header("content-type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.headers()["frameproof-version-id"].to_str().unwrap().to_owned()
}

/// Uploads `bytes` as `filename` into `folder` as a new asset; answers the version id.
pub async fn upload(api: &Api, folder: &str, filename: &str, bytes: Vec<u8>) -> String {
    upload_to(api, "folder_id", folder, filename, bytes).await
}

/// Polls a version until its processing ends (ready or failed).
pub async fn settled(api: &Api, version: &str) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let v = api.get_ok(&format!("/api/v1/versions/{version}")).await;
        if v["processing_state"] == "ready" || v["processing_state"] == "failed" {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {} after 90 s", v["processing_state"]);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Runs ffmpeg with `args` writing `name` in `dir`; answers the file's bytes.
pub fn ffmpeg(dir: &std::path::Path, name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    let status =
        std::process::Command::new("ffmpeg").args(["-y", "-v", "error"]).args(args).arg(&out).status().unwrap();
    assert!(status.success(), "ffmpeg {args:?}");
    std::fs::read(out).unwrap()
}

/// A parsed SSE event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

/// An open event stream.
pub struct Stream {
    pub body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl Stream {
    pub async fn open(api: &Api, query: &str, last_event_id: Option<i64>) -> Stream {
        let mut r = api.request(reqwest::Method::GET, &format!("/api/v1/events?{query}"));
        if let Some(id) = last_event_id {
            r = r.header("last-event-id", id.to_string());
        }
        let resp = r.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Stream { body: Box::pin(resp.bytes_stream()), buf: String::new() }
    }

    /// The next event, or None when none arrives within `wait`.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(pos) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..pos + 2).collect();
                let (mut id, mut kind, mut data) = (None, None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        kind = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                match (id, kind) {
                    (Some(id), Some(kind)) => {
                        return Some(Sse { id, kind, data: serde_json::from_str(&data).unwrap() });
                    }
                    _ => continue, // a keep-alive comment
                }
            }
            let chunk =
                tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut self.body)).await.ok()??.ok()?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// A real SMTP server on loopback (aiosmtpd, run by `smtp_sink.py` from the test Python in
/// `.venv-test`, which `scripts/setup.sh` installs) that hands each message it receives to the
/// test, its MIME parts decoded.
pub struct MailSink {
    pub port: u16,
    _child: tokio::process::Child,
    rx: tokio::sync::mpsc::UnboundedReceiver<Value>,
    seen: Vec<Value>,
}

/// The test Python: `FRAMEPROOF_TEST_PYTHON`, else the workspace's `.venv-test`.
pub fn test_python() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("FRAMEPROOF_TEST_PYTHON") {
        return p.into();
    }
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-test/bin/python");
    assert!(p.exists(), "{} is missing: run scripts/setup.sh (it installs aiosmtpd for the mail tests)", p.display());
    p
}

impl MailSink {
    pub async fn start() -> MailSink {
        use tokio::io::AsyncBufReadExt;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp_sink.py");
        let mut child = tokio::process::Command::new(test_python())
            .arg(script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP sink");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP sink starts")
            .unwrap()
            .expect("the SMTP sink says ready");
        let port: u16 = first.strip_prefix("ready ").expect("ready PORT").trim().parse().unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if tx.send(serde_json::from_str::<Value>(&line).unwrap()).is_err() {
                    break;
                }
            }
        });
        MailSink { port, _child: child, rx, seen: Vec::new() }
    }

    /// Points a server's `[mail]` at this sink.
    pub fn configure(&self, c: &mut Config) {
        c.mail.host = Some(String::from("127.0.0.1"));
        c.mail.port = Some(self.port);
        c.mail.tls = frameproof_server::config::MailTls::None;
        c.mail.from = Some(String::from("Frameproof <review@frameproof.test>"));
    }

    /// The first message (received so far or within 20 s) sent to `to` that `pred` accepts; it
    /// is taken out of the sink.
    pub async fn take(&mut self, to: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            while let Ok(m) = self.rx.try_recv() {
                self.seen.push(m);
            }
            if let Some(i) =
                self.seen.iter().position(|m| m["to"].as_array().unwrap().iter().any(|t| t == to) && pred(m))
            {
                return self.seen.remove(i);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(!left.is_zero(), "no mail to {to} arrived (saw {:?})", self.seen);
            if let Ok(Some(m)) =
                tokio::time::timeout(left.min(std::time::Duration::from_millis(200)), self.rx.recv()).await
            {
                self.seen.push(m);
            }
        }
    }

    /// Every message received so far to `to`.
    pub fn all_to(&mut self, to: &str) -> Vec<Value> {
        while let Ok(m) = self.rx.try_recv() {
            self.seen.push(m);
        }
        self.seen.iter().filter(|m| m["to"].as_array().unwrap().iter().any(|t| t == to)).cloned().collect()
    }
}

/// Prints an HTML page to PDF with headless Chromium (the flags `frameproof export report`
/// uses) and answers what `pdftotext -layout` reads from it: the text a reader of the PDF sees.
pub fn printed_text(dir: &std::path::Path, name: &str, html: &str) -> String {
    let page = dir.join(format!("{name}.html"));
    let pdf = dir.join(format!("{name}.pdf"));
    std::fs::write(&page, html).unwrap();
    let status = std::process::Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", dir.join(format!("{name}-profile")).display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("chromium (Debian's chromium package) prints the report");
    assert!(status.success() && pdf.is_file(), "chromium printed no PDF");
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).unwrap()
}
