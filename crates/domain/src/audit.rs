//! The audit hash chain. Each entry's hash is the SHA-256 of the canonical JSON of its fields,
//! the previous entry's hash among them, so altering or removing any entry breaks every link
//! after it; checkpoints (signed chain heads) catch a chain cut short or recomputed wholesale.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canonical;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Whether an event type is a state change the audit trail keeps. (Progress ticks are not.)
pub fn is_audited(event_type: &str) -> bool {
    event_type != "version.progress"
}

/// The fields an entry's hash covers.
#[derive(Debug, Serialize)]
pub struct EntryFields<'a> {
    pub seq: i64,
    /// Epoch milliseconds.
    pub at: i64,
    pub actor: &'a Value,
    pub action: &'a str,
    pub subject: &'a str,
    pub details: &'a Value,
    pub workspace_id: Option<String>,
    pub project_id: Option<String>,
    pub asset_id: Option<String>,
    pub version_id: Option<String>,
    pub prev_hash: &'a str,
}

/// The hex SHA-256 an entry must carry.
pub fn entry_hash(e: &EntryFields<'_>) -> String {
    let value = serde_json::to_value(e).unwrap_or(Value::Null);
    hex::encode(Sha256::digest(canonical::to_string(&value).as_bytes()))
}

/// The bytes a checkpoint's signature covers.
pub fn checkpoint_message(seq: i64, hash: &str, at: i64) -> String {
    canonical::to_string(&serde_json::json!({
        "type": "frameproof.audit-checkpoint", "seq": seq, "hash": hash, "at": at,
    }))
}

/// What an event is about, for the audit's `subject`: `noun:id` from the event type's noun and
/// the payload's `id` when it has one, else the most specific scope id.
pub fn subject(event_type: &str, payload: &Value, scope: [(&str, Option<String>); 4]) -> String {
    let noun = event_type.split('.').next().unwrap_or(event_type);
    if let Some(id) = payload.get("id").and_then(Value::as_str) {
        return format!("{noun}:{id}");
    }
    scope
        .into_iter()
        .rev()
        .find_map(|(name, id)| id.map(|id| format!("{name}:{id}")))
        .unwrap_or_else(|| String::from("server"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields<'a>(seq: i64, details: &'a Value, actor: &'a Value, prev: &'a str) -> EntryFields<'a> {
        EntryFields {
            seq,
            at: 1_700_000_000_000,
            actor,
            action: "comment.created",
            subject: "comment:1",
            details,
            workspace_id: Some("w".into()),
            project_id: None,
            asset_id: None,
            version_id: None,
            prev_hash: prev,
        }
    }

    #[test]
    fn hash_covers_every_field_and_the_link() {
        let actor = json!({"kind": "user", "name": "Ada"});
        let d = json!({"body": "fix the logo"});
        let h1 = entry_hash(&fields(1, &d, &actor, GENESIS));
        assert_eq!(h1.len(), 64);
        assert_eq!(h1, entry_hash(&fields(1, &d, &actor, GENESIS)));
        assert_ne!(h1, entry_hash(&fields(2, &d, &actor, GENESIS)));
        assert_ne!(h1, entry_hash(&fields(1, &json!({"body": "fix the logo!"}), &actor, GENESIS)));
        assert_ne!(h1, entry_hash(&fields(1, &d, &actor, &h1)));
    }

    #[test]
    fn subjects_name_what_changed() {
        let none = [("workspace", Some("w".into())), ("project", Some("p".into())), ("asset", None), ("version", None)];
        assert_eq!(subject("comment.created", &json!({"id": "c1"}), none.clone()), "comment:c1");
        assert_eq!(subject("member.updated", &json!({"user_id": "u"}), none), "project:p");
        assert!(!is_audited("version.progress"));
        assert!(is_audited("version.locked"));
    }
}
