//! The server's Ed25519 signing keys (approval receipts, audit checkpoints), kept in the data
//! dir under `keys/signing/`: one `<kid>.ed25519` file of 32 secret bytes per key (mode 0600, in
//! a 0700 folder), and `current` naming the key that signs. Old keys stay so old receipts still
//! verify; their public halves are published at `GET /api/v1/keys` and by `admin export-keys`.

use std::io::Write;
use std::path::{Path, PathBuf};

use frameproof_domain::signing::{KeyPair, PublicKey};

/// The folder of signing keys inside the data dir.
pub const SIGNING_DIR: &str = "keys/signing";

/// The server's signing keys.
pub struct Keyring {
    current: KeyPair,
    public: Vec<PublicKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("current", &self.current.kid()).finish_non_exhaustive()
    }
}

impl Keyring {
    /// Loads the keys, creating the first one when there is none.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Keyring> {
        let dir = data_dir.join(SIGNING_DIR);
        let current = match std::fs::read_to_string(dir.join("current")) {
            Ok(kid) => kid.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => rotate(data_dir)?,
            Err(e) => return Err(e),
        };
        let mut pairs = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "ed25519") {
                pairs.push(read_pair(&path)?);
            }
        }
        pairs.sort_by(|a, b| a.kid().cmp(b.kid()));
        let public = pairs.iter().map(KeyPair::public).collect();
        let current = pairs
            .into_iter()
            .find(|p| p.kid() == current)
            .ok_or_else(|| std::io::Error::other(format!("{}: the current key {current} is missing", dir.display())))?;
        Ok(Keyring { current, public })
    }

    /// The key that signs now.
    pub fn current(&self) -> &KeyPair {
        &self.current
    }

    /// Every public key, old ones included.
    pub fn public_keys(&self) -> &[PublicKey] {
        &self.public
    }
}

fn read_pair(path: &Path) -> std::io::Result<KeyPair> {
    let bytes = std::fs::read(path)?;
    let secret: [u8; 32] = bytes
        .try_into()
        .map_err(|_| std::io::Error::other(format!("{} is not a 32-byte Ed25519 secret", path.display())))?;
    let pair = KeyPair::from_secret(&secret);
    if path.file_stem().is_some_and(|s| s != pair.kid()) {
        return Err(std::io::Error::other(format!("{} does not hold key {}", path.display(), pair.kid())));
    }
    Ok(pair)
}

/// Makes a new signing key the current one (old ones are kept); answers its id.
pub fn rotate(data_dir: &Path) -> std::io::Result<String> {
    let dir = data_dir.join(SIGNING_DIR);
    private_dir(&dir)?;
    let mut secret = [0u8; 32];
    rand::fill(&mut secret[..]);
    let pair = KeyPair::from_secret(&secret);
    write_private(&dir.join(format!("{}.ed25519", pair.kid())), &secret)?;
    write_private(&dir.join("current"), pair.kid().as_bytes())?;
    Ok(pair.kid().to_owned())
}

/// Creates a folder only its owner may enter.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes a secret file atomically (temporary file, fsync, rename), readable by its owner alone.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp: PathBuf = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_rotated_and_old_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keyring::load_or_create(dir.path()).unwrap();
        let again = Keyring::load_or_create(dir.path()).unwrap();
        assert_eq!(first.current().kid(), again.current().kid());
        let kid = rotate(dir.path()).unwrap();
        let after = Keyring::load_or_create(dir.path()).unwrap();
        assert_eq!(after.current().kid(), kid);
        assert_eq!(after.public_keys().len(), 2);
        assert!(after.public_keys().iter().any(|k| k.kid == first.current().kid()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join(SIGNING_DIR).join(format!("{kid}.ed25519"))).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }
}
