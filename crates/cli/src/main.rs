//! `frameproof`: the one binary. Subcommands, configuration loading and wiring; the logic
//! lives in the library crates.

mod admin;
mod config;
mod remote;
mod verify;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use frameproof_server::clock::SystemClock;
use toml::Value;

/// Frameproof: self-hosted review and approval for video and creative work.
///
/// Start with `frameproof serve`; on first start it prints a one-time set-up link.
#[derive(Debug, Parser)]
#[command(name = "frameproof", version, propagate_version = true)]
struct Cli {
    /// Configuration file (default: ./frameproof.toml when present).
    #[arg(long, global = true, env = "FRAMEPROOF_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, the web app, the events stream, and run media jobs and housekeeping.
    Serve {
        /// Where the database and media live (config: server.data_dir; default ./data).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Address to listen on; port 0 picks a free one (config: server.listen; default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<SocketAddr>,
    },
    /// Run media jobs only (no HTTP), against the same data dir as a server: for more workers.
    Worker {
        /// Where the database and media live (config: server.data_dir; default ./data).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Provisioning and operations on a data dir, no server needed.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print the OpenAPI document (the same as GET /api/v1/openapi.json).
    Openapi,
    /// Timecode calculator: a frame number to its SMPTE label, or a label to its frame.
    ///
    /// `frameproof tc --rate 30000/1001 --drop-frame --frame 17982` prints 00:10:00;00, and
    /// `--timecode 00:10:00;00` prints 17982. Only the value goes to stdout.
    Tc(TcArgs),
    /// Check an approval receipt offline: its signature against a public key you trust and,
    /// given the file, that the file's bytes are the ones approved. Exits non-zero otherwise.
    Verify {
        /// The receipt (JSON, from GET /api/v1/versions/{id}/receipt).
        receipt: PathBuf,
        /// The file to check against the receipt's SHA-256.
        file: Option<PathBuf>,
        /// Trusted public keys: the JSON of GET /api/v1/keys or `admin export-keys`.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// From a running server (--server, --token): marker files and the printable report.
    Export {
        #[command(subcommand)]
        command: remote::ExportCommand,
    },
    /// Into a running server (--server, --token): markers from editing software as comments.
    Import {
        #[command(subcommand)]
        command: remote::ImportCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the audit chain of a data dir: names the first entry altered or removed, and detects
    /// a chain cut short or recomputed behind a signed checkpoint. Exits non-zero on any problem.
    Verify {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// A copy of the checkpoint journal kept elsewhere (default: the data dir's
        /// audit-checkpoints.jsonl). Checkpoints missing from the database are reported.
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["frame", "timecode"])))]
struct TcArgs {
    /// Frame rate: a rational (30000/1001), an integer (25), or 23.976, 29.97, 59.94, 119.88.
    #[arg(long, value_parser = parse_rate)]
    rate: frameproof_domain::FrameRate,
    /// Drop-frame timecode (29.97 and 59.94 only); labels use ';' before the frame field.
    #[arg(long)]
    drop_frame: bool,
    /// The label of frame 0 (the source's start timecode), e.g. 01:00:00;00.
    #[arg(long, value_name = "TIMECODE")]
    start: Option<String>,
    /// A frame number (from 0) to convert to a label.
    #[arg(long)]
    frame: Option<u64>,
    /// A label to convert to a frame number.
    #[arg(long)]
    timecode: Option<String>,
}

fn parse_rate(s: &str) -> Result<frameproof_domain::FrameRate, String> {
    let named = match s.trim() {
        "23.976" | "23.98" => Some("24000/1001"),
        "29.97" => Some("30000/1001"),
        "47.952" => Some("48000/1001"),
        "59.94" => Some("60000/1001"),
        "119.88" => Some("120000/1001"),
        _ => None,
    };
    frameproof_domain::FrameRate::parse(named.unwrap_or(s))
        .ok_or_else(|| format!("{s:?} is not a frame rate: write 30000/1001, 25, or 23.976, 29.97, 59.94, 119.88"))
}

fn timecode(args: &TcArgs) -> Result<String> {
    let format = frameproof_domain::TimecodeFormat::new(args.rate, args.drop_frame)?;
    let tc = frameproof_domain::Timecode::new(format, args.start.as_deref())?;
    Ok(match (&args.frame, &args.timecode) {
        (Some(frame), _) => tc.label(*frame),
        (None, Some(label)) => tc.frame(label)?.to_string(),
        (None, None) => anyhow::bail!("give --frame or --timecode"),
    })
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (defaults, file, environment) with secrets redacted.
    Print,
}

/// Writes a command's value to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn out(text: &str) -> Result<()> {
    out_bytes(text.as_bytes())
}

