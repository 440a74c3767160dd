//! OpenTimelineIO (`.otio`, JSON): a timeline with one video track holding one clip of the
//! version, the markers on the clip.
//!
//! The clip's media (a `MissingReference`) and its source range start at the export's start
//! timecode, so a marker's `marked_range` is in the clip's media time: start frame + frame, at the
//! sheet's rate (written, as OTIO does, as a double: `29.97002997002997`). A point has duration 0,
//! a range its frame count. Markers are `Marker.2` (what released readers know) with the OTIO
//! colour, `name` the author (empty when authors are left out), `comment` the text, and
//! `metadata.frameproof` holding the author (when included), state and creation time (RFC
//! 3339). The timeline's
//! `global_start_time` is the start timecode. JSON carries any text: nothing is replaced or cut.
//!
//! Reading walks the whole document and takes every marker (`Marker.2` and `Marker.3`): on a
//! clip, times count from its media's available range start (else its source range start); on
//! any other item from 0. Every time must be at the version's rate (within 0.01 fps); values
//! between frames round to the nearest. Errors name the marker by its JSON path.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use crate::error::{ImportError, ImportErrorKind};
use crate::export::Prepared;
use crate::import::{Markers, Placer, text_and_label};
use crate::model::ImportedMarker;

type Metadata = BTreeMap<&'static str, ()>;

#[derive(Serialize)]
struct Timeline<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Metadata,
    name: &'a str,
    global_start_time: RationalTime,
    tracks: Stack<'a>,
}

#[derive(Serialize)]
struct Stack<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Metadata,
    name: &'static str,
    source_range: Option<TimeRange>,
    effects: [(); 0],
    markers: [(); 0],
    enabled: bool,
    children: [Track<'a>; 1],
}

#[derive(Serialize)]
struct Track<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Metadata,
    name: &'static str,
    source_range: Option<TimeRange>,
    effects: [(); 0],
    markers: [(); 0],
    enabled: bool,
    children: [Clip<'a>; 1],
    kind: &'static str,
}

#[derive(Serialize)]
struct Clip<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Metadata,
    name: &'a str,
    source_range: TimeRange,
    effects: [(); 0],
    markers: Vec<Marker<'a>>,
    enabled: bool,
    media_references: BTreeMap<&'static str, MissingReference<'a>>,
    active_media_reference_key: &'static str,
}

#[derive(Serialize)]
struct MissingReference<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: Metadata,
    name: &'a str,
    available_range: TimeRange,
    available_image_bounds: Option<()>,
}

#[derive(Serialize)]
struct Marker<'a> {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    metadata: MarkerMetadata<'a>,
    name: &'a str,
    color: &'static str,
    marked_range: TimeRange,
    comment: &'a str,
}

#[derive(Serialize)]
struct MarkerMetadata<'a> {
    frameproof: Review<'a>,
}

#[derive(Serialize)]
struct Review<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    author: &'a str,
    state: &'static str,
    created_at: String,
}

#[derive(Serialize, Clone, Copy)]
struct TimeRange {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    duration: RationalTime,
    start_time: RationalTime,
}

#[derive(Serialize, Clone, Copy)]
struct RationalTime {
    #[serde(rename = "OTIO_SCHEMA")]
    schema: &'static str,
    rate: f64,
    value: f64,
}

