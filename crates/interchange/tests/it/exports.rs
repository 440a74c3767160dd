//! What the exported files say: colours, merging, escaping, the formula guard, limits, and that
//! each importable export is recognised by `guess_format`.

use frameproof_interchange::formats::resolve_edl::NOTE_MAX_CHARS;
use frameproof_interchange::{ColourBy, ExportError, ExportOptions, Format, MarkerState, Sheet, export, guess_format};

use crate::{marker, rate, reference_sheet};

fn text(sheet: &Sheet, format: Format, options: &ExportOptions) -> String {
    String::from_utf8(export(sheet, format, options).unwrap()).unwrap()
}

fn two_authors() -> Sheet {
    let mut s = reference_sheet();
    s.markers = vec![
        marker(10, None, "a", "Ana", MarkerState::Open),
        marker(20, None, "b", "Ben", MarkerState::Resolved),
        marker(30, None, "c", "Ana", MarkerState::Resolved),
    ];
    s
}

#[test]
fn guess_format_recognises_every_importable_export() {
    for sheet in [reference_sheet(), Sheet { markers: vec![], ..reference_sheet() }] {
        for format in Format::IMPORTABLE {
            let bytes = export(&sheet, format, &ExportOptions::default()).unwrap();
            if format == Format::AvidTxt && sheet.markers.is_empty() {
                continue; // An empty Avid list is an empty file.
            }
            assert_eq!(guess_format(&bytes), Some(format), "{format} with {} markers", sheet.markers.len());
        }
    }
}

#[test]
fn colour_by_state_is_red_for_open_and_green_for_resolved() {
    let s = two_authors();
    let options = ExportOptions { colour_by: ColourBy::State, ..ExportOptions::default() };
    let edl = text(&s, Format::ResolveEdl, &options);
    let colours: Vec<&str> = edl.lines().filter_map(|l| l.split("|C:").nth(1)).collect();
    assert_eq!(
        colours,
        ["ResolveColorRed |M:Ana |D:1", "ResolveColorGreen |M:Ben |D:1", "ResolveColorGreen |M:Ana |D:1"]
    );
    let avid = text(&s, Format::AvidTxt, &options);
    let avid_colours: Vec<&str> = avid.lines().map(|l| l.split('\t').nth(3).unwrap()).collect();
    assert_eq!(avid_colours, ["red", "green", "green"]);
}

#[test]
fn colour_by_author_gives_each_author_one_colour_in_every_coloured_format() {
    let s = two_authors();
    let options = ExportOptions { colour_by: ColourBy::Author, ..ExportOptions::default() };
    let edl = text(&s, Format::ResolveEdl, &options);
    assert_eq!(edl.matches("ResolveColorBlue |M:Ana").count(), 2, "{edl}");
    assert_eq!(edl.matches("ResolveColorYellow |M:Ben").count(), 1, "{edl}");
    let avid = text(&s, Format::AvidTxt, &options);
    let avid_colours: Vec<&str> = avid.lines().map(|l| l.split('\t').nth(3).unwrap()).collect();
    assert_eq!(avid_colours, ["blue", "yellow", "blue"]);
    let otio = text(&s, Format::Otio, &options);
    assert_eq!((otio.matches("\"color\": \"BLUE\"").count(), otio.matches("\"color\": \"YELLOW\"").count()), (2, 1));
    let jsx = text(&s, Format::AeJsx, &options);
    assert_eq!((jsx.matches("\"label\":8").count(), jsx.matches("\"label\":2").count()), (2, 1));
}

#[test]
fn merge_same_frame_writes_one_resolve_marker_per_frame() {
    let mut s = reference_sheet();
    s.markers = vec![
        marker(1800, None, "too dark", "Ana", MarkerState::Open),
        marker(1800, Some(1829), "and | noisy", "Ben", MarkerState::Resolved),
        marker(1801, None, "next", "Ana", MarkerState::Resolved),
    ];
    let merged = ExportOptions { merge_same_frame: true, ..ExportOptions::default() };
    let edl = text(&s, Format::ResolveEdl, &merged);
    let marker_lines: Vec<&str> = edl.lines().filter(|l| l.contains("|M:")).collect();
    assert_eq!(
        marker_lines,
        [
            "Ana: too dark Ben: and   noisy |C:ResolveColorRed |M:Ana, Ben |D:30",
            "next |C:ResolveColorGreen |M:Ana |D:1"
        ]
    );
    let unmerged = text(&s, Format::ResolveEdl, &ExportOptions::default());
    assert_eq!(unmerged.lines().filter(|l| l.contains("|M:")).count(), 3);
}