/// [`out`] for bytes (a file a command produces).
pub(crate) fn out_bytes(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn env_vars() -> Vec<(String, String)> {
    std::env::vars().collect()
}

/// A job runner over a server's state (same database, blobs, tools and clock).
fn runner(state: &frameproof_server::state::AppState) -> frameproof_jobs::Runner {
    let clock = state.clock();
    frameproof_jobs::Runner {
        ctx: frameproof_jobs::Ctx {
            store: state.store().clone(),
            blobs: state.blobs().clone(),
            tools: state.tools().clone(),
            clock: Arc::new(move || clock.now().0),
            progress: Arc::default(),
        },
        worker_id: frameproof_jobs::worker_id(),
        concurrency: state.config().media.concurrency as usize,
        lease_ms: i64::from(state.config().media.job_lease_secs) * 1000,
    }
}

/// The configuration with `--data-dir` / `--listen` applied on top.
pub(crate) fn load_config(
    cli_config: Option<&std::path::Path>,
    data_dir: Option<&PathBuf>,
    listen: Option<SocketAddr>,
) -> Result<frameproof_server::config::Config> {
    let mut overrides: Vec<(&str, Value)> = Vec::new();
    if let Some(d) = data_dir {
        overrides.push(("server.data_dir", Value::String(d.to_string_lossy().into_owned())));
    }
    if let Some(l) = listen {
        overrides.push(("server.listen", Value::String(l.to_string())));
    }
    config::load(cli_config, &env_vars(), &overrides)
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { data_dir, listen } => {
            let config = load_config(cli.config.as_deref(), data_dir.as_ref(), listen)?;
            tracing::info!(data_dir = %config.server.data_dir.display(), "starting frameproof {}", env!("CARGO_PKG_VERSION"));
            let running =
                frameproof_server::start(config, Arc::new(SystemClock)).await.context("starting the server")?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let jobs = tokio::spawn(runner(&running.state).run(stopped));
            frameproof_server::shutdown_signal().await;
            tracing::info!("stopping");
            // Jobs first (they hand unfinished work back to the queue), then HTTP and the database.
            let _ = stop.send(true);
            let _ = jobs.await;
            running.shutdown().await.context("stopping the server")?;
            Ok(())
        }
        Command::Worker { data_dir } => {
            let config = load_config(cli.config.as_deref(), data_dir.as_ref(), None)?;
            let dir = config.server.data_dir.clone();
            if !dir.join(frameproof_store::DB_FILE).is_file() {
                anyhow::bail!("{} is not a Frameproof data dir (start `frameproof serve` on it first)", dir.display());
            }
            let store = frameproof_store::Store::open_in(&dir).await.context("opening the database")?;
            let blobs = frameproof_blobs::Blobs::local(dir.join("media")).await.context("opening the media store")?;
            let state =
                frameproof_server::state::AppState::new(store, blobs, config, Arc::new(SystemClock), String::new())
                    .context("loading the server keys")?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let runner = runner(&state);
            tracing::info!(worker = %runner.worker_id, "worker started");
            let jobs = tokio::spawn(runner.run(stopped));
            frameproof_server::shutdown_signal().await;
            let _ = stop.send(true);
            let _ = jobs.await;
            Ok(())
        }
        Command::Admin { command } => admin::run(cli.config.as_deref(), command).await,
        Command::Config { command: ConfigCommand::Print } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            out(&config::print(&config)?)
        }
        Command::Tc(args) => out(&format!("{}\n", timecode(&args)?)),
        Command::Verify { receipt, file, key } => {
            out(&format!("{}\n", verify::receipt(&receipt, file.as_deref(), &key)?))
        }
        Command::Audit { command: AuditCommand::Verify { data_dir, checkpoints } } => {
            let config = load_config(cli.config.as_deref(), data_dir.as_ref(), None)?;
            let state = verify::open_data_dir(config).await?;
            let line = verify::audit(&state, checkpoints.as_deref()).await;
            state.store().close().await;
            out(&format!("{}\n", line?))
        }
        Command::Export { command } => remote::export(command).await,
        Command::Import { command } => remote::import(command).await,
        Command::Openapi => {
            let doc =
                frameproof_server::routes::openapi().to_pretty_json().context("rendering the OpenAPI document")?;
            out(&format!("{doc}\n"))
        }
    }
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
