//! Final Cut Pro FCPXML 1.10: one project whose spine holds one `asset-clip` of the version,
//! the markers on that clip.
//!
//! Times are exact rational seconds (`1001/30000s`). The asset and the clip start at the export's
//! start timecode (`01:00:00;00` is `8999991/2500s` at 29.97), and a marker's `start` is in the
//! clip's source time: start timecode + frame. A point marker lasts one frame (as Final Cut
//! writes them); a range lasts its frame count. Open comments are to-do markers
//! (`completed="0"`), resolved ones completed (`completed="1"`). FCPXML markers have no colour.
//!
//! Final Cut shows a marker's `value` only, so with authors included it is `author: text` and
//! the bare text goes in `note` too (the reader takes `note` first); without authors, `value` is
//! the text. All text is XML-escaped; line breaks and tabs are kept as character references,
//! nothing is cut. The `format` element carries the frame duration only (no frame size: Final
//! Cut takes it from the media once relinked).
//!
//! Reading takes every `marker` and `chapter-marker`: on an `asset-clip` its time counts from
//! the asset's `start`, on any other element from that element's `start`. The sequence's frame
//! duration must be the version's. Times between frames round to the nearest frame.

use frameproof_domain::FrameRate;

use super::xml::{self, Rational, time_of_frames};
use crate::error::{ImportError, ImportErrorKind};
use crate::export::Prepared;
use crate::import::{Markers, Placer, text_and_label};
use crate::model::{ImportedMarker, MarkerState};
use crate::text::xml_escape;

pub(crate) fn write(p: &Prepared<'_>) -> String {
    let (num, den) = (p.rate.num, p.rate.den);
    let time = |frames: u64| time_of_frames(frames, num, den);
    let start = time(p.absolute(0));
    let duration = time(p.frame_count);
    let tc_format = if p.tc.format.drop_frame() { "DF" } else { "NDF" };
    let name = xml_escape(p.name);
    let url = match &p.options.media_url {
        Some(url) => xml_escape(url),
        None => xml_escape(&format!("file:///{}", percent_encode(p.name))),
    };

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n<fcpxml version=\"1.10\">\n");
    out.push_str("  <resources>\n");
    out.push_str(&format!("    <format id=\"r1\" frameDuration=\"{}\"/>\n", time(1)));
    out.push_str(&format!(
        "    <asset id=\"r2\" name=\"{name}\" start=\"{start}\" duration=\"{duration}\" hasVideo=\"1\" format=\"r1\">\n"
    ));
    out.push_str(&format!("      <media-rep kind=\"original-media\" src=\"{url}\"/>\n"));
    out.push_str("    </asset>\n  </resources>\n  <library>\n    <event name=\"Frameproof review\">\n");
    out.push_str(&format!("      <project name=\"{name} review notes\">\n"));
    out.push_str(&format!(
        "        <sequence format=\"r1\" tcStart=\"{start}\" tcFormat=\"{tc_format}\" duration=\"{duration}\">\n"
    ));
    out.push_str("          <spine>\n");
    out.push_str(&format!(
        "            <asset-clip ref=\"r2\" name=\"{name}\" offset=\"{start}\" start=\"{start}\" duration=\"{duration}\" tcFormat=\"{tc_format}\">\n"
    ));
    for e in &p.entries {
        let value = e.text_with_author(p.options.include_author);
        let note = if value != e.text { format!(" note=\"{}\"", xml_escape(&e.text)) } else { String::new() };
        let completed = if e.state == MarkerState::Resolved { 1 } else { 0 };
        out.push_str(&format!(
            "              <marker start=\"{}\" duration=\"{}\" value=\"{}\" completed=\"{completed}\"{note}/>\n",
            time(p.absolute(e.frame_in)),
            time(e.frames()),
            xml_escape(&value),
        ));
    }
    out.push_str("            </asset-clip>\n          </spine>\n        </sequence>\n      </project>\n");
    out.push_str("    </event>\n  </library>\n</fcpxml>\n");
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a file URL.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn read(text: &str, placer: &Placer) -> Result<Vec<ImportedMarker>, ImportError> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    let at = |node| xml::line_of(&doc, node);
    if !root.has_tag_name("fcpxml") {
        return Err(ImportError::at_line(
            at(root),
            ImportErrorKind::Syntax(format!(
                "not FCPXML: the root element is <{}>, not <fcpxml>",
                root.tag_name().name()
            )),
        ));
    }
    let rate = placer.tc.format.rate();
    let frame_duration = Rational { num: i128::from(rate.den), den: i128::from(rate.num) };

    for sequence in doc.descendants().filter(|n| n.has_tag_name("sequence")) {
        let Some(format_id) = sequence.attribute("format") else { continue };
        let format = doc.descendants().find(|n| n.has_tag_name("format") && n.attribute("id") == Some(format_id));
        let Some(found) = format.and_then(|f| f.attribute("frameDuration")) else { continue };
        let same = Rational::parse(found).is_some_and(|d| d.num * frame_duration.den == frame_duration.num * d.den);
        if !same {
            return Err(ImportError::at_line(
                at(sequence),
                ImportErrorKind::RateMismatch { found: format!("frameDuration {found}"), expected: describe(rate) },
            ));
        }
    }

    let mut markers = Markers::default();
    for node in doc.descendants().filter(|n| n.has_tag_name("marker") || n.has_tag_name("chapter-marker")) {
        let line = at(node);
        let err = |kind| ImportError::at_line(line, kind);
        let time_attr = |name: &str| -> Result<Option<Rational>, ImportError> {
            match node.attribute(name) {
                None => Ok(None),
                Some(v) => Rational::parse(v).map(Some).ok_or_else(|| {
                    err(ImportErrorKind::Syntax(format!("{name}=\"{v}\" is not an FCPXML time (N/Ds or Ns)")))
                }),
            }
        };
        let Some(start) = time_attr("start")? else {
            return Err(err(ImportErrorKind::Syntax("a marker needs a start attribute".into())));
        };
        let origin = origin_of(&doc, node).map_err(err)?;
        let overflow = || err(ImportErrorKind::Syntax("a time too large to place".into()));
        let frame = start.minus(origin).and_then(|t| t.frames(rate.num, rate.den)).ok_or_else(overflow)?;
        let frame_in = placer.frame(frame).map_err(err)?;
        let frames = match time_attr("duration")? {
            Some(d) => d.frames(rate.num, rate.den).ok_or_else(overflow)?,
            None => 1,
        };
        let frame_out = placer.range_end(frame_in, u64::try_from(frames).unwrap_or(0)).map_err(err)?;
        let (text, label) = text_and_label(node.attribute("value").unwrap_or(""), node.attribute("note").unwrap_or(""));
        markers.push(ImportedMarker { frame_in, frame_out, text, label }).map_err(err)?;
    }
    Ok(markers.into_vec())
}

