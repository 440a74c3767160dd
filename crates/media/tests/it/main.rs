//! Integration tests for frameproof-media: the real ffmpeg/ffprobe on clips generated at test
//! time, and the parser on saved ffprobe JSON.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod door;
mod fixtures;
mod frames;
mod hostile;
mod kit;
mod pictures;