pub(crate) fn write(p: &Prepared<'_>) -> Result<String, serde_json::Error> {
    let rate = p.rate.fps();
    let at = |frames: u64| RationalTime { schema: "RationalTime.1", rate, value: frames as f64 };
    let range =
        |start: u64, frames: u64| TimeRange { schema: "TimeRange.1", duration: at(frames), start_time: at(start) };
    let media = range(p.absolute(0), p.frame_count);
    let markers = p
        .entries
        .iter()
        .map(|e| Marker {
            schema: "Marker.2",
            metadata: MarkerMetadata {
                frameproof: Review {
                    author: p.author_field(e),
                    state: e.state.as_str(),
                    created_at: e.created_at.format(&Rfc3339).unwrap_or_default(),
                },
            },
            name: p.author_field(e),
            color: e.colour.otio(),
            marked_range: range(p.absolute(e.frame_in), if e.frame_out.is_some() { e.frames() } else { 0 }),
            comment: &e.text,
        })
        .collect();
    let clip = Clip {
        schema: "Clip.2",
        metadata: Metadata::new(),
        name: p.name,
        source_range: media,
        effects: [],
        markers,
        enabled: true,
        media_references: BTreeMap::from([(
            "DEFAULT_MEDIA",
            MissingReference {
                schema: "MissingReference.1",
                metadata: Metadata::new(),
                name: p.name,
                available_range: media,
                available_image_bounds: None,
            },
        )]),
        active_media_reference_key: "DEFAULT_MEDIA",
    };
    let track = Track {
        schema: "Track.1",
        metadata: Metadata::new(),
        name: "V1",
        source_range: None,
        effects: [],
        markers: [],
        enabled: true,
        children: [clip],
        kind: "Video",
    };
    let timeline = Timeline {
        schema: "Timeline.1",
        metadata: Metadata::new(),
        name: p.name,
        global_start_time: at(p.absolute(0)),
        tracks: Stack {
            schema: "Stack.1",
            metadata: Metadata::new(),
            name: "tracks",
            source_range: None,
            effects: [],
            markers: [],
            enabled: true,
            children: [track],
        },
    };
    let mut out = serde_json::to_string_pretty(&timeline)?;
    out.push('\n');
    Ok(out)
}

pub(crate) fn read(text: &str, placer: &Placer) -> Result<Vec<ImportedMarker>, ImportError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::at_line(e.line().max(1), ImportErrorKind::Json(e.to_string())))?;
    if !doc.get("OTIO_SCHEMA").is_some_and(Value::is_string) {
        return Err(ImportError::new(ImportErrorKind::Syntax(
            "not an OpenTimelineIO document: the top object has no OTIO_SCHEMA".into(),
        )));
    }
    let mut reader = Reader { placer, markers: Markers::default() };
    reader.visit(&doc, "")?;
    Ok(reader.markers.into_vec())
}

struct Reader<'p> {
    placer: &'p Placer,
    markers: Markers,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

