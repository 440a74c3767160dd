//! Ed25519 signatures over canonical JSON: approval receipts and audit checkpoints.
//!
//! A signed document is `{"<body name>": {...}, "signature": {"alg": "Ed25519", "kid": "...",
//! "value": "<base64>"}}`; the signature covers the body's RFC 8785 canonical form. Public keys
//! travel as `[{kid, alg: "Ed25519", public_key: base64}]` (`GET /api/v1/keys`, `admin
//! export-keys`). A key's fingerprint is the SHA-256 of its 32 raw public bytes in hex, in groups
//! of four digits (what a printed approval certificate names, to be compared by eye); its id is
//! the fingerprint's first 16 digits, so anyone can recompute both.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canonical;

/// The only algorithm we sign with.
pub const ALG: &str = "Ed25519";

/// A server signing key (its secret part never leaves the data dir).
pub struct KeyPair {
    key: SigningKey,
    kid: String,
}

impl KeyPair {
    /// A key from its 32 secret bytes.
    pub fn from_secret(secret: &[u8; 32]) -> KeyPair {
        let key = SigningKey::from_bytes(secret);
        let kid = kid_of(&key.verifying_key().to_bytes());
        KeyPair { key, kid }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, as published.
    pub fn public(&self) -> PublicKey {
        let public = self.key.verifying_key().to_bytes();
        PublicKey {
            kid: self.kid.clone(),
            alg: ALG.to_owned(),
            public_key: STANDARD.encode(public),
            fingerprint: fingerprint_of(&public),
        }
    }

    /// Signs `message`; answers the signature in base64.
    pub fn sign(&self, message: &[u8]) -> String {
        STANDARD.encode(self.key.sign(message).to_bytes())
    }

    /// Signs a JSON body: answers `{name: body, signature: {alg, kid, value}}`.
    pub fn sign_document(&self, name: &str, body: Value) -> Value {
        let value = self.sign(canonical::to_string(&body).as_bytes());
        let mut doc = serde_json::Map::new();
        doc.insert(name.to_owned(), body);
        doc.insert(String::from("signature"), serde_json::json!({ "alg": ALG, "kid": self.kid, "value": value }));
        Value::Object(doc)
    }
}

/// A published public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// The key id receipts and checkpoints name.
    pub kid: String,
    /// Always `Ed25519`.
    pub alg: String,
    /// The 32-byte public key, base64.
    pub public_key: String,
    /// SHA-256 of the 32 public-key bytes, hex in groups of four digits: the fingerprint printed
    /// on approval certificates. Informative (verification works from `public_key`; a key file
    /// without it still reads), but a key file whose fingerprint does not match is refused.
    #[serde(default)]
    pub fingerprint: String,
}

impl PublicKey {
    /// The 32 key bytes, when `public_key` is well-formed base64 of that length.
    pub fn bytes(&self) -> Option<[u8; 32]> {
        STANDARD.decode(&self.public_key).ok()?.try_into().ok()
    }
}

/// The key id of a public key.
pub fn kid_of(public: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(public)[..8])
}

/// The fingerprint of a public key: `3f2a 9c01 …`, the 64 hex digits of the SHA-256 of its 32
/// bytes in 16 groups of four (the key id is its first 16 digits, without the spaces).
pub fn fingerprint_of(public: &[u8; 32]) -> String {
    let digits = hex::encode(Sha256::digest(public));
    let groups: Vec<&str> = (0..digits.len()).step_by(4).filter_map(|i| digits.get(i..i + 4)).collect();
    groups.join(" ")
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the document is not a signed Frameproof document: {0}")]
    Malformed(String),
    #[error("the document was signed with key {0}, which is not among the keys given")]
    UnknownKey(String),
    #[error("the signature does not match the document: it was altered, or signed by another key")]
    Mismatch,
}

