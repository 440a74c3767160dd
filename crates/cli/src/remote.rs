//! Commands that talk to a running server through its public API (`--server`, `--token`):
//! marker files out and in, and the printable report as PDF.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

/// Where the server is and who is asking.
#[derive(Debug, Args)]
pub struct Remote {
    /// The server's URL.
    #[arg(long, env = "FRAMEPROOF_SERVER", default_value = "http://127.0.0.1:8080", value_name = "URL")]
    server: String,
    /// A personal API token (Account → API tokens in the web app).
    #[arg(long, env = "FRAMEPROOF_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    token: String,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// A version's comments as a marker file for editing software.
    #[command(disable_version_flag = true)]
    Markers {
        #[command(flatten)]
        remote: Remote,
        /// The version (its id).
        #[arg(long, value_name = "ID")]
        version: String,
        /// resolve-edl, fcpxml, fcp7-xml, avid-txt, otio, csv, txt or ae-jsx.
        #[arg(long)]
        format: String,
        /// open, resolved or all.
        #[arg(long, default_value = "all")]
        state: String,
        /// Colour markers by `state` or `author`.
        #[arg(long, default_value = "state")]
        colour_by: String,
        /// Leave replies out of the markers' text.
        #[arg(long)]
        no_replies: bool,
        /// Leave authors' names out.
        #[arg(long)]
        no_author: bool,
        /// One marker per frame (comments on one frame merged).
        #[arg(long)]
        merge: bool,
        /// The start timecode the file counts from (default: the source's, else 01:00:00:00).
        #[arg(long, value_name = "TIMECODE")]
        start: Option<String>,
        /// Write here (default: stdout).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The printable report of a version (every comment with its still, timecode and author,
    /// the decisions and the lock) as PDF, printed by headless Chromium; `.html` writes the page.
    #[command(disable_version_flag = true)]
    Report {
        #[command(flatten)]
        remote: Remote,
        /// The version (its id).
        #[arg(long, value_name = "ID")]
        version: String,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
        /// The Chromium to print with (default: chromium, chromium-browser or google-chrome).
        #[arg(long, env = "FRAMEPROOF_CHROMIUM", value_name = "PATH")]
        chromium: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Markers from a file (Resolve EDL, FCPXML, FCP7 XML, Avid list, OTIO, CSV) as comments on
    /// a version, all or nothing. Prints what was (or, with --dry-run, would be) created.
    #[command(disable_version_flag = true)]
    Markers {
        #[command(flatten)]
        remote: Remote,
        /// The version (its id).
        #[arg(long, value_name = "ID")]
        version: String,
        /// The marker file.
        file: PathBuf,
        /// Its format (default: guessed from the content).
        #[arg(long)]
        format: Option<String>,
        /// Only list what would be created.
        #[arg(long)]
        dry_run: bool,
        /// The start timecode the file counts from (default: as on export).
        #[arg(long, value_name = "TIMECODE")]
        start: Option<String>,
    },
}

impl Remote {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.trim_end_matches('/'))
    }

    fn client() -> Result<reqwest::Client> {
        reqwest::Client::builder().build().context("making the HTTP client")
    }

    /// Sends a request; a non-2xx answer becomes the server's message.
    async fn send(&self, r: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let resp = r.bearer_auth(&self.token).send().await.with_context(|| format!("reaching {}", self.server))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        match (body["code"].as_str(), body["message"].as_str()) {
            (Some(code), Some(message)) => bail!("{status}: {message} ({code})"),
            _ => bail!("the server answered {status}"),
        }
    }
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display())),
        None => crate::out_bytes(bytes),
    }
}

pub async fn export(cmd: ExportCommand) -> Result<()> {
    let client = Remote::client()?;
    match cmd {
        ExportCommand::Markers {
            remote,
            version,
            format,
            state,
            colour_by,
            no_replies,
            no_author,
            merge,
            start,
            out,
        } => {
            let mut query = vec![
                ("format", format),
                ("state", state),
                ("colour_by", colour_by),
                ("replies", (!no_replies).to_string()),
                ("include_author", (!no_author).to_string()),
                ("merge", merge.to_string()),
            ];
            if let Some(s) = start {
                query.push(("start", s));
            }
            let r = client.get(remote.url(&format!("/api/v1/versions/{version}/markers"))).query(&query);
            let bytes = remote.send(r).await?.bytes().await.context("reading the marker file")?;
            write_out(out.as_deref(), &bytes)
        }
        ExportCommand::Report { remote, version, out, chromium } => {
            let r = client.get(remote.url(&format!("/api/v1/versions/{version}/report")));
            let html = remote.send(r).await?.text().await.context("reading the report")?;
            if out.extension().is_some_and(|e| e.eq_ignore_ascii_case("html")) {
                return write_out(Some(&out), html.as_bytes());
            }
            print_pdf(&html, &out, chromium.as_deref()).await
        }
    }
}

/// Prints an HTML page to PDF with headless Chromium (a fresh profile, no network chatter).
async fn print_pdf(html: &str, out: &Path, chromium: Option<&Path>) -> Result<()> {
    let browser = match chromium {
        Some(p) => p.to_path_buf(),
        None => ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .map(PathBuf::from)
            .find(|b| which(b).is_some())
            .context(
                "no Chromium found to print the PDF: install Debian's chromium, give --chromium, or write .html",
            )?,
    };
    let dir = tempdir()?;
    let page = dir.join("report.html");
    std::fs::write(&page, html).context("writing the report page")?;
    let out_abs = std::path::absolute(out).with_context(|| format!("resolving {}", out.display()))?;
    let status = tokio::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", out_abs.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .with_context(|| format!("running {}", browser.display()));
    let _ = std::fs::remove_dir_all(&dir);
    if !status?.success() || !out_abs.is_file() {
        bail!("{} did not print the PDF", browser.display());
    }
    Ok(())
}

fn which(name: &Path) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

fn tempdir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("frameproof-report-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

pub async fn import(cmd: ImportCommand) -> Result<()> {
    let ImportCommand::Markers { remote, version, file, format, dry_run, start } = cmd;
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut query = vec![("dry_run", dry_run.to_string())];
    if let Some(f) = format {
        query.push(("format", f));
    }
    if let Some(s) = start {
        query.push(("start", s));
    }
    let client = Remote::client()?;
    let r = client
        .post(remote.url(&format!("/api/v1/versions/{version}/markers")))
        .query(&query)
        .header("content-type", "application/octet-stream")
        .body(bytes);
    let result: serde_json::Value = remote.send(r).await?.json().await.context("reading the answer")?;
    let mut lines = String::new();
    let markers = result["markers"].as_array().cloned().unwrap_or_default();
    let verb = if dry_run { "would create" } else { "created" };
    lines.push_str(&format!(
        "{} ({}): {verb} {} comments\n",
        file.display(),
        result["format"].as_str().unwrap_or("?"),
        markers.len()
    ));
    for m in markers {
        let range = match m["timecode_out"].as_str() {
            Some(out) => format!("{}–{out}", m["timecode"].as_str().unwrap_or("")),
            None => m["timecode"].as_str().unwrap_or("").to_owned(),
        };
        lines.push_str(&format!("{range}\t{}\t{}\n", m["frame"], m["body"].as_str().unwrap_or("")));
    }
    crate::out(&lines)
}
