//! Frameproof's marker interchange: review comments out to NLE marker files, and markers from
//! those files back in as comments.
//!
//! Bytes in, bytes out. This crate owns the formats and nothing else: it must not touch HTTP,
//! SQL, the clock or the filesystem. Callers pick the comments (filters are theirs), build a
//! [`Sheet`], and call [`export`]; or hand [`import`] the uploaded bytes and an [`ImportTarget`]
//! and store the [`ImportedMarker`]s it returns. Frames are 0-based indices into the version;
//! timecode comes from [`frameproof_domain::Timecode`], never recomputed here.
//!
//! # Formats
//!
//! | name | file | import | where a marker is | what text is replaced or cut |
//! | --- | --- | --- | --- | --- |
//! | `resolve-edl` | `.edl` | yes | absolute record TC (start + frame); `\|D:` = frame count | tab, line breaks, control characters, `\|` → space; note ≤ 1000, name ≤ 100, title ≤ 70 characters |
//! | `fcpxml` | `.fcpxml` | yes | rational seconds in the clip's source time (start TC + frame) | nothing (XML-escaped) |
//! | `fcp7-xml` | `.xml` | yes | frames from the sequence start (TC offset excluded); `out` exclusive, `-1` for a point | nothing (XML-escaped) |
//! | `avid-txt` | `.txt` | yes | absolute TC; duration in frames | tab, line breaks, control characters, `\|` → space; comment ≤ 1000, user ≤ 100 characters |
//! | `otio` | `.otio` | yes | clip media time (start TC + frame) at the sheet's rate | nothing (JSON) |
//! | `csv` | `.csv` | yes | `Frame` (0-based) and `Timecode`; out columns inclusive | nothing; formula guard `'` before `= + - @`, tab, CR |
//! | `txt` | `.txt` | no | timecode and frame | control characters → space |
//! | `ae-jsx` | `.jsx` | no | composition seconds from 0 | nothing (JavaScript-escaped, pure ASCII) |
//!
//! Each format's module in [`formats`] documents its layout, its limits (as constants) and its
//! reader. Where a format cannot carry a character, it becomes one space (a CR LF pair counts as
//! one): see [`text::single_line`]. Where a text is cut, it ends in `…`.
//!
//! Colours: Resolve, Avid, OTIO and After Effects markers are coloured by state (open red,
//! resolved green) or by author ([`ColourBy`]); FCPXML and FCP7 XML markers carry no colour.
//! FCPXML marks open comments as to-do markers and resolved ones as completed.
//!
//! # Importing safely
//!
//! An import returns every marker or an error, never part of a file. It refuses, before parsing:
//! files over [`MAX_IMPORT_BYTES`] (16 MiB, checked on the length alone), NUL bytes (binary),
//! UTF-16 and invalid UTF-8. XML whose DOCTYPE declares entities or has an internal subset is
//! refused (entity bombs), as are files with more than [`MAX_IMPORT_MARKERS`] markers, markers
//! before the version's first frame or past its last ([`ImportTarget::frame_count`]), and times
//! at another frame rate. Errors name the 1-based line (for XML, the line of the offending
//! element; for OTIO, the marker's JSON path) and have stable codes ([`ImportError::code`]).
//!
//! XML is read with `roxmltree` (crates.io, MIT/Apache-2.0, no dependency but `memchr`): a
//! read-only tree that keeps byte positions (so errors can name lines), never fetches external
//! DTDs, guards against entity loops and caps node counts. We refuse DTD declarations ourselves
//! before it parses (a bare `<!DOCTYPE fcpxml>` passes). `quick-xml` is a streaming reader: we
//! would have had to build the tree and the line tracking on top of it.

pub mod colour;
mod error;
mod export;
mod format;
pub mod formats;
mod import;
mod model;
pub mod text;

pub use error::{ExportError, ImportError, ImportErrorKind, Location};
pub use format::{Format, UnknownFormat, guess_format};
pub use import::{MAX_IMPORT_BYTES, MAX_IMPORT_MARKERS};
pub use model::{ColourBy, ExportOptions, ImportTarget, ImportedMarker, Marker, MarkerState, Reply, Sheet};

/// Writes `sheet` as a `format` file.
pub fn export(sheet: &Sheet, format: Format, options: &ExportOptions) -> Result<Vec<u8>, ExportError> {
    let p = export::prepare(sheet, options)?;
    let text = match format {
        Format::ResolveEdl => formats::resolve_edl::write(&p),
        Format::Fcpxml => formats::fcpxml::write(&p),
        Format::Fcp7Xml => formats::fcp7_xml::write(&p)?,
        Format::AvidTxt => formats::avid_txt::write(&p),
        Format::Otio => formats::otio::write(&p)
            .map_err(|e| ExportError::Encoding { format: Format::Otio, message: e.to_string() })?,
        Format::Csv => formats::csv::write(&p),
        Format::Txt => formats::txt::write(&p),
        Format::AeJsx => formats::ae_jsx::write(&p),
    };
    Ok(text.into_bytes())
}

/// Reads the markers of a `format` file for the version `target` describes: all of them, or an
/// error saying what is wrong and where.
pub fn import(bytes: &[u8], format: Format, target: &ImportTarget) -> Result<Vec<ImportedMarker>, ImportError> {
    if !format.is_importable() {
        return Err(ImportError::new(ImportErrorKind::NotImportable { format }));
    }
    let text = import::text_of(bytes)?;
    let placer = import::Placer::new(target)?;
    match format {
        Format::ResolveEdl => formats::resolve_edl::read(text, &placer),
        Format::Fcpxml => formats::fcpxml::read(text, &placer),
        Format::Fcp7Xml => formats::fcp7_xml::read(text, &placer),
        Format::AvidTxt => formats::avid_txt::read(text, &placer),
        Format::Otio => formats::otio::read(text, &placer),
        Format::Csv => formats::csv::read(text, &placer),
        Format::Txt | Format::AeJsx => Err(ImportError::new(ImportErrorKind::NotImportable { format })),
    }
}