/// Checks `signature` (base64) over `message` with the key `kid` from `keys`.
pub fn verify(keys: &[PublicKey], kid: &str, message: &[u8], signature: &str) -> Result<(), SignatureError> {
    let key = keys.iter().find(|k| k.kid == kid).ok_or_else(|| SignatureError::UnknownKey(kid.to_owned()))?;
    if key.alg != ALG {
        return Err(SignatureError::Malformed(format!("key {kid} is {}, not {ALG}", key.alg)));
    }
    let public = key
        .bytes()
        .ok_or_else(|| SignatureError::Malformed(format!("key {kid} is not a 32-byte base64 public key")))?;
    // The key id must be this key's: a file cannot pair a known kid with another key.
    if kid_of(&public) != kid {
        return Err(SignatureError::Malformed(format!("key {kid} does not match its public key")));
    }
    if !key.fingerprint.is_empty() && key.fingerprint != fingerprint_of(&public) {
        return Err(SignatureError::Malformed(format!("key {kid}'s fingerprint does not match its public key")));
    }
    let verifying = VerifyingKey::from_bytes(&public)
        .map_err(|_| SignatureError::Malformed(format!("key {kid} is not a valid Ed25519 key")))?;
    let sig: [u8; 64] = STANDARD
        .decode(signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| SignatureError::Malformed(String::from("the signature is not 64 bytes of base64")))?;
    verifying.verify_strict(message, &Signature::from_bytes(&sig)).map_err(|_| SignatureError::Mismatch)
}

/// Checks a document made by [`KeyPair::sign_document`]; answers its body.
pub fn verify_document<'a>(keys: &[PublicKey], name: &str, doc: &'a Value) -> Result<&'a Value, SignatureError> {
    let body = doc.get(name).ok_or_else(|| SignatureError::Malformed(format!("no \"{name}\" member")))?;
    let sig = doc.get("signature").ok_or_else(|| SignatureError::Malformed(String::from("no \"signature\" member")))?;
    let field = |f: &str| {
        sig.get(f)
            .and_then(Value::as_str)
            .ok_or_else(|| SignatureError::Malformed(format!("the signature has no \"{f}\"")))
    };
    if field("alg")? != ALG {
        return Err(SignatureError::Malformed(format!("the signature's alg is not {ALG}")));
    }
    verify(keys, field("kid")?, canonical::to_string(body).as_bytes(), field("value")?)?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signed_documents_verify_and_any_change_breaks_them() {
        let k = KeyPair::from_secret(&[7; 32]);
        let other = KeyPair::from_secret(&[8; 32]);
        let doc = k.sign_document("receipt", json!({"b": "two", "a": 1}));
        let keys = [k.public()];
        assert_eq!(verify_document(&keys, "receipt", &doc).unwrap(), &json!({"a": 1, "b": "two"}));
        // Member order, spacing and number spelling do not matter: the signature covers the
        // canonical form.
        let sig = doc["signature"].to_string();
        let text = format!(r#"{{ "signature": {sig}, "receipt": {{ "b": "two",  "a": 1.0e0 }} }}"#);
        assert!(!text.contains(r#""a":1,"b":"two""#));
        let reordered: Value = serde_json::from_str(&text).unwrap();
        assert!(verify_document(&keys, "receipt", &reordered).is_ok());

        let mut changed = doc.clone();
        changed["receipt"]["a"] = json!(2);
        assert_eq!(verify_document(&keys, "receipt", &changed), Err(SignatureError::Mismatch));
        assert!(matches!(verify_document(&[other.public()], "receipt", &doc), Err(SignatureError::UnknownKey(_))));
        // Another key presented under this key's id is refused.
        let mut forged = other.public();
        forged.kid = k.kid().to_owned();
        assert!(matches!(verify_document(&[forged], "receipt", &doc), Err(SignatureError::Malformed(_))));
        // So is a key listed with another key's fingerprint; one listed without any still works.
        let mut misprinted = k.public();
        misprinted.fingerprint = other.public().fingerprint;
        assert!(matches!(verify_document(&[misprinted], "receipt", &doc), Err(SignatureError::Malformed(_))));
        let mut bare = k.public();
        bare.fingerprint.clear();
        assert!(verify_document(&[bare], "receipt", &doc).is_ok());
    }

    #[test]
    fn a_fingerprint_is_the_grouped_sha256_of_the_public_key_and_begins_with_its_id() {
        let k = KeyPair::from_secret(&[7; 32]);
        let public = k.public().bytes().unwrap();
        let fp = fingerprint_of(&public);
        assert_eq!(fp.len(), 64 + 15);
        assert_eq!(fp.replace(' ', ""), hex::encode(Sha256::digest(public)));
        assert!(fp.split(' ').all(|g| g.len() == 4));
        assert!(fp.replace(' ', "").starts_with(k.kid()));
        assert_eq!(k.public().fingerprint, fp);
    }
}
