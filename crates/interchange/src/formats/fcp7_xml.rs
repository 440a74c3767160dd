//! Final Cut Pro 7 XML (`xmeml` version 4) sequence markers: the format Premiere Pro imports.
//!
//! One sequence as long as the version, its timecode starting at the export's start, an empty
//! video track, and one `<marker>` per comment: `<comment>` holds the text, `<name>` the author
//! (empty when authors are left out). `<in>`/`<out>` count frames from the sequence start,
//! without the timecode offset; `<out>` is `-1` for a point and exclusive for a range. Rates are
//! `timebase` plus `ntsc` (29.97 is 30 with `ntsc` TRUE), so only whole and NTSC rates can be
//! written. xmeml markers carry no colour.
//!
//! All text is XML-escaped; line breaks and tabs are kept as character references, nothing is
//! cut.
//!
//! Reading takes the markers of each top-level sequence (under `<xmeml>` or a bin's
//! `<children>`), as OpenTimelineIO's adapter does; clip markers are not read. The sequence's
//! rate must be the version's.

use frameproof_domain::FrameRate;

use super::xml;
use crate::error::{ExportError, ImportError, ImportErrorKind};
use crate::export::Prepared;
use crate::format::Format;
use crate::import::{Markers, Placer, text_and_label};
use crate::model::ImportedMarker;
use crate::text::xml_escape;

/// xmeml's `timebase` and `ntsc` for a rate, if it has them.
fn timebase(rate: FrameRate) -> Option<(u32, bool)> {
    match rate.den {
        1 => Some((rate.num, false)),
        1001 if rate.num.is_multiple_of(1000) => Some((rate.num / 1000, true)),
        _ => None,
    }
}

pub(crate) fn write(p: &Prepared<'_>) -> Result<String, ExportError> {
    let (base, ntsc) =
        timebase(p.rate).ok_or(ExportError::UnsupportedRate { format: Format::Fcp7Xml, rate: p.rate })?;
    let rate = format!("<rate><timebase>{base}</timebase><ntsc>{}</ntsc></rate>", if ntsc { "TRUE" } else { "FALSE" });
    let display = if p.tc.format.drop_frame() { "DF" } else { "NDF" };
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE xmeml>\n<xmeml version=\"4\">\n");
    out.push_str("  <sequence id=\"sequence-1\">\n");
    out.push_str(&format!("    <name>{}</name>\n", xml_escape(p.name)));
    out.push_str(&format!("    <duration>{}</duration>\n", p.frame_count));
    out.push_str(&format!("    {rate}\n"));
    out.push_str(&format!(
        "    <timecode>\n      {rate}\n      <string>{}</string>\n      <frame>{}</frame>\n      <displayformat>{display}</displayformat>\n    </timecode>\n",
        p.start_label(),
        p.absolute(0)
    ));
    out.push_str("    <media><video><track/></video></media>\n");
    for e in &p.entries {
        let end = e.frame_out.map_or(-1, |last| i128::from(last) + 1);
        out.push_str(&format!(
            "    <marker><comment>{}</comment><name>{}</name><in>{}</in><out>{end}</out></marker>\n",
            xml_escape(&e.text),
            xml_escape(p.author_field(e)),
            e.frame_in
        ));
    }
    out.push_str("  </sequence>\n</xmeml>\n");
    Ok(out)
}

