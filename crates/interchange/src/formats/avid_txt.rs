//! Avid Media Composer marker list: tab-delimited text, one marker per line, no header
//! (Markers window > Import Markers).
//!
//! Each line has the six classic fields: user, absolute timecode (the export's start plus the
//! frame, `;` at drop-frame), track (`V1`), colour (the classic palette), comment, duration in
//! frames (1 for a point), each followed by a tab but the last:
//!
//! ```text
//! Ana→01:01:00;02→V1→red→flicker on the lamp→1
//! ```
//!
//! The user is the author, or `Frameproof` when authors are left out. Lines end in LF only
//! (Avid's import is reported to break on CRLF).
//!
//! Text: a field cannot hold a tab or line break, so tabs, line breaks, other control characters
//! and `|` each become one space. Comments are cut to [`COMMENT_MAX_CHARS`], users to
//! [`USER_MAX_CHARS`] (our limits; Avid documents none).
//!
//! Reading accepts 6-field and 8-field lines (newer Media Composers add the user and the
//! extended colour), CRLF or LF, and `:` or `;` in drop-frame timecodes.

use crate::error::{ImportError, ImportErrorKind};
use crate::export::Prepared;
use crate::import::{Markers, Placer, excerpt};
use crate::model::ImportedMarker;
use crate::text::{single_line, truncate};

/// Longest comment written, in characters.
pub const COMMENT_MAX_CHARS: usize = 1000;
/// Longest user name written, in characters.
pub const USER_MAX_CHARS: usize = 100;

/// The user column when authors are left out.
const ANONYMOUS_USER: &str = "Frameproof";

fn field(s: &str, max: usize) -> String {
    truncate(&single_line(s, &['|']), max)
}

pub(crate) fn write(p: &Prepared<'_>) -> String {
    let mut out = String::new();
    for e in &p.entries {
        let user = match p.author_field(e) {
            "" => ANONYMOUS_USER,
            author => author,
        };
        out.push_str(&format!(
            "{}\t{}\tV1\t{}\t{}\t{}\n",
            field(user, USER_MAX_CHARS),
            p.tc.label(e.frame_in),
            e.colour.avid(),
            field(&e.text, COMMENT_MAX_CHARS),
            e.frames()
        ));
    }
    out
}

pub(crate) fn read(text: &str, placer: &Placer) -> Result<Vec<ImportedMarker>, ImportError> {
    let mut markers = Markers::default();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let err = |kind| ImportError::at_line(index + 1, kind);
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 6 && fields.len() != 8 {
            return Err(err(ImportErrorKind::Syntax(format!(
                "an Avid marker line has 6 or 8 tab-separated fields, this one has {}: {}",
                fields.len(),
                excerpt(line)
            ))));
        }
        let frame_in = placer.frame_at_label(fields[1]).map_err(err)?;
        let duration = fields[5].trim();
        let frames: u64 = if duration.is_empty() {
            1
        } else {
            duration.parse().map_err(|_| {
                err(ImportErrorKind::Syntax(format!("the duration {duration:?} is not a whole number of frames")))
            })?
        };
        let frame_out = placer.range_end(frame_in, frames).map_err(err)?;
        let user = fields[0];
        let marker = ImportedMarker {
            frame_in,
            frame_out,
            text: fields[4].to_owned(),
            label: (!user.is_empty() && user != ANONYMOUS_USER).then(|| user.to_owned()),
        };
        markers.push(marker).map_err(err)?;
    }
    Ok(markers.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_six_and_eight_field_lines() {
        let list = "Ana\t01:01:00;02\tV1\tred\tFix flicker - flicker on the lamp\t1\r\nAna\t01:01:40:02\tV1\tblue\tMusic too loud\t90\tAna\tblue\n";
        let markers = read(list, &Placer::reference()).unwrap();
        assert_eq!(
            markers.iter().map(|m| (m.frame_in, m.frame_out, m.label.as_deref())).collect::<Vec<_>>(),
            [(1800, None, Some("Ana")), (3000, Some(3089), Some("Ana"))]
        );
        assert_eq!(markers[0].text, "Fix flicker - flicker on the lamp");
    }

    #[test]
    fn a_short_line_names_its_number() {
        let list = "Ana\t01:01:00;02\tV1\tred\tok\t1\nAna\t01:01:00;02\tV1\tred\n";
        let e = read(list, &Placer::reference()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("syntax", Some(2)));
        assert!(e.to_string().contains("has 4"), "{e}");
    }
}
