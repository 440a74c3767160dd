//! Tests of the real `frameproof` binary: help, admin commands, configuration, a SIGKILL in
//! the middle of a write burst, a backup taken while writes go on, and the offline checks of
//! the audit chain and of approval receipts.

// Test code: a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kit;

mod admin;
mod audit;
mod backup;
mod crash;
mod help;
mod interchange;
mod orphans;
mod shipped;
mod uploads_crash;
