//! What every reader shares: refusing hostile input before parsing, turning the file's times
//! into version frames (refusing those outside the version), and counting markers.

use frameproof_domain::{Timecode, TimecodeFormat};

use crate::error::{ImportError, ImportErrorKind};
use crate::export::default_start;
use crate::model::{ImportTarget, ImportedMarker};

/// The largest file an import reads: 16 MiB, far above any real marker list (10 000 markers with
/// long comments), small enough to parse in memory at once.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// The most markers an import returns; a file with more is refused.
pub const MAX_IMPORT_MARKERS: usize = 10_000;

/// The text of a file, or why it is not a text file we read. The size is checked first, before
/// any byte is looked at, so an oversized upload costs nothing. A UTF-8 byte-order mark is
/// dropped.
pub(crate) fn text_of(bytes: &[u8]) -> Result<&str, ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::new(ImportErrorKind::TooLarge { size: bytes.len(), limit: MAX_IMPORT_BYTES }));
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(ImportError::new(ImportErrorKind::Utf16));
    }
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(ImportError::new(ImportErrorKind::Binary { offset }));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        ImportError::at_line(line, ImportErrorKind::NotUtf8 { offset })
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportError::new(ImportErrorKind::Empty));
    }
    Ok(text)
}

/// Places markers on the target version: timecodes and frame numbers to version frames, each
/// checked to lie inside the version.
pub(crate) struct Placer {
    pub tc: Timecode,
    pub frame_count: u64,
}

#[cfg(test)]
impl Placer {
    /// The reference's examples: 29.97 drop-frame from 01:00:00;00, 6 000 frames.
    pub fn reference() -> Placer {
        let rate = frameproof_domain::FrameRate { num: 30000, den: 1001 };
        let target = ImportTarget { rate, drop_frame: true, start: None, frame_count: 6000 };
        Placer::new(&target).unwrap_or_else(|e| panic!("the reference target: {e}"))
    }
}

impl Placer {
    pub fn new(target: &ImportTarget) -> Result<Placer, ImportError> {
        let target_error = |e| ImportError::new(ImportErrorKind::Target(e));
        let format = TimecodeFormat::new(target.rate, target.drop_frame).map_err(target_error)?;
        let start = target.start.as_deref().unwrap_or(default_start(target.drop_frame));
        let tc = Timecode::new(format, Some(start)).map_err(target_error)?;
        Ok(Placer { tc, frame_count: target.frame_count })
    }

    /// The version frame a timecode label names (absolute, counted with the target's start).
    /// A label before the start, or past the end, is refused; which of the two is decided by
    /// which is nearer, since labels wrap at midnight.
    pub fn frame_at_label(&self, label: &str) -> Result<u64, ImportErrorKind> {
        let format = self.tc.format;
        let absolute = format.parse(label).map_err(ImportErrorKind::Timecode)?;
        let day = format.frames_per_day();
        let relative = (absolute + day - self.tc.start % day) % day;
        if relative < self.frame_count {
            return Ok(relative);
        }
        let position = format!("timecode {}", label.trim());
        let past_by = relative - self.frame_count + 1;
        let before_by = day - relative;
        if before_by < past_by {
            Err(ImportErrorKind::BeforeStart { position, first: self.tc.label(0) })
        } else {
            Err(ImportErrorKind::PastEnd { position, last: self.last_label() })
        }
    }

    /// A version frame given as a (possibly negative) number, checked to lie inside the version.
    pub fn frame(&self, frame: i128) -> Result<u64, ImportErrorKind> {
        match u64::try_from(frame) {
            Ok(f) if f < self.frame_count => Ok(f),
            Ok(_) => Err(ImportErrorKind::PastEnd { position: format!("frame {frame}"), last: self.last_frame() }),
            Err(_) if frame < 0 => {
                Err(ImportErrorKind::BeforeStart { position: format!("frame {frame}"), first: "frame 0".into() })
            }
            Err(_) => Err(ImportErrorKind::PastEnd { position: format!("frame {frame}"), last: self.last_frame() }),
        }
    }

    /// The inclusive end of a range of `frames` frames from `frame_in` (`None` for one frame or
    /// fewer), checked to end inside the version.
    pub fn range_end(&self, frame_in: u64, frames: u64) -> Result<Option<u64>, ImportErrorKind> {
        if frames <= 1 {
            return Ok(None);
        }
        let end = frame_in.saturating_add(frames - 1);
        if end >= self.frame_count {
            return Err(ImportErrorKind::PastEnd {
                position: format!("the range's last frame {end} ({} frames from frame {frame_in})", frames),
                last: self.last_frame(),
            });
        }
        Ok(Some(end))
    }

