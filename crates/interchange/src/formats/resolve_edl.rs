//! DaVinci Resolve timeline markers as an EDL (Timelines > Import > Timeline Markers from EDL).
//!
//! Each marker is a dummy CMX3600 event, reel `001`, track `V`, cut, with four identical record
//! timecodes (out = in + 1 frame), followed by its marker line:
//!
//! ```text
//! 001  001      V     C        01:01:00;02 01:01:00;03 01:01:00;02 01:01:00;03  
//! flicker on the lamp |C:ResolveColorRed |M:Ana |D:1
//! ```
//!
//! The note comes first (possibly empty), then the colour, the name (the author, or empty when
//! authors are left out) and the duration in frames (`|D:1` for a point, the range's frame count
//! otherwise). Timecodes are absolute: the export's start plus the frame, `;` before the frames
//! at drop-frame, with `FCM: DROP FRAME` (else `FCM: NON-DROP FRAME`). Lines end in LF.
//!
//! Text: a note or name cannot hold a line break or `|` (Resolve splits fields on it), so tabs,
//! line breaks, other control characters and `|` each become one space. Notes are cut to
//! [`NOTE_MAX_CHARS`], names to [`NAME_MAX_CHARS`], the title to [`TITLE_MAX_CHARS`] (our limits;
//! Resolve documents none). Resolve keeps one marker per frame: export with
//! `merge_same_frame` to keep every comment.
//!
//! Reading accepts what Resolve writes: optional `TITLE:`/`FCM:` lines, CRLF or LF, `*` comment
//! lines, `:` or `;` in drop-frame timecodes, and a marker line after each event. A `FCM:` that
//! contradicts the version's drop-frame flag is refused.

use crate::error::{ImportError, ImportErrorKind};
use crate::export::Prepared;
use crate::import::{Markers, Placer, excerpt, text_and_label};
use crate::model::ImportedMarker;
use crate::text::{single_line, truncate};

/// Longest note written, in characters.
pub const NOTE_MAX_CHARS: usize = 1000;
/// Longest marker name written, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest title written, in characters (CMX3600 titles are short).
pub const TITLE_MAX_CHARS: usize = 70;

fn field(s: &str, max: usize) -> String {
    truncate(&single_line(s, &['|']), max)
}

pub(crate) fn write(p: &Prepared<'_>) -> String {
    let fcm = if p.tc.format.drop_frame() { "DROP FRAME" } else { "NON-DROP FRAME" };
    let mut out = format!("TITLE: {}\nFCM: {fcm}\n", field(p.name, TITLE_MAX_CHARS));
    for (i, e) in p.entries.iter().enumerate() {
        let tc_in = p.tc.label(e.frame_in);
        let tc_out = p.tc.label(e.frame_in + 1);
        out.push_str(&format!("\n{:03}  001      V     C        {tc_in} {tc_out} {tc_in} {tc_out}  \n", i + 1));
        out.push_str(&format!(
            "{} |C:ResolveColor{} |M:{} |D:{}\n",
            field(&e.text, NOTE_MAX_CHARS),
            e.colour.resolve(),
            field(p.author_field(e), NAME_MAX_CHARS),
            e.frames()
        ));
    }
    out
}

/// An event waiting for its marker line: where it is and the frame its record-in names.
struct Event {
    line: usize,
    frame_in: u64,
}

/// The record-in timecode of an event line: number, reel, track, transition (a dissolve adds a
/// duration), then source and record in/out.
fn record_in(line: &str) -> Option<&str> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let numbered = tokens.first().is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
    (numbered && (tokens.len() == 8 || tokens.len() == 9)).then(|| tokens[tokens.len() - 2])
}

fn is_marker_line(line: &str) -> bool {
    line.contains("|C:") || line.contains("|M:") || line.contains("|D:")
}

fn no_marker_line(event: &Event) -> ImportError {
    ImportError::at_line(
        event.line,
        ImportErrorKind::Syntax(
            "this event has no marker line after it (note |C:… |M:… |D:…): is this a Resolve marker EDL?".into(),
        ),
    )
}

