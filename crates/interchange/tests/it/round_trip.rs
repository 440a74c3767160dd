//! Export, then import: every marker comes back on its frame, with its range end and its text
//! (with each format's documented replacements).

use frameproof_interchange::{ExportOptions, Format, ImportedMarker, MarkerState, Sheet, export, import};

use crate::{marker, rate, target_of};

/// Text that tests escaping: unicode, quotes, markup, and characters line formats cannot hold.
const UNICODE: &str = "Café naïve — 日本語 🎬 «ok»";
const MARKUP: &str = r#"He said "it's <b>fine</b> & done" ]]> &amp;"#;
const BREAKS: &str = "a | b\tc\nd\r\ne";
const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\"), -1, +2, @me";

/// The text a format gives back for `text`: line-based formats turn tabs, line breaks and `|`
/// into one space each (a CR LF into one); the others keep everything.
fn expected_text(format: Format, text: &str) -> String {
    match format {
        Format::ResolveEdl | Format::AvidTxt => text.replace("\r\n", " ").replace(['\t', '\n', '\r', '|'], " "),
        _ => text.to_owned(),
    }
}

/// A version at `rate` with markers on edges: the first and last frame, around minute and
/// ten-minute boundaries (drop-frame labels skip there), ranges, two comments on one frame, and
/// the awkward texts above.
fn sheet(rate_str: &str, drop_frame: bool, start: Option<&str>) -> Sheet {
    let r = rate(rate_str);
    let per_minute = u64::from(r.nominal()) * 60;
    let frame_count = per_minute * 12;
    let markers = vec![
        marker(0, None, "first frame", "Ana", MarkerState::Open),
        marker(per_minute - 1, None, UNICODE, "Ben", MarkerState::Resolved),
        marker(per_minute, Some(per_minute + 89), MARKUP, "Chloé", MarkerState::Open),
        marker(per_minute * 10 - 40, Some(per_minute * 10 + 3), BREAKS, "Ana", MarkerState::Open),
        marker(4321, None, FORMULA, "O'Brien, Dan", MarkerState::Resolved),
        marker(4321, None, "same frame, second author", "Ben", MarkerState::Open),
        marker(5000, Some(5001), "two-frame range", "Ana", MarkerState::Open),
        marker(frame_count - 1, None, "last frame", "Ana", MarkerState::Open),
    ];
    Sheet {
        name: format!("clip {rate_str}"),
        rate: r,
        drop_frame,
        start: start.map(str::to_owned),
        frame_count,
        markers,
    }
}

fn round_trip(sheet: &Sheet) {
    let options = ExportOptions::default();
    let mut expected = sheet.markers.clone();
    expected.sort_by_key(|m| (m.frame_in, m.frame_out, m.created_at));
    for format in Format::IMPORTABLE {
        let bytes = export(sheet, format, &options).unwrap();
        let got = import(&bytes, format, &target_of(sheet))
            .unwrap_or_else(|e| panic!("{format} at {}: {e}\n{}", sheet.rate, String::from_utf8_lossy(&bytes)));
        assert_eq!(got.len(), expected.len(), "{format} at {}", sheet.rate);
        for (m, back) in expected.iter().zip(&got) {
            let ImportedMarker { frame_in, frame_out, text, label } = back;
            let context = format!("{format} at {} ({:?})", sheet.rate, m.text);
            assert_eq!(*frame_in, m.frame_in, "{context}");
            assert_eq!(*frame_out, m.frame_out, "{context}");
            assert_eq!(*text, expected_text(format, &m.text), "{context}");
            if format != Format::Fcpxml {
                assert_eq!(label.as_deref(), Some(m.author.as_str()), "{context}: the author is the label");
            }
        }
    }
}

#[test]
fn every_importable_format_round_trips_at_23_976_non_drop() {
    round_trip(&sheet("24000/1001", false, Some("10:00:00:00")));
}

#[test]
fn every_importable_format_round_trips_at_25() {
    round_trip(&sheet("25", false, None));
}

#[test]
fn every_importable_format_round_trips_at_29_97_drop_frame_from_one_hour() {
    round_trip(&sheet("30000/1001", true, Some("01:00:00;00")));
}

#[test]
fn every_importable_format_round_trips_at_59_94_drop_frame() {
    round_trip(&sheet("60000/1001", true, None));
}

#[test]
fn a_start_override_is_what_absolute_timecodes_count_from() {
    let s = sheet("25", false, Some("01:00:00:00"));
    let options = ExportOptions { start: Some("00:00:00:00".into()), ..ExportOptions::default() };
    let edl = String::from_utf8(export(&s, Format::ResolveEdl, &options).unwrap()).unwrap();
    assert!(edl.contains("001  001      V     C        00:00:00:00 00:00:00:01"), "{edl}");
    let mut target = target_of(&s);
    target.start = Some("00:00:00:00".into());
    let back = import(edl.as_bytes(), Format::ResolveEdl, &target).unwrap();
    assert_eq!(back[1].frame_in, 25 * 60 - 1);
    // Read against the sheet's own start, the same file lies before the version.
    let e = import(edl.as_bytes(), Format::ResolveEdl, &target_of(&s)).unwrap_err();
    assert_eq!((e.code(), e.line()), ("before-start", Some(4)));
}

#[test]
fn without_authors_the_text_still_round_trips() {
    let s = sheet("30000/1001", true, None);
    let options = ExportOptions { include_author: false, ..ExportOptions::default() };
    for format in Format::IMPORTABLE {
        let bytes = export(&s, format, &options).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("Chloé") && !text.contains("O'Brien"), "{format} names no author:\n{text}");
        let got = import(&bytes, format, &target_of(&s)).unwrap();
        let mut texts: Vec<String> = got.into_iter().map(|m| m.text).collect();
        let mut want: Vec<String> = s.markers.iter().map(|m| expected_text(format, &m.text)).collect();
        texts.sort();
        want.sort();
        assert_eq!(texts, want, "{format}");
    }
}
