//! Signed media URLs: `/api/v1/media/{version}/{file}?exp=…&sig=…`, an HMAC-SHA256 over the
//! version, the file and the expiry, keyed by a secret in the data dir. Media requests (a
//! player's many Range requests) are authorised without a database hit; a URL stops working
//! when it expires (≤ 5 minutes), which bounds how long a revoked viewer keeps access.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frameproof_domain::VersionId;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The key file inside the data dir (readable by the server alone).
pub const KEY_FILE: &str = "keys/media-url.key";

/// Loads the signing key, creating it (32 random bytes, mode 0600) on first start.
pub fn load_or_create_key(data_dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = data_dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(k) if k.len() >= 32 => return Ok(k),
        Ok(_) => return Err(std::io::Error::other(format!("{} is shorter than 32 bytes", path.display()))),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    if let Some(dir) = path.parent() {
        crate::keys::private_dir(dir)?;
    }
    let mut key = vec![0u8; 32];
    rand::fill(&mut key[..]);
    crate::keys::write_private(&path, &key)?;
    Ok(key)
}

/// A file name a media URL may name: a rendition (`proxy_540p.mp4`) or a still (`frame_42.jpg`).
pub fn valid_file(file: &str) -> bool {
    !file.is_empty()
        && file.len() <= 64
        && !file.starts_with('.')
        && !file.contains("..")
        && file.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.'))
}

fn mac(key: &[u8], version: VersionId, file: &str, exp: i64) -> Option<HmacSha256> {
    let mut m = HmacSha256::new_from_slice(key).ok()?;
    m.update(format!("{version}\n{file}\n{exp}").as_bytes());
    Some(m)
}

/// The signed path for `file` of `version`, valid until `exp` (seconds since the epoch).
pub fn sign(key: &[u8], version: VersionId, file: &str, exp: i64) -> String {
    let sig =
        mac(key, version, file, exp).map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())).unwrap_or_default();
    format!("/api/v1/media/{version}/{file}?exp={exp}&sig={sig}")
}

/// Checks a signature in constant time.
pub fn verify(key: &[u8], version: VersionId, file: &str, exp: i64, sig: &str) -> bool {
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else { return false };
    mac(key, version, file, exp).is_some_and(|m| m.verify_slice(&sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_version_file_and_expiry() {
        let key = [7u8; 32];
        let v = VersionId(uuid::Uuid::nil());
        let url = sign(&key, v, "proxy_540p.mp4", 1000);
        let sig = url.split("sig=").nth(1).unwrap();
        assert!(verify(&key, v, "proxy_540p.mp4", 1000, sig));
        assert!(!verify(&key, v, "proxy_1080p.mp4", 1000, sig));
        assert!(!verify(&key, v, "proxy_540p.mp4", 1001, sig));
        assert!(!verify(&[8u8; 32], v, "proxy_540p.mp4", 1000, sig));
        assert!(!verify(&key, v, "proxy_540p.mp4", 1000, "garbage"));
    }

    #[test]
    fn file_names_stay_inside_the_version() {
        assert!(valid_file("proxy_540p.mp4") && valid_file("frame_42.jpg"));
        for bad in ["", "../x", "a/../../b", "/etc/passwd", "A.mp4", "x y", "frames/1.jpg", "..", ".hidden"] {
            assert!(!valid_file(bad), "{bad}");
        }
    }
}