impl Reader<'_> {
    fn visit(&mut self, value: &Value, path: &str) -> Result<(), ImportError> {
        match value {
            Value::Object(object) => {
                let is_item = object.get("OTIO_SCHEMA").is_some_and(Value::is_string);
                if is_item && let Some(Value::Array(markers)) = object.get("markers") {
                    let origin = self.origin(value, path)?;
                    for (i, marker) in markers.iter().enumerate() {
                        let marker_path = format!("{}[{i}]", join(path, "markers"));
                        self.marker(marker, origin, &marker_path)?;
                    }
                }
                for (key, child) in object {
                    if !(is_item && key == "markers") {
                        self.visit(child, &join(path, key))?;
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.visit(item, &format!("{path}[{i}]"))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The frame an item's markers count from: a clip's media start, else 0.
    fn origin(&self, item: &Value, path: &str) -> Result<i128, ImportError> {
        let schema = item.get("OTIO_SCHEMA").and_then(Value::as_str).unwrap_or("");
        if !schema.starts_with("Clip.") {
            return Ok(0);
        }
        let media = match item.get("active_media_reference_key").and_then(Value::as_str) {
            Some(key) => item.get("media_references").and_then(|refs| refs.get(key)),
            None => item.get("media_reference"),
        };
        let start = media
            .and_then(|m| m.get("available_range"))
            .filter(|r| !r.is_null())
            .or_else(|| item.get("source_range").filter(|r| !r.is_null()))
            .and_then(|r| r.get("start_time"));
        match start {
            Some(time) => self.frames(time, path),
            None => Ok(0),
        }
    }

    fn marker(&mut self, marker: &Value, origin: i128, path: &str) -> Result<(), ImportError> {
        let err = |kind| ImportError::at_path(path, kind);
        let schema = marker.get("OTIO_SCHEMA").and_then(Value::as_str).unwrap_or("");
        if !schema.starts_with("Marker.") {
            return Err(err(ImportErrorKind::Syntax(format!("expected a Marker, found {schema:?}"))));
        }
        let range = marker
            .get("marked_range")
            .filter(|r| r.is_object())
            .ok_or_else(|| err(ImportErrorKind::Syntax("the marker has no marked_range".into())))?;
        let time = |key: &str| {
            range.get(key).ok_or_else(|| err(ImportErrorKind::Syntax(format!("marked_range has no {key}"))))
        };
        let start = self.frames(time("start_time")?, path)?;
        let duration = self.frames(time("duration")?, path)?;
        let frame_in = self.placer.frame(start - origin).map_err(err)?;
        let frames = u64::try_from(duration)
            .map_err(|_| err(ImportErrorKind::Syntax(format!("the marker's duration is negative ({duration})"))))?;
        let frame_out = self.placer.range_end(frame_in, frames).map_err(err)?;
        let string = |key: &str| marker.get(key).and_then(Value::as_str).unwrap_or("");
        let (text, label) = text_and_label(string("name"), string("comment"));
        self.markers.push(ImportedMarker { frame_in, frame_out, text, label }).map_err(err)
    }

    /// A `RationalTime` as whole frames at the version's rate.
    fn frames(&self, time: &Value, path: &str) -> Result<i128, ImportError> {
        let err = |kind| ImportError::at_path(path, kind);
        let number = |key: &str| {
            time.get(key)
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(ImportErrorKind::Syntax(format!("a RationalTime needs a numeric {key}"))))
        };
        let (rate, value) = (number("rate")?, number("value")?);
        let target = self.placer.tc.format.rate();
        if (rate - target.fps()).abs() > 0.01 {
            return Err(err(ImportErrorKind::RateMismatch {
                found: format!("rate {rate}"),
                expected: format!("{target} fps"),
            }));
        }
        if value.abs() > 1e15 {
            return Err(err(ImportErrorKind::Syntax(format!("the time value {value} is out of range"))));
        }
        Ok(value.round() as i128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip_with(marker: &str) -> String {
        format!(
            r#"{{"OTIO_SCHEMA": "Clip.2", "name": "c",
  "source_range": {{"OTIO_SCHEMA": "TimeRange.1",
    "start_time": {{"OTIO_SCHEMA": "RationalTime.1", "rate": 29.97002997002997, "value": 107892.0}},
    "duration": {{"OTIO_SCHEMA": "RationalTime.1", "rate": 29.97002997002997, "value": 6000.0}}}},
  "markers": [{marker}]}}"#
        )
    }

    const REFERENCE_MARKER: &str = r#"{
  "OTIO_SCHEMA": "Marker.2",
  "metadata": {"review": {"comment_id": "c-123", "author": "Ana"}},
  "name": "Fix flicker",
  "color": "RED",
  "marked_range": {
    "OTIO_SCHEMA": "TimeRange.1",
    "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 29.97002997002997, "value": 109692.0},
    "duration":   {"OTIO_SCHEMA": "RationalTime.1", "rate": 29.97002997002997, "value": 0.0}
  },
  "comment": "Ana: flicker on the lamp"
}"#;

    #[test]
    fn reads_the_reference_marker_on_a_clip_in_media_time() {
        let markers = read(&clip_with(REFERENCE_MARKER), &Placer::reference()).unwrap();
        assert_eq!(
            markers,
            [ImportedMarker {
                frame_in: 1800,
                frame_out: None,
                text: "Ana: flicker on the lamp".into(),
                label: Some("Fix flicker".into())
            }]
        );
    }

    #[test]
    fn marker_3_with_a_colour_object_is_read() {
        let m3 = REFERENCE_MARKER
            .replace("Marker.2", "Marker.3")
            .replace("\"RED\"", r#"{"OTIO_SCHEMA": "Color.1", "r": 1.0, "g": 0.0, "b": 0.0, "a": 1.0, "name": "RED"}"#);
        assert_eq!(read(&clip_with(&m3), &Placer::reference()).unwrap()[0].frame_in, 1800);
    }

    #[test]
    fn a_marker_at_another_rate_is_refused_by_its_path() {
        let pal = REFERENCE_MARKER.replace("29.97002997002997, \"value\": 109692.0", "25.0, \"value\": 109692.0");
        let e = read(&clip_with(&pal), &Placer::reference()).unwrap_err();
        assert_eq!(e.code(), "rate-mismatch");
        assert_eq!(e.at, Some(crate::error::Location::Path("markers[0]".into())));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let e = read("{\n\"OTIO_SCHEMA\": \"Timeline.1\",\n\"x\": [1,,2]}", &Placer::reference()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("json-syntax", Some(3)));
        assert_eq!(read("[1, 2]", &Placer::reference()).unwrap_err().code(), "syntax");
    }
}
