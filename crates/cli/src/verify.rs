//! `frameproof verify` (an approval receipt, offline) and `frameproof audit verify` (the audit
//! chain of a data dir).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use frameproof_domain::signing::{self, PublicKey};
use frameproof_server::clock::SystemClock;
use frameproof_server::state::AppState;
use frameproof_store::Store;
use sha2::{Digest, Sha256};

/// Reads a key file: the JSON of `GET /api/v1/keys` / `admin export-keys` (a list), or one key.
fn read_keys(path: &Path) -> Result<Vec<PublicKey>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the key file {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let keys =
        if value.is_array() { serde_json::from_value(value) } else { serde_json::from_value(value).map(|k| vec![k]) };
    keys.with_context(|| format!("{} is not a list of {{kid, alg, public_key}} keys", path.display()))
}

/// Checks a receipt's signature against keys the user trusts and, given the file, that its bytes
/// are the ones approved. Answers the line to print.
pub fn receipt(receipt: &Path, file: Option<&Path>, key: &Path) -> Result<String> {
    let keys = read_keys(key)?;
    let text = std::fs::read_to_string(receipt).with_context(|| format!("reading {}", receipt.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", receipt.display()))?;
    let body = signing::verify_document(&keys, "receipt", &doc).map_err(|e| anyhow!("receipt NOT valid: {e}"))?;
    let field = |path: &[&str]| {
        path.iter().try_fold(body, |v, k| v.get(k)).and_then(serde_json::Value::as_str).unwrap_or("?").to_owned()
    };
    let sha = field(&["version", "sha256"]);
    let number = body.pointer("/version/number").and_then(serde_json::Value::as_i64).unwrap_or(0);
    let mut line = format!(
        "receipt valid: v{number} of \"{}\" ({}), locked {}, sha256 {sha}",
        field(&["asset", "name"]),
        field(&["version", "filename"]),
        field(&["lock", "locked_at"]),
    );
    // The fingerprint a printed approval certificate names, to compare by eye.
    if let Some(fingerprint) = signer_fingerprint(&keys, &doc) {
        line.push_str(&format!("; signed by key {fingerprint}"));
    }
    if let Some(file) = file {
        let mut f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf).with_context(|| format!("reading {}", file.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let got = hex::encode(hasher.finalize());
        if got != sha {
            bail!(
                "the receipt is genuine but {} is NOT the approved file: its SHA-256 is {got}, the receipt's {sha}",
                file.display()
            );
        }
        line.push_str(&format!("; {} matches", file.display()));
    }
    Ok(line)
}

/// `<kid> (fingerprint 3f2a 9c01 …)` of the key that signed a verified document.
fn signer_fingerprint(keys: &[PublicKey], doc: &serde_json::Value) -> Option<String> {
    let kid = doc.pointer("/signature/kid")?.as_str()?;
    let public = keys.iter().find(|k| k.kid == kid)?.bytes()?;
    Some(format!("{kid} (fingerprint {})", signing::fingerprint_of(&public)))
}

/// Walks a data dir's audit chain against its checkpoints, those in the database and those in
/// the journal (the data dir's, or `checkpoints`, a copy kept elsewhere); answers the summary
/// line or the first problem.
pub async fn audit(state: &AppState, checkpoints: Option<&Path>) -> Result<String> {
    use frameproof_server::app::audit::{JOURNAL_FILE, read_journal, verify_chain};
    let own = state.config().server.data_dir.join(JOURNAL_FILE);
    let journal = read_journal(checkpoints.unwrap_or(&own)).map_err(|e| anyhow!("{e}"))?;
    let report = verify_chain(state.store(), state.keys().public_keys(), &journal)
        .await
        .map_err(|e| anyhow!("audit chain NOT intact: {e}"))?;
    Ok(match report.head {
        Some((seq, hash)) => format!(
            "audit chain intact: {} entries, {} signed checkpoints, head {seq} {hash}",
            report.entries, report.checkpoints
        ),
        None => String::from("audit chain intact: no entries yet"),
    })
}

/// Opens a data dir read-mostly for `audit verify` (keys are read, never created).
pub async fn open_data_dir(config: frameproof_server::config::Config) -> Result<AppState> {
    let dir = config.server.data_dir.clone();
    if !dir.join(frameproof_store::DB_FILE).is_file() {
        bail!("{} is not a Frameproof data dir (no {} in it)", dir.display(), frameproof_store::DB_FILE);
    }
    if !dir.join(frameproof_server::keys::SIGNING_DIR).join("current").is_file() {
        bail!("{} has no signing keys: checkpoints cannot be checked", dir.display());
    }
    let store = Store::open_in(&dir).await.with_context(|| format!("opening the database in {}", dir.display()))?;
    let blobs = frameproof_blobs::Blobs::local(dir.join("media")).await.context("opening the media store")?;
    AppState::new(store, blobs, config, Arc::new(SystemClock), String::new()).context("loading the server keys")
}