    fn last_label(&self) -> String {
        match self.frame_count.checked_sub(1) {
            Some(last) => self.tc.label(last),
            None => "the version has no frames".into(),
        }
    }

    fn last_frame(&self) -> String {
        match self.frame_count.checked_sub(1) {
            Some(last) => format!("frame {last}"),
            None => "the version has no frames".into(),
        }
    }
}

/// Collects markers, refusing the one past [`MAX_IMPORT_MARKERS`].
#[derive(Default)]
pub(crate) struct Markers(Vec<ImportedMarker>);

impl Markers {
    pub fn push(&mut self, marker: ImportedMarker) -> Result<(), ImportErrorKind> {
        if self.0.len() >= MAX_IMPORT_MARKERS {
            return Err(ImportErrorKind::TooManyMarkers { limit: MAX_IMPORT_MARKERS });
        }
        self.0.push(marker);
        Ok(())
    }

    pub fn into_vec(self) -> Vec<ImportedMarker> {
        self.0
    }
}

/// The marker's text and label from a format's name and comment fields: the comment when it has
/// one (the name becomes the label), else the name.
pub(crate) fn text_and_label(name: &str, comment: &str) -> (String, Option<String>) {
    if comment.is_empty() {
        (name.to_owned(), None)
    } else {
        (comment.to_owned(), (!name.is_empty()).then(|| name.to_owned()))
    }
}

/// The start of a line, quoted, for an error message.
pub(crate) fn excerpt(line: &str) -> String {
    format!("{:?}", crate::text::truncate(line, 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameproof_domain::FrameRate;

    fn placer(rate: &str, df: bool, frame_count: u64) -> Placer {
        let target = ImportTarget { rate: FrameRate::parse(rate).unwrap(), drop_frame: df, start: None, frame_count };
        Placer::new(&target).unwrap()
    }

    #[test]
    fn labels_before_the_start_and_after_the_end_are_told_apart() {
        let p = placer("30000/1001", true, 6000);
        assert_eq!(p.frame_at_label("01:01:00;02"), Ok(1800));
        assert_eq!(p.frame_at_label("01:00:00;00"), Ok(0));
        let before = p.frame_at_label("00:59:59;29").unwrap_err();
        assert_eq!(before.to_string(), "timecode 00:59:59;29 is before the version's first frame (01:00:00;00)");
        let after = p.frame_at_label("01:03:20;06").unwrap_err();
        assert_eq!(after.code(), "past-end");
        assert!(after.to_string().contains("(01:03:20;05)"), "{after}");
        assert_eq!(p.frame_at_label("01:00:60;00").unwrap_err().code(), "bad-timecode");
    }

    #[test]
    fn frame_numbers_outside_the_version_are_refused() {
        let p = placer("25", false, 100);
        assert_eq!(p.frame(99), Ok(99));
        assert_eq!(p.frame(-1).unwrap_err().to_string(), "frame -1 is before the version's first frame (frame 0)");
        assert_eq!(p.frame(100).unwrap_err().to_string(), "frame 100 is past the version's last frame (frame 99)");
        assert_eq!(p.range_end(90, 10), Ok(Some(99)));
        assert_eq!(p.range_end(90, 1), Ok(None));
        assert_eq!(p.range_end(90, 11).unwrap_err().code(), "past-end");
    }

    #[test]
    fn input_checks_refuse_before_parsing() {
        assert_eq!(text_of(b"ok\n"), Ok("ok\n"));
        assert_eq!(text_of(b"\xef\xbb\xbfok"), Ok("ok"));
        assert_eq!(text_of(b"  \n").unwrap_err().code(), "empty");
        assert_eq!(text_of(b"\xff\xfeo\x00k\x00").unwrap_err().code(), "utf-16");
        assert_eq!(text_of(b"a\x00b").unwrap_err().kind, ImportErrorKind::Binary { offset: 1 });
        let latin1 = text_of(b"line one\nCaf\xe9\n").unwrap_err();
        assert_eq!((latin1.code(), latin1.line()), ("not-utf8", Some(2)));
    }

    #[test]
    fn the_marker_past_the_limit_is_refused() {
        let mut markers = Markers::default();
        let m = ImportedMarker { frame_in: 0, frame_out: None, text: String::new(), label: None };
        for _ in 0..MAX_IMPORT_MARKERS {
            markers.push(m.clone()).unwrap();
        }
        assert_eq!(markers.push(m), Err(ImportErrorKind::TooManyMarkers { limit: MAX_IMPORT_MARKERS }));
    }
}