#[test]
fn after_effects_script_data_is_json_and_comment_text_cannot_escape() {
    let mut s = reference_sheet();
    let evil = "\"); app.quit(); (\"\n</script><!-- \u{2028}alert(1)\u{2029} \\\" é 🎬";
    s.markers = vec![marker(1800, Some(1829), evil, "Mallory", MarkerState::Open)];
    s.name = "name\n// */ app.quit();".into();
    let jsx = text(&s, Format::AeJsx, &ExportOptions::default());
    assert!(jsx.is_ascii(), "pure ASCII, whatever the script's encoding");
    assert!(!jsx.contains("</") && !jsx.contains("app.quit(); (\""), "{jsx}");
    let data_line = jsx.lines().find(|l| l.starts_with("var data = ")).unwrap();
    let json = data_line.trim_start_matches("var data = ").trim_end_matches(';');
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(data["markers"][0]["comment"], format!("Mallory: {evil}"));
    assert_eq!(data["markers"][0]["frame"], 1800);
    assert_eq!(data["markers"][0]["dur"], 30);
    assert_eq!(data["name"], "name\n// */ app.quit();");
    assert_eq!((data["fps_num"].as_u64(), data["fps_den"].as_u64()), (Some(30000), Some(1001)));
    assert_eq!(jsx.lines().filter(|l| l.contains("app.quit")).count(), 1, "only inside the data line");
}

#[test]
fn csv_guards_formula_cells_and_quotes_per_rfc_4180() {
    let mut s = reference_sheet();
    s.markers = vec![
        marker(1, None, "=1+1", "@admin", MarkerState::Open),
        marker(2, None, "say \"hi\", twice\nplease", "-Ana", MarkerState::Resolved),
    ];
    let csv = text(&s, Format::Csv, &ExportOptions::default());
    assert!(csv.starts_with("\u{feff}Frame,Frame Out,Timecode,Timecode Out,Author,Text,State,Created\r\n"), "{csv}");
    assert!(csv.contains("\r\n1,,01:00:00;01,,'@admin,'=1+1,open,2026-01-01T00:00:01Z\r\n"), "{csv}");
    assert!(csv.contains("\r\n2,,01:00:00;02,,'-Ana,\"say \"\"hi\"\", twice\nplease\",resolved,"), "{csv}");
}

#[test]
fn xml_exports_escape_all_user_text() {
    let mut s = reference_sheet();
    s.name = "A&B <cut> \"v3\"".into();
    s.markers = vec![marker(5, None, "<b>bold</b> & 'quoted' \"text\"", "Ana<script>", MarkerState::Resolved)];
    for format in [Format::Fcpxml, Format::Fcp7Xml] {
        let xml = text(&s, format, &ExportOptions::default());
        assert!(!xml.contains("<b>") && !xml.contains("<script>") && !xml.contains("<cut>"), "{format}:\n{xml}");
        assert!(xml.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &apos;quoted&apos; &quot;text&quot;"), "{format}:\n{xml}");
    }
    let fcpxml = text(&s, Format::Fcpxml, &ExportOptions::default());
    assert!(fcpxml.contains("completed=\"1\""), "resolved comments are completed to-dos");
    assert!(fcpxml.contains("src=\"file:///A%26B%20%3Ccut%3E%20%22v3%22\""), "{fcpxml}");
}

#[test]
fn resolve_notes_are_cut_to_their_limit_with_an_ellipsis() {
    let mut s = reference_sheet();
    s.markers = vec![marker(5, None, &"é".repeat(NOTE_MAX_CHARS + 50), "Ana", MarkerState::Open)];
    let edl = text(&s, Format::ResolveEdl, &ExportOptions::default());
    let note = edl.lines().find(|l| l.contains("|M:")).unwrap().split(" |C:").next().unwrap();
    assert_eq!(note.chars().count(), NOTE_MAX_CHARS);
    assert!(note.ends_with('…'));
}

#[test]
fn fcp7_xml_refuses_a_rate_it_cannot_write() {
    let s = Sheet { rate: rate("25/2"), drop_frame: false, start: None, ..reference_sheet() };
    let s = Sheet { markers: vec![], ..s };
    let e = export(&s, Format::Fcp7Xml, &ExportOptions::default()).unwrap_err();
    assert!(matches!(e, ExportError::UnsupportedRate { format: Format::Fcp7Xml, .. }), "{e}");
    assert!(export(&s, Format::Fcpxml, &ExportOptions::default()).is_ok(), "FCPXML writes any rate");
}

#[test]
fn the_text_list_reads_like_a_list() {
    let mut s = reference_sheet();
    s.markers[0].replies = vec![frameproof_interchange::Reply {
        text: "fixed in v4".into(),
        author: "Ana".into(),
        created_at: crate::at(99),
    }];
    let txt = text(&s, Format::Txt, &ExportOptions::default());
    let want = "review_v3\n29.97 fps drop-frame, from 01:00:00;00, 6000 frames, 3 markers\n\n\
                01:00:59;29  (frame 1799)  Chloé  [open]\n    Cut | too early by a frame\n\n\
                01:01:00;02  (frame 1800)  Ana  [open]\n    flicker on the lamp\n\n\
                01:01:40;02–01:01:43;01  (frames 3000–3089)  Ben  [resolved]\n    Music too loud\n    Ana: fixed in v4\n";
    assert_eq!(txt, want);
}
