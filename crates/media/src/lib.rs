//! Frameproof's media engine: the only place that runs ffmpeg and ffprobe.
//!
//! Owns probing uploads into typed facts (and refusing hostile inputs), planning and making
//! frame-exact review proxies, verifying them before they are used, and drawing stills, sprite
//! sheets and waveforms from them. Every external call goes through [`process::Tools`]: bounded
//! concurrency, wall-clock timeouts, the whole process group killed on timeout or cancel, stderr
//! kept for the error.
//!
//! It must not know about users, HTTP, the database or storage keys: callers hand it paths and
//! get back values and errors. Frame positions are integer indices and rates are
//! [`frameproof_domain::FrameRate`] rationals, never floats.

pub mod pdf;
pub mod probe;
pub mod process;
pub mod proxy;
pub mod stills;
pub mod verify;

pub use probe::{AudioInfo, MediaKind, Probe, ProbeError, VideoInfo, probe};
pub use process::{Lane, Output, ProcessError, Program, Progress, Tools};
pub use proxy::{Rung, TranscodeError, audio_proxy, audio_proxy_args, proxy_args, rungs, transcode};
pub use stills::{
    SpriteLayout, StillError, extract_frame, frame_args, image_preview, poster, sprite_args, sprite_layout, waveform,
};
pub use verify::{Expectation, VerifiedProxy, VerifyError, verify_proxy};
