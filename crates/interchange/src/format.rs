//! The formats by name, their file extensions and media types, and guessing a file's format from
//! its content.

use std::fmt;
use std::str::FromStr;

/// A marker file format. The names (`resolve-edl`, …) are stable: the API and CLI use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// DaVinci Resolve timeline markers as a CMX3600-style EDL.
    ResolveEdl,
    /// Final Cut Pro X FCPXML 1.10, markers on a clip.
    Fcpxml,
    /// Final Cut Pro 7 XML (`xmeml`) sequence markers, for Premiere Pro.
    Fcp7Xml,
    /// Avid Media Composer marker list (tab-delimited text).
    AvidTxt,
    /// OpenTimelineIO JSON (`.otio`).
    Otio,
    /// A spreadsheet: one row per marker.
    Csv,
    /// A plain-text list for reading or printing. Export only.
    Txt,
    /// An After Effects script adding composition markers. Export only.
    AeJsx,
}

/// A format name that is not one of ours.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a marker format; use one of: resolve-edl, fcpxml, fcp7-xml, avid-txt, otio, csv, txt, ae-jsx")]
pub struct UnknownFormat(pub String);

impl Format {
    /// Every format, in the order menus list them.
    pub const ALL: [Format; 8] = [
        Format::ResolveEdl,
        Format::Fcpxml,
        Format::Fcp7Xml,
        Format::AvidTxt,
        Format::Otio,
        Format::Csv,
        Format::Txt,
        Format::AeJsx,
    ];

    /// The formats [`crate::import`] reads.
    pub const IMPORTABLE: [Format; 6] =
        [Format::ResolveEdl, Format::Fcpxml, Format::Fcp7Xml, Format::AvidTxt, Format::Otio, Format::Csv];

    /// The stable name: `resolve-edl`, `fcpxml`, `fcp7-xml`, `avid-txt`, `otio`, `csv`, `txt`,
    /// `ae-jsx`.
    pub fn name(self) -> &'static str {
        match self {
            Format::ResolveEdl => "resolve-edl",
            Format::Fcpxml => "fcpxml",
            Format::Fcp7Xml => "fcp7-xml",
            Format::AvidTxt => "avid-txt",
            Format::Otio => "otio",
            Format::Csv => "csv",
            Format::Txt => "txt",
            Format::AeJsx => "ae-jsx",
        }
    }

    /// The file extension, without the dot. Avid lists and text lists are both `.txt`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::ResolveEdl => "edl",
            Format::Fcpxml => "fcpxml",
            Format::Fcp7Xml => "xml",
            Format::AvidTxt | Format::Txt => "txt",
            Format::Otio => "otio",
            Format::Csv => "csv",
            Format::AeJsx => "jsx",
        }
    }

    /// The media type to serve the file with.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::ResolveEdl | Format::AvidTxt | Format::Txt => "text/plain; charset=utf-8",
            Format::Fcpxml | Format::Fcp7Xml => "application/xml",
            Format::Otio => "application/json",
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::AeJsx => "text/javascript; charset=utf-8",
        }
    }

    /// Whether [`crate::import`] reads this format.
    pub fn is_importable(self) -> bool {
        Format::IMPORTABLE.contains(&self)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// How much of a file [`guess_format`] looks at.
const GUESS_WINDOW: usize = 64 * 1024;

/// Guesses an importable format from a file's first 64 KiB; `None` when none fits. It only
/// guesses: [`crate::import`] still checks the whole file.
pub fn guess_format(bytes: &[u8]) -> Option<Format> {
    let head = &bytes[..bytes.len().min(GUESS_WINDOW)];
    // The window may cut a character in half; guess from the valid prefix.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        return if text.contains("<fcpxml") {
            Some(Format::Fcpxml)
        } else if text.contains("<xmeml") {
            Some(Format::Fcp7Xml)
        } else {
            None
        };
    }
    if trimmed.starts_with('{') {
        return text.contains("\"OTIO_SCHEMA\"").then_some(Format::Otio);
    }
    let first = trimmed.lines().next().unwrap_or("");
    if first.starts_with("TITLE:")
        || first.starts_with("FCM:")
        || text.contains(" |M:")
        || text.contains("|C:ResolveColor")
    {
        return Some(Format::ResolveEdl);
    }
    let fields: Vec<&str> = first.split('\t').collect();
    if (fields.len() == 6 || fields.len() == 8) && looks_like_timecode(fields[1].trim()) {
        return Some(Format::AvidTxt);
    }
    if first.contains(',') {
        let header = first.to_ascii_lowercase();
        if ["frame", "timecode"].iter().any(|h| header.contains(h)) {
            return Some(Format::Csv);
        }
    }
    None
}

