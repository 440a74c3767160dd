//! Why an export or an import failed. Each error has a stable kebab-case code for the API; an
//! import error also says where in the file (line, or JSON path for OTIO) the problem is.

use std::fmt;

use frameproof_domain::{FrameRate, TimecodeError};

use crate::format::Format;

/// Why an export failed: the sheet or the options do not describe a valid export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("the timecode is not valid for this version: {0}")]
    Timecode(#[source] TimecodeError),
    #[error("marker {index}: its range ends at frame {frame_out}, before it starts at frame {frame_in}")]
    RangeReversed { index: usize, frame_in: u64, frame_out: u64 },
    #[error("marker {index}: frame {frame} is past the version's last frame ({frame_count} frames)")]
    PastEnd { index: usize, frame: u64, frame_count: u64 },
    #[error("{format} cannot express the rate {rate}: it knows only whole rates and NTSC (×1000/1001) rates")]
    UnsupportedRate { format: Format, rate: FrameRate },
    #[error("the {format} file could not be encoded: {message}")]
    Encoding { format: Format, message: String },
}

impl ExportError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Timecode(_) => "bad-timecode",
            ExportError::RangeReversed { .. } => "range-reversed",
            ExportError::PastEnd { .. } => "past-end",
            ExportError::UnsupportedRate { .. } => "unsupported-rate",
            ExportError::Encoding { .. } => "encoding",
        }
    }
}

/// Where in a file an import error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A 1-based line (for XML, the line where the offending element starts).
    Line(usize),
    /// A path into an OTIO document, such as `tracks.children[0].children[2].markers[1]`.
    Path(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Path(path) => write!(f, "at {path}"),
        }
    }
}

/// Why an import failed, and where. Imports are all-or-nothing: any error means no marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// Where the problem is, when it is at one place in the file.
    pub at: Option<Location>,
    /// What is wrong.
    pub kind: ImportErrorKind,
}

impl ImportError {
    pub(crate) fn new(kind: ImportErrorKind) -> ImportError {
        ImportError { at: None, kind }
    }

    pub(crate) fn at_line(line: usize, kind: ImportErrorKind) -> ImportError {
        ImportError { at: Some(Location::Line(line)), kind }
    }

    pub(crate) fn at_path(path: impl Into<String>, kind: ImportErrorKind) -> ImportError {
        ImportError { at: Some(Location::Path(path.into())), kind }
    }

    /// A stable code for the API (the kind's).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The 1-based line the error names, if it names one.
    pub fn line(&self) -> Option<usize> {
        match self.at {
            Some(Location::Line(line)) => Some(line),
            _ => None,
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{at}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// What is wrong with an imported file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportErrorKind {
    #[error("the file is {size} bytes; marker files over {limit} bytes are refused")]
    TooLarge { size: usize, limit: usize },
    #[error("the file is empty")]
    Empty,
    #[error("the file is binary, not text (a NUL byte at offset {offset})")]
    Binary { offset: usize },
    #[error("the file is UTF-16 text; save it as UTF-8 and import it again")]
    Utf16,
    #[error("the file is not UTF-8 text (an invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("{format} files cannot be imported; import one of: resolve-edl, fcpxml, fcp7-xml, avid-txt, otio, csv")]
    NotImportable { format: Format },
    #[error("the version's timing is not valid: {0}")]
    Target(#[source] TimecodeError),
    #[error(
        "XML with a document type definition (DOCTYPE with [...] or ENTITY declarations) is refused: entities can expand without bound"
    )]
    XmlDtd,
    #[error("not well-formed XML: {0}")]
    Xml(String),
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Syntax(String),
    #[error("{0}")]
    Timecode(#[source] TimecodeError),
    #[error("{found} is not this version's rate ({expected}); import the file onto a version with the same rate")]
    RateMismatch { found: String, expected: String },
    #[error("{position} is before the version's first frame ({first})")]
    BeforeStart { position: String, first: String },
    #[error("{position} is past the version's last frame ({last})")]
    PastEnd { position: String, last: String },
    #[error("the marker ends ({end}) before it starts ({start})")]
    RangeReversed { start: String, end: String },
    #[error("the file holds more than {limit} markers")]
    TooManyMarkers { limit: usize },
}

impl ImportErrorKind {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            ImportErrorKind::TooLarge { .. } => "too-large",
            ImportErrorKind::Empty => "empty",
            ImportErrorKind::Binary { .. } => "binary",
            ImportErrorKind::Utf16 => "utf-16",
            ImportErrorKind::NotUtf8 { .. } => "not-utf8",
            ImportErrorKind::NotImportable { .. } => "not-importable",
            ImportErrorKind::Target(_) => "bad-target",
            ImportErrorKind::XmlDtd => "xml-dtd",
            ImportErrorKind::Xml(_) => "xml-syntax",
            ImportErrorKind::Json(_) => "json-syntax",
            ImportErrorKind::Syntax(_) => "syntax",
            ImportErrorKind::Timecode(_) => "bad-timecode",
            ImportErrorKind::RateMismatch { .. } => "rate-mismatch",
            ImportErrorKind::BeforeStart { .. } => "before-start",
            ImportErrorKind::PastEnd { .. } => "past-end",
            ImportErrorKind::RangeReversed { .. } => "range-reversed",
            ImportErrorKind::TooManyMarkers { .. } => "too-many-markers",
        }
    }
}
