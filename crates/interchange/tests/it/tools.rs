//! The exports read by the real tools: OpenTimelineIO (its own JSON reader and the FCP7 XML
//! adapter Premiere users rely on) and xmllint validating FCPXML against Apple's 1.10 DTD.
//!
//! These tools are test dependencies installed by `bash scripts/setup.sh` (OpenTimelineIO and
//! otio-fcp-adapter in `.venv-test`, xmllint from libxml2-utils). A missing tool fails the test
//! with that instruction: a skipped check would pass silently.

use std::path::{Path, PathBuf};
use std::process::Command;

use frameproof_domain::{Timecode, TimecodeFormat};
use frameproof_interchange::{ExportOptions, Format, MarkerState, Sheet, export};
use serde::Deserialize;

use crate::{fixture, marker, rate, reference_sheet, workspace_root};

fn python() -> PathBuf {
    let path = match std::env::var_os("FRAMEPROOF_TEST_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join(".venv-test/bin/python"),
    };
    assert!(
        path.exists(),
        "the test Python {} is missing: run `bash scripts/setup.sh` (it installs OpenTimelineIO and \
         otio-fcp-adapter in .venv-test), or point FRAMEPROOF_TEST_PYTHON at a Python that has them",
        path.display()
    );
    path
}

/// Loads a file with `opentimelineio.adapters.read_from_file` and prints every marker of the
/// timeline: its frame in the timeline (the owning item's time mapped to the top stack), its
/// duration and rate, the absolute timecode OTIO computes from the timeline's start, and its
/// name and comment (the FCP7 adapter keeps `<comment>` in metadata).
const READ_MARKERS: &str = r#"
import json, sys
import opentimelineio as otio

path, adapter = sys.argv[1], sys.argv[2]
timeline = otio.adapters.read_from_file(path, adapter_name=adapter)
stack = timeline.tracks
items = [stack] + list(stack.find_children())
out = []
for item in items:
    for m in item.markers:
        start = m.marked_range.start_time
        in_stack = start if item is stack else item.transformed_time(start, stack)
        rate = start.rate
        absolute = in_stack + timeline.global_start_time if timeline.global_start_time else in_stack
        comment = m.comment or (m.metadata.get("fcp_xml", {}) or {}).get("comment") or ""
        out.append({
            "frame": in_stack.to_frames(rate),
            "duration": m.marked_range.duration.to_frames(rate),
            "rate": rate,
            "timecode": otio.opentime.to_timecode(absolute, rate),
            "name": m.name,
            "comment": comment,
        })
print(json.dumps(out))
"#;

#[derive(Deserialize, Debug)]
struct OtioMarker {
    frame: i64,
    duration: i64,
    rate: f64,
    timecode: String,
    name: String,
    comment: String,
}

