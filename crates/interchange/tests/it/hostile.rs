//! Hostile and broken input: each is refused with a specific error, fast, and a file with one
//! bad line yields no markers at all.

use std::time::{Duration, Instant};

use frameproof_interchange::{
    ExportOptions, Format, ImportErrorKind, MAX_IMPORT_BYTES, MAX_IMPORT_MARKERS, export, import,
};

use crate::{reference_sheet, target_of};

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xmeml version="4"><sequence><marker><comment>&lol9;</comment><in>0</in><out>-1</out></marker></sequence></xmeml>
"#;

#[test]
fn an_xml_bomb_is_refused_before_any_entity_expands() {
    let target = target_of(&reference_sheet());
    for format in [Format::Fcp7Xml, Format::Fcpxml] {
        let started = Instant::now();
        let e = import(BILLION_LAUGHS.as_bytes(), format, &target).unwrap_err();
        assert_eq!(e.kind, ImportErrorKind::XmlDtd, "{format}: {e}");
        assert_eq!(e.line(), Some(2), "the DOCTYPE's line");
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}

#[test]
fn external_entities_are_refused() {
    let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE xmeml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<xmeml version=\"4\"><sequence><marker><comment>&x;</comment><in>0</in><out>-1</out></marker></sequence></xmeml>";
    let e = import(xxe.as_bytes(), Format::Fcp7Xml, &target_of(&reference_sheet())).unwrap_err();
    assert_eq!(e.code(), "xml-dtd");
}

#[test]
fn a_200_mb_edl_is_refused_on_its_size_without_being_read() {
    let event = "001  001      V     C        01:01:00;02 01:01:00;03 01:01:00;02 01:01:00;03  \nnote |C:ResolveColorRed |M:Ana |D:1\n\n";
    let size = 200 * 1024 * 1024;
    let mut edl = event.repeat(size / event.len() + 1).into_bytes();
    edl.truncate(size);
    // A NUL at the very end: reading the bytes would report a binary file, not the size.
    if let Some(last) = edl.last_mut() {
        *last = 0;
    }
    let started = Instant::now();
    let e = import(&edl, Format::ResolveEdl, &target_of(&reference_sheet())).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(e.kind, ImportErrorKind::TooLarge { size, limit: MAX_IMPORT_BYTES });
    assert_eq!(e.to_string(), format!("the file is {size} bytes; marker files over 16777216 bytes are refused"));
    assert!(elapsed < Duration::from_millis(100), "took {elapsed:?}: the size check must come first");
}

#[test]
fn binary_junk_is_refused_as_binary() {
    let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert!(junk.contains(&0));
    let target = target_of(&reference_sheet());
    for format in Format::IMPORTABLE {
        let e = import(&junk, format, &target).unwrap_err();
        assert!(matches!(e.kind, ImportErrorKind::Binary { .. }), "{format}: {e}");
    }
}

#[test]
fn latin_1_text_is_refused_as_not_utf8_with_its_line() {
    let edl = b"TITLE: x\nFCM: DROP FRAME\n\n001  001      V     C        01:01:00;02 01:01:00;03 01:01:00;02 01:01:00;03  \nCaf\xe9 |C:ResolveColorRed |M:Ana |D:1\n";
    let e = import(edl, Format::ResolveEdl, &target_of(&reference_sheet())).unwrap_err();
    assert_eq!((e.code(), e.line()), ("not-utf8", Some(5)));
}

#[test]
fn a_marker_before_the_first_frame_is_refused_with_its_line() {
    let target = target_of(&reference_sheet());
    // 00:59:59;29 is frame −1 of a version starting at 01:00:00;00.
    let edl = "TITLE: x\nFCM: DROP FRAME\n\n001  001      V     C        00:59:59;29 01:00:00;00 00:59:59;29 01:00:00;00  \nearly |C:ResolveColorRed |M:Ana |D:1\n";
    let e = import(edl.as_bytes(), Format::ResolveEdl, &target).unwrap_err();
    assert_eq!((e.code(), e.line()), ("before-start", Some(4)), "the event line");
    assert_eq!(e.to_string(), "line 4: timecode 00:59:59;29 is before the version's first frame (01:00:00;00)");
    let csv = "Frame,Text\n10,fine\n-1,early\n";
    let e = import(csv.as_bytes(), Format::Csv, &target).unwrap_err();
    assert_eq!(e.to_string(), "line 3: frame -1 is before the version's first frame (frame 0)");
    let xml = "<xmeml version=\"4\"><sequence>\n<marker><in>-1</in><out>-1</out></marker></sequence></xmeml>";
    let e = import(xml.as_bytes(), Format::Fcp7Xml, &target).unwrap_err();
    assert_eq!((e.code(), e.line()), ("before-start", Some(2)));
}

#[test]
fn a_marker_past_the_last_frame_is_refused_with_its_line() {
    let sheet = reference_sheet();
    let target = target_of(&sheet);
    // The version has 6000 frames: 01:03:20;06 is frame 6000, one past the end.
    let avid = "Ana\t01:01:00;02\tV1\tred\tok\t1\nAna\t01:03:20;06\tV1\tred\tlate\t1\n";
    let e = import(avid.as_bytes(), Format::AvidTxt, &target).unwrap_err();
    assert_eq!(e.to_string(), "line 2: timecode 01:03:20;06 is past the version's last frame (01:03:20;05)");
    // A range that starts inside but ends outside is refused too.
    let range = "Ana\t01:03:20;00\tV1\tred\ttoo long\t7\n";
    assert_eq!(import(range.as_bytes(), Format::AvidTxt, &target).unwrap_err().code(), "past-end");
    let mut otio = String::from_utf8(export(&sheet, Format::Otio, &ExportOptions::default()).unwrap()).unwrap();
    otio = otio.replace("\"value\": 109692.0", "\"value\": 113892.0");
    let e = import(otio.as_bytes(), Format::Otio, &target).unwrap_err();
    assert_eq!(e.code(), "past-end");
    assert_eq!(
        e.to_string(),
        "at tracks.children[0].children[0].markers[1]: frame 6000 is past the version's last frame (frame 5999)"
    );
}

#[test]
fn one_bad_line_in_the_middle_imports_nothing() {
    let sheet = reference_sheet();
    let target = target_of(&sheet);
    let good = String::from_utf8(export(&sheet, Format::ResolveEdl, &ExportOptions::default()).unwrap()).unwrap();
    assert_eq!(import(good.as_bytes(), Format::ResolveEdl, &target).unwrap().len(), 3);
    // The second event's record timecode becomes an illegal drop-frame label.
    let bad = good.replacen("01:01:00;02 01:01:00;03 01:01:00;02", "01:01:00;02 01:01:00;03 01:01:00;00", 1);
    let e = import(bad.as_bytes(), Format::ResolveEdl, &target).unwrap_err();
    assert_eq!((e.code(), e.line()), ("bad-timecode", Some(7)));
    assert!(e.to_string().contains("01:01:00;00"), "{e}");

    let csv = String::from_utf8(export(&sheet, Format::Csv, &ExportOptions::default()).unwrap()).unwrap();
    let bad = csv.replacen("\r\n1800,", "\r\nabc,", 1);
    let e = import(bad.as_bytes(), Format::Csv, &target).unwrap_err();
    assert_eq!((e.code(), e.line()), ("syntax", Some(3)));

    let avid = String::from_utf8(export(&sheet, Format::AvidTxt, &ExportOptions::default()).unwrap()).unwrap();
    let bad = avid.replacen("\tflicker on the lamp\t1", "\tflicker on the lamp", 1);
    let e = import(bad.as_bytes(), Format::AvidTxt, &target).unwrap_err();
    assert_eq!((e.code(), e.line()), ("syntax", Some(2)));

    let fcpxml = String::from_utf8(export(&sheet, Format::Fcpxml, &ExportOptions::default()).unwrap()).unwrap();
    let bad = fcpxml.replacen("<marker start=\"9150141/2500s\"", "<marker start=\"a while\"", 1);
    let e = import(bad.as_bytes(), Format::Fcpxml, &target).unwrap_err();
    assert_eq!((e.code(), e.line()), ("syntax", Some(17)));
}

#[test]
fn more_markers_than_the_limit_are_refused() {
    let mut csv = String::from("Frame,Text\n");
    for i in 0..=MAX_IMPORT_MARKERS {
        csv.push_str(&format!("{},note {i}\n", i % 6000));
    }
    let e = import(csv.as_bytes(), Format::Csv, &target_of(&reference_sheet())).unwrap_err();
    assert_eq!(e.kind, ImportErrorKind::TooManyMarkers { limit: MAX_IMPORT_MARKERS });
    assert_eq!(e.line(), Some(MAX_IMPORT_MARKERS + 2), "the first marker over the limit");
}

#[test]
fn export_only_formats_cannot_be_imported() {
    for format in [Format::Txt, Format::AeJsx] {
        let e = import(b"anything", format, &target_of(&reference_sheet())).unwrap_err();
        assert_eq!(e.code(), "not-importable");
    }
}