pub(crate) fn read(text: &str, placer: &Placer) -> Result<Vec<ImportedMarker>, ImportError> {
    let mut markers = Markers::default();
    let mut pending: Option<Event> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let n = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let err = |kind| ImportError::at_line(n, kind);
        if is_marker_line(line) {
            let Some(event) = pending.take() else {
                return Err(err(ImportErrorKind::Syntax(
                    "a marker line (|C: |M: |D:) must follow an event line".into(),
                )));
            };
            let marker = marker(event.frame_in, line, placer).map_err(err)?;
            markers.push(marker).map_err(err)?;
            continue;
        }
        if let Some(event) = pending.take() {
            return Err(no_marker_line(&event));
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('*') || trimmed.starts_with("TITLE:") {
            continue;
        }
        if let Some(fcm) = trimmed.strip_prefix("FCM:") {
            check_fcm(fcm.trim(), placer).map_err(err)?;
            continue;
        }
        let Some(tc) = record_in(trimmed) else {
            return Err(err(ImportErrorKind::Syntax(format!("not an EDL event or marker line: {}", excerpt(trimmed)))));
        };
        let frame_in = placer.frame_at_label(tc).map_err(err)?;
        pending = Some(Event { line: n, frame_in });
    }
    match pending {
        Some(event) => Err(no_marker_line(&event)),
        None => Ok(markers.into_vec()),
    }
}

fn check_fcm(fcm: &str, placer: &Placer) -> Result<(), ImportErrorKind> {
    let df = match fcm {
        "DROP FRAME" => true,
        "NON-DROP FRAME" | "NON DROP FRAME" => false,
        other => {
            return Err(ImportErrorKind::Syntax(format!("FCM must be DROP FRAME or NON-DROP FRAME, not {other:?}")));
        }
    };
    let version_df = placer.tc.format.drop_frame();
    if df != version_df {
        let name = |df| if df { "drop-frame" } else { "non-drop-frame" };
        return Err(ImportErrorKind::RateMismatch { found: format!("FCM: {fcm}"), expected: name(version_df).into() });
    }
    Ok(())
}

/// One marker from its event's frame and its marker line `note |C:colour |M:name |D:frames`.
fn marker(frame_in: u64, line: &str, placer: &Placer) -> Result<ImportedMarker, ImportErrorKind> {
    let mut parts = line.split('|');
    let note = parts.next().unwrap_or("");
    // Writers put one space before each `|`; it is not part of the note.
    let note = note.strip_suffix(' ').unwrap_or(note);
    let (mut name, mut frames) = ("", 1u64);
    for part in parts {
        let part = part.strip_suffix(' ').unwrap_or(part);
        if let Some(value) = part.strip_prefix("M:") {
            name = value;
        } else if let Some(value) = part.strip_prefix("D:") {
            frames = value.trim().parse().map_err(|_| {
                ImportErrorKind::Syntax(format!("the duration |D:{value} is not a whole number of frames"))
            })?;
        }
        // `C:` (the colour) and fields a later Resolve may add are not needed.
    }
    let frame_out = placer.range_end(frame_in, frames)?;
    let (text, label) = text_and_label(name, note);
    Ok(ImportedMarker { frame_in, frame_out, text, label })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_reference_example_with_its_names_and_durations() {
        let edl = "TITLE: review_v3 notes\r\nFCM: DROP FRAME\r\n\r\n001  001      V     C        01:01:00;02 01:01:00;03 01:01:00;02 01:01:00;03  \r\nAna: flicker on the lamp |C:ResolveColorRed |M:Fix flicker |D:1\r\n\r\n002  001      V     C        01:01:40;02 01:01:40;03 01:01:40;02 01:01:40;03  \r\n |C:ResolveColorBlue |M:Music too loud |D:90\r\n";
        let markers = read(edl, &Placer::reference()).unwrap();
        assert_eq!(
            markers,
            [
                ImportedMarker {
                    frame_in: 1800,
                    frame_out: None,
                    text: "Ana: flicker on the lamp".into(),
                    label: Some("Fix flicker".into())
                },
                ImportedMarker { frame_in: 3000, frame_out: Some(3089), text: "Music too loud".into(), label: None },
            ]
        );
    }

    #[test]
    fn an_event_without_a_marker_line_is_refused_at_the_event() {
        let edl = "TITLE: x\n\n001  AX       V     C        01:00:00;00 01:00:01;00 01:00:00;00 01:00:01;00\n\n";
        let e = read(edl, &Placer::reference()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("syntax", Some(3)));
    }

    #[test]
    fn a_drop_frame_mismatch_is_refused_at_the_fcm_line() {
        let e = read("TITLE: x\nFCM: NON-DROP FRAME\n", &Placer::reference()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("rate-mismatch", Some(2)));
    }

    #[test]
    fn a_bad_duration_names_its_line() {
        let edl = "001  001      V     C        01:00:00;00 01:00:00;01 01:00:00;00 01:00:00;01  \nx |C:ResolveColorRed |M:a |D:ten\n";
        let e = read(edl, &Placer::reference()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("syntax", Some(2)));
    }
}
