//! Integration tests: the real server on a free port over a temp data dir, driven over HTTP.

// Test code: a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kit;

mod analytics;
mod auth;
mod bad_input;
mod campaign_roles;
mod campaigns;
mod events;
mod ingest;
mod openapi;
mod reminders;
mod review;
mod shares;
mod uploads;
mod walk;
mod web;
