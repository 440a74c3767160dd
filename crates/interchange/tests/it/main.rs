//! Integration tests for frameproof-interchange: round trips through every importable format,
//! the exports read by the real tools (OpenTimelineIO, xmllint against Apple's DTD), the Resolve
//! EDL against a hand-written golden file, and hostile input.

// Test code: helpers outside #[test] functions may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod exports;
mod golden;
mod hostile;
mod round_trip;
mod tools;

use std::path::PathBuf;

use frameproof_domain::FrameRate;
use frameproof_interchange::{ImportTarget, Marker, MarkerState, Sheet};
use time::OffsetDateTime;

pub fn rate(s: &str) -> FrameRate {
    FrameRate::parse(s).unwrap()
}

/// A creation time `seconds` after 2026-01-01.
pub fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600 + seconds).unwrap()
}

pub fn marker(frame_in: u64, frame_out: Option<u64>, text: &str, author: &str, state: MarkerState) -> Marker {
    Marker {
        frame_in,
        frame_out,
        text: text.to_owned(),
        author: author.to_owned(),
        state,
        created_at: at(frame_in as i64),
        replies: vec![],
    }
}

/// The version a sheet describes, as an import target.
pub fn target_of(sheet: &Sheet) -> ImportTarget {
    ImportTarget {
        rate: sheet.rate,
        drop_frame: sheet.drop_frame,
        start: sheet.start.clone(),
        frame_count: sheet.frame_count,
    }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared scenario of the reference (§4): 29.97 drop-frame from 01:00:00;00, a point comment
/// at frame 1800 and a range over frames 3000–3089, plus a point on the last frame of a minute
/// with text Resolve cannot hold as is.
pub fn reference_sheet() -> Sheet {
    Sheet {
        name: "review_v3".into(),
        rate: rate("30000/1001"),
        drop_frame: true,
        start: Some("01:00:00;00".into()),
        frame_count: 6000,
        markers: vec![
            marker(3000, Some(3089), "Music too loud", "Ben", MarkerState::Resolved),
            marker(1800, None, "flicker on the lamp", "Ana", MarkerState::Open),
            marker(1799, None, "Cut | too early\tby a frame", "Chloé", MarkerState::Open),
        ],
    }
}
