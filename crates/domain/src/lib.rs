//! Frameproof's domain: the model and its rules.
//!
//! Owns typed ids, roles and what each may do, validation of names, e-mails and passwords,
//! timestamps as values, quotas, and the names of event types. It must not touch HTTP, SQL,
//! the clock or the filesystem: time and ids are parameters, so every rule here is testable as a
//! plain function.

pub mod event;
pub mod ids;
pub mod quota;
pub mod rate;
pub mod role;
pub mod time;
pub mod timecode;
pub mod validate;

pub use ids::*;
pub use rate::FrameRate;
pub use role::{Action, Role};
pub use time::Timestamp;
pub use timecode::{Timecode, TimecodeError, TimecodeFormat};
