//! Typed ids. Every id is a UUIDv7 made in Rust (time-ordered, so keys cluster well in both
//! SQLite and PostgreSQL) and travels as its canonical string.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares a newtype around [`Uuid`] so a `ProjectId` can never be passed where a `FolderId`
/// is expected.
macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id whose time part is `unix_ms`; the rest is random.
            pub fn new_at(unix_ms: i64, random: [u8; 10]) -> Self {
                Self(uuid_v7(unix_ms, random))
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Uuid,
                    )))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    )*};
}

typed_id!(
    /// A person with an account.
    UserId,
    /// A tenant: members, projects and a storage quota.
    WorkspaceId,
    /// A campaign inside a workspace.
    ProjectId,
    /// A folder inside a project (every project has a root folder).
    FolderId,
    /// A version stack inside a folder.
    AssetId,
    /// One uploaded file in an asset's stack.
    VersionId,
    /// A pending invitation to a workspace.
    InviteId,
    /// A personal API token.
    ApiTokenId,
    /// A signed-in browser session.
    SessionId,
    /// A comment or reply on a version.
    CommentId,
    /// A recorded decision (approve, request changes, …).
    DecisionId,
    /// An issued approval receipt.
    ReceiptId,
    /// A share link (its token is never stored).
    ShareLinkId,
    /// A guest's session on a share link.
    GuestSessionId,
    /// A named, re-usable list of recipients' e-mail addresses.
    RecipientListId,
);

/// Builds a UUIDv7 from a millisecond timestamp and 10 random bytes (RFC 9562 §5.7), so the
/// caller decides where time and randomness come from.
pub fn uuid_v7(unix_ms: i64, random: [u8; 10]) -> Uuid {
    let ms = u64::try_from(unix_ms).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6..].copy_from_slice(&random);
    b[6] = (b[6] & 0x0F) | 0x70;
    b[8] = (b[8] & 0x3F) | 0x80;
    Uuid::from_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_carries_version_variant_and_time() {
        let u = uuid_v7(1_700_000_000_123, [0xFF; 10]);
        assert_eq!(u.get_version_num(), 7);
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
        let (secs, nanos) = u.get_timestamp().map(|t| t.to_unix()).unwrap();
        assert_eq!(secs * 1000 + u64::from(nanos / 1_000_000), 1_700_000_000_123);
    }

    #[test]
    fn ids_sort_by_time() {
        let a = ProjectId::new_at(1000, [0xFF; 10]);
        let b = ProjectId::new_at(1001, [0; 10]);
        assert!(a < b);
    }
}
