//! Frameproof's domain: the model and its rules.
//!
//! Owns typed ids, roles and what each may do, validation of names, e-mails and passwords,
//! timestamps as values, quotas, the names of event types, timecode, the review rules (anchors,
//! annotations, decision aggregation, when a version locks), canonical JSON, Ed25519 signing of
//! receipts, the audit hash chain and the business-day calendar. It must not touch HTTP, SQL,
//! the clock or the filesystem: time and ids are parameters, so every rule here is testable as a
//! plain function.

pub mod analytics;
pub mod audit;
pub mod audit_checks;
pub mod brief;
pub mod calendar;
pub mod canonical;
pub mod event;
pub mod ids;
pub mod problem;
pub mod quota;
pub mod rate;
pub mod review;
pub mod role;
pub mod signing;
pub mod time;
pub mod timecode;
pub mod validate;
pub mod workflow;

pub use ids::*;
pub use rate::FrameRate;
pub use role::{Action, Role};
pub use time::Timestamp;
pub use timecode::{Timecode, TimecodeError, TimecodeFormat};