fn read_with_otio(file: &Path, adapter: &str) -> Vec<OtioMarker> {
    let output = Command::new(python())
        .arg("-c")
        .arg(READ_MARKERS)
        .arg(file)
        .arg(adapter)
        .output()
        .expect("run the test Python");
    assert!(
        output.status.success(),
        "OpenTimelineIO could not read {} with {adapter} (run `bash scripts/setup.sh` if the module is missing):\n{}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

/// A sheet whose text OTIO must read back exactly.
fn sheet_for(rate_str: &str, drop_frame: bool, start: &str) -> Sheet {
    Sheet {
        name: "Scène 12 <v3> & co".into(),
        rate: rate(rate_str),
        drop_frame,
        start: Some(start.into()),
        frame_count: 40_000,
        markers: vec![
            marker(1800, None, "flicker on the lamp", "Ana", MarkerState::Open),
            marker(3000, Some(3089), "Music \"too\" loud <&>", "Ben", MarkerState::Resolved),
            marker(17_982, None, "Café 🎬\nsecond line", "Chloé", MarkerState::Open),
            marker(39_999, None, "last frame", "Ana", MarkerState::Open),
        ],
    }
}

fn exported(sheet: &Sheet, format: Format, dir: &Path) -> PathBuf {
    let bytes = export(sheet, format, &ExportOptions::default()).unwrap();
    let path = dir.join(format!("markers.{}", format.extension()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn assert_otio_reads(sheet: &Sheet, format: Format, adapter: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = exported(sheet, format, dir.path());
    let got = read_with_otio(&file, adapter);
    let tc = Timecode::new(TimecodeFormat::new(sheet.rate, sheet.drop_frame).unwrap(), sheet.start.as_deref()).unwrap();
    assert_eq!(got.len(), sheet.markers.len(), "{format}: {got:?}");
    for (m, o) in sheet.markers.iter().zip(&got) {
        let context = format!("{format} at {}: {o:?}", sheet.rate);
        assert_eq!(o.frame, m.frame_in as i64, "{context}");
        let frames = m.frame_out.map_or(0, |out| out - m.frame_in + 1);
        assert_eq!(o.duration, frames as i64, "{context}");
        assert!((o.rate - sheet.rate.fps()).abs() < 1e-9, "{context}");
        assert_eq!(o.timecode, tc.label(m.frame_in), "{context}: OTIO's timecode for the marker");
        assert_eq!(o.comment, m.text, "{context}");
        assert_eq!(o.name, m.author, "{context}");
    }
}

#[test]
fn opentimelineio_reads_our_otio_markers_on_their_frames() {
    assert_otio_reads(&sheet_for("30000/1001", true, "01:00:00;00"), Format::Otio, "otio_json");
    assert_otio_reads(&sheet_for("24000/1001", false, "00:59:00:00"), Format::Otio, "otio_json");
}

#[test]
fn opentimelineio_fcp7_adapter_reads_our_premiere_xml_markers_on_their_frames() {
    assert_otio_reads(&sheet_for("30000/1001", true, "01:00:00;00"), Format::Fcp7Xml, "fcp_xml");
    assert_otio_reads(&sheet_for("25", false, "10:00:00:00"), Format::Fcp7Xml, "fcp_xml");
    assert_otio_reads(&sheet_for("60000/1001", true, "01:00:00;00"), Format::Fcp7Xml, "fcp_xml");
}

fn xmllint_valid(file: &Path) -> Result<(), String> {
    let dtd = fixture("fcpxml-1.10.dtd");
    let output = match Command::new("xmllint").arg("--noout").arg("--dtdvalid").arg(&dtd).arg(file).output() {
        Ok(output) => output,
        Err(e) => panic!("xmllint could not run ({e}): install libxml2-utils (`bash scripts/setup.sh` does)"),
    };
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

#[test]
fn fcpxml_validates_against_apples_1_10_dtd() {
    let dir = tempfile::tempdir().unwrap();
    for (rate_str, df, start) in
        [("30000/1001", true, "01:00:00;00"), ("24000/1001", false, "01:00:00:00"), ("25", false, "00:00:00:00")]
    {
        let file = exported(&sheet_for(rate_str, df, start), Format::Fcpxml, dir.path());
        if let Err(e) = xmllint_valid(&file) {
            panic!("{rate_str}: FCPXML fails Apple's DTD:\n{e}\n{}", std::fs::read_to_string(&file).unwrap());
        }
    }
    let file = exported(&reference_sheet(), Format::Fcpxml, dir.path());
    xmllint_valid(&file).unwrap();
}

#[test]
fn the_dtd_check_catches_an_invalid_fcpxml() {
    // The check above means something only if xmllint rejects what the DTD forbids.
    let dir = tempfile::tempdir().unwrap();
    let file = exported(&reference_sheet(), Format::Fcpxml, dir.path());
    let broken = std::fs::read_to_string(&file).unwrap().replace(" value=\"Ana: flicker on the lamp\"", "");
    std::fs::write(&file, broken).unwrap();
    let err = xmllint_valid(&file).unwrap_err();
    assert!(err.contains("value"), "{err}");
}
