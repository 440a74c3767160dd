//! `frameproof admin …`: provisioning and operations straight on a data dir. Safe while a
//! server runs on the same data dir (SQLite in WAL mode; writes take the write lock).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use frameproof_domain::{Role, UserId, event, validate};
use frameproof_server::app::{accounts as app_accounts, new_uuid, workspaces as app_workspaces};
use frameproof_server::auth;
use frameproof_server::clock::{Clock, SystemClock};
use frameproof_server::events::{Actor, EventScope, record};
use frameproof_server::model::{MemberView, WorkspaceEvent};
use frameproof_server::state::AppState;
use frameproof_store::accounts::{self, NewUser};
use frameproof_store::{Store, workspaces};

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user (and, with --workspace, a workspace they own).
    CreateUser {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        email: String,
        /// Display name (default: the part of the e-mail before @).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Create this workspace with the user as owner (or, with --role, join it when it exists).
        #[arg(long, value_name = "NAME")]
        workspace: Option<String>,
        /// Join an existing --workspace with this role: owner, admin, member or reviewer.
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
    },
    /// Create a personal API token for a user and print it (alone) on stdout.
    CreateToken {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "created by frameproof admin")]
        name: String,
    },
    /// Set a user's password (read from stdin) and sign out all their sessions.
    ResetPassword {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        email: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a workspace's storage quota in bytes.
    SetQuota {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long, value_name = "NAME")]
        workspace: String,
        #[arg(long)]
        bytes: i64,
    },
    /// Check the database's integrity and references; exits non-zero naming any problem.
    Check {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Write the server's public signing keys (old ones included) as JSON: the trusted key file
    /// `frameproof verify --key` reads. The same as GET /api/v1/keys.
    ExportKeys {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Write to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Make a new signing key the current one (old keys are kept so old receipts still verify);
    /// prints its key id. Restart the server to use it.
    RotateKey {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Copy the database (one consistent snapshot) and the media into a new folder that is itself
    /// a valid data dir. Safe while the server runs.
    Backup {
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// The folder to create (must not exist, or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("{s:?} is not a role: owner, admin, member or reviewer"))
}

fn read_password() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("reading the password from stdin")?;
    let pw = s.lines().next().unwrap_or("").to_owned();
    validate::password(&pw).map_err(|e| anyhow!("{e}"))?;
    Ok(pw)
}

/// Opens the data dir's database. Only `create-user` may start a new data dir; every other
/// command refuses a folder without a database, so a mistyped `--data-dir` is caught.
async fn open(config_path: Option<&Path>, data_dir: Option<&PathBuf>, create: bool) -> Result<AppState> {
    let config = crate::load_config(config_path, data_dir, None)?;
    let dir = config.server.data_dir.clone();
    if !create && !dir.join(frameproof_store::DB_FILE).is_file() {
        bail!("{} is not a Frameproof data dir (no {} in it)", dir.display(), frameproof_store::DB_FILE);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating the data dir {}", dir.display()))?;
    let store = Store::open_in(&dir).await.with_context(|| format!("opening the database in {}", dir.display()))?;
    let blobs = frameproof_blobs::Blobs::local(dir.join("media")).await.context("opening the media store")?;
    AppState::new(store, blobs, config, Arc::new(SystemClock), String::from("http://127.0.0.1:8080"))
        .context("loading the server keys")
}

fn api(e: frameproof_server::error::ApiError) -> anyhow::Error {
    anyhow!("{} ({})", e.message, e.code)
}

pub async fn run(config_path: Option<&Path>, cmd: AdminCommand) -> Result<()> {
    match cmd {
        AdminCommand::CreateUser { data_dir, email, name, password_stdin: _, workspace, role } => {
            let state = open(config_path, data_dir.as_ref(), true).await?;
            let email = validate::email(&email).map_err(|e| anyhow!("{e}"))?;
            let name =
                validate::name("name", name.as_deref().unwrap_or_else(|| email.split('@').next().unwrap_or(&email)))
                    .map_err(|e| anyhow!("{e}"))?;
            let hash = auth::hash_password(read_password()?).await.map_err(api)?;
            let now = SystemClock.now();
            let mut tx = state.store().begin().await?;
            if accounts::user_by_email(&mut tx, &email).await?.is_some() {
                bail!("a user with the e-mail {email} already exists");
            }
            let id = UserId(new_uuid(now));
            accounts::insert_user(
                &mut tx,
                &NewUser { id, email: &email, name: &name, password_hash: &hash, now: now.0 },
            )
            .await?;
            if let Some(ws_name) = workspace {
                match (workspaces::workspace_by_name(&mut tx, &ws_name).await?, role) {
                    (None, _) => {
                        let ws = app_workspaces::create_in(&mut tx, &state, id, &name, &ws_name).await.map_err(api)?;
                        eprintln!("created workspace {:?} ({}) owned by {email}", ws.name, ws.id);
                    }
                    (Some(ws), Some(role)) => {
                        workspaces::insert_member(&mut tx, ws.id, id, role, now.0).await?;
                        let member =
                            workspaces::member(&mut tx, ws.id, id).await?.ok_or_else(|| anyhow!("member vanished"))?;
                        record(
                            &mut tx,
                            event::MEMBER_ADDED,
                            now.0,
                            &Actor::system(),
                            EventScope::workspace(ws.id),
                            &MemberView::from(&member),
                        )
                        .await?;
                        eprintln!("added {email} to workspace {:?} as {}", ws.name, role.as_str());
                    }
                    (Some(_), None) => bail!("the workspace {ws_name:?} exists; pass --role to join it"),
                }
            }
            tx.commit().await?;
            eprintln!("created user {email} ({id})");
            Ok(())
        }
        AdminCommand::CreateToken { data_dir, email, name } => {
            let state = open(config_path, data_dir.as_ref(), false).await?;
            let email = email.trim().to_lowercase();
            let mut tx = state.store().begin().await?;
            let user = accounts::user_by_email(&mut tx, &email)
                .await?
                .ok_or_else(|| anyhow!("no user has the e-mail {email}"))?;
            let created =
                app_accounts::create_token_in(&mut tx, user.id, &name, None, SystemClock.now()).await.map_err(api)?;
            tx.commit().await?;
            crate::out(&format!("{}\n", created.token))
        }
        AdminCommand::ResetPassword { data_dir, email, password_stdin: _ } => {
            let state = open(config_path, data_dir.as_ref(), false).await?;
            let email = email.trim().to_lowercase();
            let hash = auth::hash_password(read_password()?).await.map_err(api)?;
            let now = SystemClock.now().0;
            let mut tx = state.store().begin().await?;
            let user = accounts::user_by_email(&mut tx, &email)
                .await?
                .ok_or_else(|| anyhow!("no user has the e-mail {email}"))?;
            accounts::set_password(&mut tx, user.id, &hash, now).await?;
            let n = accounts::revoke_user_sessions(&mut tx, user.id, None, now).await?;
            // A reset also lifts a sign-in lockout on the account.
            accounts::clear_account_login_failures(&mut tx, &email).await?;
            tx.commit().await?;
            eprintln!("password of {email} reset; {n} session(s) signed out");
            Ok(())
        }
        AdminCommand::SetQuota { data_dir, workspace, bytes } => {
            if bytes < 0 {
                bail!("--bytes must be zero or more");
            }
            let state = open(config_path, data_dir.as_ref(), false).await?;
            let mut tx = state.store().begin().await?;
            let ws = workspaces::workspace_by_name(&mut tx, &workspace)
                .await?
                .ok_or_else(|| anyhow!("no workspace is named {workspace:?}"))?;
            let now = SystemClock.now().0;
            workspaces::set_quota(&mut tx, ws.id, bytes, now).await?;
            let row = workspaces::workspace(&mut tx, ws.id).await?.ok_or_else(|| anyhow!("workspace vanished"))?;
            record(
                &mut tx,
                event::WORKSPACE_UPDATED,
                now,
                &Actor::system(),
                EventScope::workspace(ws.id),
                &WorkspaceEvent::from(&row),
            )
            .await?;
            tx.commit().await?;
            eprintln!("quota of {:?} set to {bytes} bytes", ws.name);
            Ok(())
        }
        AdminCommand::Check { data_dir } => {
            let state = open(config_path, data_dir.as_ref(), false).await?;
            let problems = state.store().integrity_check().await?;
            if !problems.is_empty() {
                bail!("the database has problems:\n  {}", problems.join("\n  "));
            }
            eprintln!("database ok: {}", state.store().path().display());
            Ok(())
        }
        AdminCommand::ExportKeys { data_dir, out } => {
            let state = open(config_path, data_dir.as_ref(), false).await?;
            let json = serde_json::to_string_pretty(state.keys().public_keys())? + "\n";
            match out {
                Some(path) => std::fs::write(&path, json).with_context(|| format!("writing {}", path.display())),
                None => crate::out(&json),
            }
        }
        AdminCommand::RotateKey { data_dir } => {
            let state = open(config_path, data_dir.as_ref(), false).await?;
            let kid = frameproof_server::keys::rotate(&state.config().server.data_dir).context("making a new key")?;
            crate::out(&format!("{kid}\n"))
        }
        AdminCommand::Backup { data_dir, out } => {
            let state = open(config_path, data_dir.as_ref(), false).await?;
            backup(&state, &out).await
        }
    }
}

/// Snapshot the database with `VACUUM INTO`, then copy media and keys. Media files are written
/// before the rows that name them commit and are never changed in place, so every file the
/// snapshot refers to already exists when the copy runs.
async fn backup(state: &AppState, out: &Path) -> Result<()> {
    if out.exists() && std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))?.next().is_some() {
        bail!("{} is not empty; back up into a new folder", out.display());
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let db_out = out.join(frameproof_store::DB_FILE);
    state.store().backup_to(&db_out).await.context("snapshotting the database")?;
    let src = &state.config().server.data_dir;
    let mut files = 0u64;
    // Uploads in progress first: a finishing upload moves from staging/ to originals/, and
    // copying staging/ before originals/ means the file is caught in one place or the other.
    for sub in ["media/staging", "media", "keys"] {
        let from = src.join(sub);
        if from.is_dir() {
            files += copy_tree(&from, &out.join(sub)).with_context(|| format!("copying {}", from.display()))?;
        }
    }
    // The keys stay readable by their owner alone in the copy too.
    for sub in ["keys", frameproof_server::keys::SIGNING_DIR] {
        if out.join(sub).is_dir() {
            frameproof_server::keys::private_dir(&out.join(sub)).context("protecting the copied keys")?;
        }
    }
    let journal = frameproof_server::app::audit::JOURNAL_FILE;
    if src.join(journal).is_file() {
        std::fs::copy(src.join(journal), out.join(journal)).context("copying the checkpoint journal")?;
    }
    let check = Store::open(&db_out).await.context("opening the backup")?;
    let problems = check.integrity_check().await?;
    check.close().await;
    if !problems.is_empty() {
        bail!("the backup failed its integrity check: {}", problems.join("; "));
    }
    eprintln!("backup written to {} (database + {files} media/key files)", out.display());
    Ok(())
}

/// Copies a folder's files that are not there yet (a file vanishing mid-copy — an upload
/// finishing, a scratch file cleaned up — is skipped, not an error).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<u64> {
    std::fs::create_dir_all(to)?;
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() && entry.file_name() == "tmp" {
            continue; // scratch space of running jobs
        }
        if kind.is_dir() {
            n += copy_tree(&entry.path(), &dest)?;
        } else if kind.is_file() && !dest.exists() {
            match std::fs::copy(entry.path(), &dest) {
                Ok(_) => n += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(n)
}
