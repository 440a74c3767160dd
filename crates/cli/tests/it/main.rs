//! Tests of the real `frameproof` binary: help, admin commands, configuration, a SIGKILL in
//! the middle of a write burst, and a backup taken while writes go on.

// Test code: a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kit;

mod admin;
mod backup;
mod crash;
mod help;
mod uploads_crash;
