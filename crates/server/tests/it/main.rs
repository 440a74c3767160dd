//! Integration tests: the real server on a free port over a temp data dir, driven over HTTP.

mod kit;

mod auth;
mod bad_input;
mod events;
mod openapi;
mod walk;