/// The time a marker's `start` counts from: its `asset-clip`'s asset start (the source
/// timecode), or its parent's own `start`.
fn origin_of(doc: &roxmltree::Document<'_>, marker: roxmltree::Node<'_, '_>) -> Result<Rational, ImportErrorKind> {
    let Some(parent) = marker.parent_element() else { return Ok(Rational::ZERO) };
    let start_of = |node: roxmltree::Node<'_, '_>, what: &str| match node.attribute("start") {
        None => Ok(Rational::ZERO),
        Some(v) => Rational::parse(v)
            .ok_or_else(|| ImportErrorKind::Syntax(format!("the {what}'s start=\"{v}\" is not an FCPXML time"))),
    };
    if parent.has_tag_name("asset-clip")
        && let Some(id) = parent.attribute("ref")
        && let Some(asset) = doc.descendants().find(|n| n.has_tag_name("asset") && n.attribute("id") == Some(id))
    {
        return start_of(asset, "asset");
    }
    start_of(parent, "clip")
}

fn describe(rate: FrameRate) -> String {
    format!("frameDuration {} ({rate} fps)", time_of_frames(1, rate.num, rate.den))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ImportTarget;

    fn placer(frame_count: u64) -> Placer {
        let rate = FrameRate { num: 30000, den: 1001 };
        Placer::new(&ImportTarget { rate, drop_frame: true, start: None, frame_count }).unwrap()
    }

    /// The reference's example (FCP's own layout), markers in source time from the asset start.
    const REFERENCE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" name="FFVideoFormat1080p2997" frameDuration="1001/30000s" width="1920" height="1080"/>
    <asset id="r2" name="review_v3" start="8999991/2500s" duration="1001/5s" hasVideo="1" format="r1">
      <media-rep kind="original-media" src="file:///Volumes/Media/review_v3.mov"/>
    </asset>
  </resources>
  <library>
    <event name="Review notes">
      <project name="review_v3 notes">
        <sequence format="r1" tcStart="8999991/2500s" tcFormat="DF" duration="1001/5s">
          <spine>
            <asset-clip ref="r2" offset="8999991/2500s" start="8999991/2500s" duration="1001/5s" tcFormat="DF">
              <marker start="9150141/2500s" duration="1001/30000s" value="Fix flicker" completed="0" note="Ana: flicker on the lamp"/>
              <marker start="9250241/2500s" duration="3003/1000s" value="Music too loud" completed="1"/>
              <chapter-marker start="9250241/2500s" duration="1001/30000s" value="Act 2"/>
            </asset-clip>
          </spine>
        </sequence>
      </project>
    </event>
  </library>
</fcpxml>"#;

    #[test]
    fn reads_the_reference_example() {
        let markers = read(REFERENCE, &placer(6000)).unwrap();
        let got: Vec<_> = markers.iter().map(|m| (m.frame_in, m.frame_out, m.text.as_str())).collect();
        assert_eq!(
            got,
            [(1800, None, "Ana: flicker on the lamp"), (3000, Some(3089), "Music too loud"), (3000, None, "Act 2")]
        );
        assert_eq!(markers[0].label.as_deref(), Some("Fix flicker"));
    }

    #[test]
    fn a_marker_before_the_clip_start_names_its_line() {
        let early = REFERENCE.replace("<marker start=\"9150141/2500s\"", "<marker start=\"0s\"");
        let e = read(&early, &placer(6000)).unwrap_err();
        assert_eq!((e.code(), e.line()), ("before-start", Some(16)));
    }

    #[test]
    fn another_frame_rate_is_refused_at_the_sequence() {
        let pal = REFERENCE.replace("frameDuration=\"1001/30000s\"", "frameDuration=\"1/25s\"");
        let e = read(&pal, &placer(6000)).unwrap_err();
        assert_eq!((e.code(), e.line()), ("rate-mismatch", Some(13)));
    }

    #[test]
    fn a_malformed_time_names_its_line() {
        let bad = REFERENCE.replace("9250241/2500s\" duration=\"3003/1000s", "9250241/2500s\" duration=\"3.003s");
        let e = read(&bad, &placer(6000)).unwrap_err();
        assert_eq!((e.code(), e.line()), ("syntax", Some(17)));
    }

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(percent_encode("Scène 1 & 2.mov"), "Sc%C3%A8ne%201%20%26%202.mov");
    }
}
