//! Storage quotas. Plans are priced by storage, never by seats: a quota is bytes.

use serde::Serialize;

/// The quota a new workspace gets unless configured otherwise: 100 GiB.
pub const DEFAULT_QUOTA_BYTES: i64 = 100 * 1024 * 1024 * 1024;

/// What a workspace stores against its quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StorageUsage {
    /// The quota in bytes.
    pub quota_bytes: i64,
    /// Bytes of uploaded originals.
    pub originals_bytes: i64,
    /// Bytes of derived media (proxies, stills, sprites, waveforms, pages).
    pub derived_bytes: i64,
    /// originals + derived.
    pub used_bytes: i64,
    /// What is left before the quota is reached (never negative).
    pub available_bytes: i64,
}

impl StorageUsage {
    /// Sums the parts and works out what is left.
    pub fn new(quota_bytes: i64, originals_bytes: i64, derived_bytes: i64) -> Self {
        let used = originals_bytes.saturating_add(derived_bytes);
        Self {
            quota_bytes,
            originals_bytes,
            derived_bytes,
            used_bytes: used,
            available_bytes: quota_bytes.saturating_sub(used).max(0),
        }
    }

    /// Whether `extra` more bytes would still fit.
    pub fn fits(&self, extra: i64) -> bool {
        extra <= self.available_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_counts_originals_and_derived() {
        let u = StorageUsage::new(1000, 600, 300);
        assert_eq!(u.used_bytes, 900);
        assert_eq!(u.available_bytes, 100);
        assert!(u.fits(100));
        assert!(!u.fits(101));
        assert_eq!(StorageUsage::new(10, 20, 0).available_bytes, 0);
    }
}