/// `HH:MM:SS:FF` or with `;`, two or three frame digits, without checking the ranges.
fn looks_like_timecode(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 11 || b.len() == 12)
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b':',
            8 => *c == b':' || *c == b';',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!("edl".parse::<Format>(), Err(UnknownFormat("edl".into())));
        assert!(!Format::Txt.is_importable() && !Format::AeJsx.is_importable());
        assert!(Format::Otio.is_importable());
    }

    #[test]
    fn extensions_and_media_types() {
        assert_eq!(Format::ResolveEdl.extension(), "edl");
        assert_eq!(Format::Fcp7Xml.extension(), "xml");
        assert_eq!(Format::AeJsx.extension(), "jsx");
        assert_eq!(Format::Otio.mime_type(), "application/json");
        assert!(Format::Csv.mime_type().starts_with("text/csv"));
    }

    #[test]
    fn guesses_resolve_edl_with_or_without_a_title() {
        assert_eq!(guess_format(b"TITLE: x\nFCM: DROP FRAME\n"), Some(Format::ResolveEdl));
        let untitled = b"001  001      V     C        01:00:00:00 01:00:00:01 01:00:00:00 01:00:00:01\nnote |C:ResolveColorBlue |M:x |D:1\n";
        assert_eq!(guess_format(untitled), Some(Format::ResolveEdl));
    }

    #[test]
    fn guesses_the_xml_formats_by_root() {
        assert_eq!(
            guess_format(b"<?xml version=\"1.0\"?>\n<!DOCTYPE fcpxml>\n<fcpxml version=\"1.10\">"),
            Some(Format::Fcpxml)
        );
        assert_eq!(guess_format(b"\xef\xbb\xbf<?xml version=\"1.0\"?><xmeml version=\"4\">"), Some(Format::Fcp7Xml));
        assert_eq!(guess_format(b"<html></html>"), None);
    }

    #[test]
    fn guesses_otio_avid_and_csv() {
        assert_eq!(guess_format(b"{\n  \"OTIO_SCHEMA\": \"Timeline.1\"}"), Some(Format::Otio));
        assert_eq!(guess_format(b"{\"a\": 1}"), None);
        assert_eq!(guess_format(b"Ana\t01:01:00;02\tV1\tred\tFix flicker\t1\n"), Some(Format::AvidTxt));
        assert_eq!(guess_format(b"Ana\t01:01:00:02\tV1\tred\tx\t1\tAna\tred\n"), Some(Format::AvidTxt));
        assert_eq!(guess_format(b"\xef\xbb\xbfFrame In,Frame Out,Timecode In\r\n"), Some(Format::Csv));
        assert_eq!(guess_format(b"Comment,Commenter,Timecode\n"), Some(Format::Csv));
    }

    #[test]
    fn guesses_nothing_for_prose_or_binary() {
        assert_eq!(guess_format(b"Dear editor, thanks for the cut."), None);
        assert_eq!(guess_format(b"\x00\x01\x02\xff"), None);
        assert_eq!(guess_format(b""), None);
    }
}
