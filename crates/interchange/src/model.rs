//! What goes in and comes out: a sheet of markers to export, the options of an export, the
//! version an import lands on, and the markers an import returns.

use frameproof_domain::FrameRate;
use time::OffsetDateTime;

/// The comments of one version, ready to export: the clip, its timing and its markers.
///
/// Frames are 0-based indices into the version (frame 0 is the first presented frame), as the
/// rest of Frameproof stores them; every format derives its own times from them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    /// The clip (asset) name, used as the title, sequence and clip name in the files.
    pub name: String,
    /// The version's exact frame rate.
    pub rate: FrameRate,
    /// Whether the version's timecode is drop-frame (only at 29.97 and 59.94).
    pub drop_frame: bool,
    /// The source's start timecode label (`01:00:00;00`), if it has one.
    pub start: Option<String>,
    /// The version's length in frames; every marker must lie inside it.
    pub frame_count: u64,
    /// The markers, in any order (exports sort them by frame).
    pub markers: Vec<Marker>,
}

/// One review comment placed on the version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The first frame the comment is about.
    pub frame_in: u64,
    /// The last frame of a range comment (inclusive); `None` for a point. A range of one frame
    /// (`Some(frame_in)`) is written as a point.
    pub frame_out: Option<u64>,
    /// The comment.
    pub text: String,
    /// The author's display name.
    pub author: String,
    /// Open or resolved.
    pub state: MarkerState,
    /// When the comment was written.
    pub created_at: OffsetDateTime,
    /// The replies under this comment, oldest first; exports that include them append each as a
    /// line `author: text` below the comment.
    pub replies: Vec<Reply>,
}

/// A reply in a comment's thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub author: String,
    pub created_at: OffsetDateTime,
}

/// Whether a comment still needs work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarkerState {
    Open,
    Resolved,
}

impl MarkerState {
    /// `open` or `resolved`, as written in the CSV and text lists.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerState::Open => "open",
            MarkerState::Resolved => "resolved",
        }
    }
}

/// How exported markers are coloured, in the formats that carry a colour (Resolve EDL, Avid,
/// OTIO, After Effects).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ColourBy {
    /// One colour per author, given in order of each author's first marker.
    Author,
    /// Red for open comments, green for resolved ones.
    #[default]
    State,
}

/// Choices an export makes; `ExportOptions::default()` suits most uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The start timecode label the file's absolute timecodes count from, overriding the
    /// sheet's (e.g. to match a Resolve timeline that starts elsewhere). Default: the sheet's
    /// start, else `01:00:00:00` (`01:00:00;00` at drop-frame).
    pub start: Option<String>,
    /// How markers are coloured.
    pub colour_by: ColourBy,
    /// Name the author: in the format's name/user field (Resolve `|M:`, FCP7 `<name>`, OTIO
    /// `name`, Avid's first column, the CSV and text lists), or as an `author: ` prefix where the
    /// format shows one field only (FCPXML `value`, After Effects). Default: true.
    pub include_author: bool,
    /// Merge markers that start on the same frame into one (Resolve keeps one marker per frame).
    /// Their texts are joined by line breaks, prefixed by author when there are several. Default:
    /// false.
    pub merge_same_frame: bool,
    /// Append each comment's replies to its text. Default: true.
    pub include_replies: bool,
    /// FCPXML only: the `src` URL of the clip's media. Default: `file:///` and the clip name;
    /// Final Cut asks to relink it.
    pub media_url: Option<String>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            start: None,
            colour_by: ColourBy::default(),
            include_author: true,
            merge_same_frame: false,
            include_replies: true,
            media_url: None,
        }
    }
}

/// The version an import lands on: its timing, to turn the file's times into frames and to
/// refuse markers outside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportTarget {
    pub rate: FrameRate,
    pub drop_frame: bool,
    /// The start timecode label absolute timecodes (EDL, Avid, CSV timecode columns) count
    /// from. Default: `01:00:00:00` (`01:00:00;00` at drop-frame), as on export.
    pub start: Option<String>,
    /// The version's length in frames.
    pub frame_count: u64,
}

/// A marker read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedMarker {
    /// First frame, 0-based in the version.
    pub frame_in: u64,
    /// Last frame of a range (inclusive); `None` for a point.
    pub frame_out: Option<u64>,
    /// The comment: the format's note/comment field, or its name field when that is empty.
    pub text: String,
    /// The marker's name or user field, when the file has one besides the text (Resolve `|M:`,
    /// FCP7 `<name>`, OTIO `name`, FCPXML `value` next to a `note`, Avid's user column, the CSV
    /// author column).
    pub label: Option<String>,
}