pub(crate) fn read(text: &str, placer: &Placer) -> Result<Vec<ImportedMarker>, ImportError> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    let at = |node| xml::line_of(&doc, node);
    if !root.has_tag_name("xmeml") {
        return Err(ImportError::at_line(
            at(root),
            ImportErrorKind::Syntax(format!(
                "not FCP7 XML: the root element is <{}>, not <xmeml>",
                root.tag_name().name()
            )),
        ));
    }
    let target = placer.tc.format.rate();
    let top_level = |n: &roxmltree::Node<'_, '_>| {
        n.has_tag_name("sequence")
            && n.parent_element().is_some_and(|p| p.has_tag_name("xmeml") || p.has_tag_name("children"))
    };
    let mut markers = Markers::default();
    for sequence in doc.descendants().filter(top_level) {
        if let Some(rate) = xml::child(sequence, "rate") {
            let base = xml::child_text(rate, "timebase").unwrap_or("").trim();
            let ntsc = xml::child_text(rate, "ntsc").unwrap_or("").trim().eq_ignore_ascii_case("TRUE");
            let found = base
                .parse::<u64>()
                .ok()
                .and_then(|b| if ntsc { FrameRate::new(b * 1000, 1001) } else { FrameRate::new(b, 1) });
            if found != Some(target) {
                let found = format!("timebase {base}{}", if ntsc { " NTSC" } else { "" });
                return Err(ImportError::at_line(
                    at(rate),
                    ImportErrorKind::RateMismatch { found, expected: format!("{target} fps") },
                ));
            }
        }
        for node in sequence.children().filter(|c| c.has_tag_name("marker")) {
            let err = |kind| ImportError::at_line(at(node), kind);
            let number = |name: &str| -> Result<i128, ImportError> {
                let value = xml::child_text(node, name)
                    .ok_or_else(|| err(ImportErrorKind::Syntax(format!("a marker needs an <{name}>"))))?;
                value.trim().parse().map_err(|_| {
                    err(ImportErrorKind::Syntax(format!("<{name}>{value}</{name}> is not a whole number of frames")))
                })
            };
            let (start, end) = (number("in")?, number("out")?);
            let frame_in = placer.frame(start).map_err(err)?;
            let frames = if end == -1 || end == start {
                1
            } else if end < start {
                return Err(err(ImportErrorKind::RangeReversed {
                    start: format!("<in> {start}"),
                    end: format!("<out> {end}"),
                }));
            } else {
                u64::try_from(end - start).unwrap_or(u64::MAX)
            };
            let frame_out = placer.range_end(frame_in, frames).map_err(err)?;
            let name = xml::child_text(node, "name").unwrap_or("");
            let comment = xml::child_text(node, "comment").unwrap_or("");
            let (text, label) = text_and_label(name, comment);
            markers.push(ImportedMarker { frame_in, frame_out, text, label }).map_err(err)?;
        }
    }
    Ok(markers.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xmeml>
<xmeml version="4">
  <sequence id="sequence-1">
    <name>review_v3 notes</name>
    <duration>6000</duration>
    <rate><timebase>30</timebase><ntsc>TRUE</ntsc></rate>
    <timecode>
      <rate><timebase>30</timebase><ntsc>TRUE</ntsc></rate>
      <string>01:00:00;00</string>
      <frame>107892</frame>
      <displayformat>DF</displayformat>
    </timecode>
    <media><video><track/></video></media>
    <marker><comment>Ana: flicker on the lamp</comment><name>Fix flicker</name><in>1800</in><out>-1</out></marker>
    <marker><comment></comment><name>Music too loud</name><in>3000</in><out>3090</out></marker>
  </sequence>
</xmeml>"#;

    #[test]
    fn reads_the_reference_example() {
        let markers = read(REFERENCE, &Placer::reference()).unwrap();
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
    fn a_reversed_range_names_its_line() {
        let bad = REFERENCE.replace("<out>3090</out>", "<out>2990</out>");
        let e = read(&bad, &Placer::reference()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("range-reversed", Some(16)));
    }

    #[test]
    fn a_pal_sequence_is_refused_on_an_ntsc_version() {
        let pal = REFERENCE.replacen(
            "<timebase>30</timebase><ntsc>TRUE</ntsc>",
            "<timebase>25</timebase><ntsc>FALSE</ntsc>",
            1,
        );
        let e = read(&pal, &Placer::reference()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("rate-mismatch", Some(7)));
    }

    #[test]
    fn only_whole_and_ntsc_rates_have_a_timebase() {
        assert_eq!(timebase(FrameRate { num: 24000, den: 1001 }), Some((24, true)));
        assert_eq!(timebase(FrameRate { num: 25, den: 1 }), Some((25, false)));
        assert_eq!(timebase(FrameRate { num: 25, den: 2 }), None);
    }
}
