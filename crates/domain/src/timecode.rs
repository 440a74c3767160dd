//! SMPTE timecode: integer frame ↔ label (`01:00:00;00`), drop-frame included, with the
//! source's start timecode as an offset. Integer arithmetic only; frame rates are rationals.
//!
//! Drop-frame exists at 29.97 (labels `;00` and `;01` skipped at the start of every minute but
//! each tenth) and 59.94 (`;00`–`;03`). Labels wrap at 24 hours like a clock.

use crate::rate::FrameRate;

/// Why a timecode or its format was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimecodeError {
    #[error("drop-frame timecode exists only at 29.97 (30000/1001) and 59.94 (60000/1001), not at {0}")]
    DropFrameRate(FrameRate),
    #[error("{0:?} is not a timecode; write HH:MM:SS:FF (or HH:MM:SS;FF for drop-frame)")]
    Syntax(String),
    #[error("{0:?}: hours run 00–23, minutes and seconds 00–59")]
    Range(String),
    #[error("{label:?}: the frame field must be below {nominal} at this rate")]
    FrameField { label: String, nominal: u32 },
    #[error("{0:?} uses ';' (drop-frame) but this timecode is non-drop")]
    SemicolonAtNonDrop(String),
    #[error("{0:?} does not exist in drop-frame timecode: that label is skipped at the start of the minute")]
    DroppedLabel(String),
}

/// How labels are written at one rate: the rate and whether it is drop-frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimecodeFormat {
    rate: FrameRate,
    drop_frame: bool,
}

impl TimecodeFormat {
    /// A format; drop-frame is refused except at 29.97 and 59.94.
    pub fn new(rate: FrameRate, drop_frame: bool) -> Result<TimecodeFormat, TimecodeError> {
        let ntsc_df = rate.den == 1001 && (rate.num == 30000 || rate.num == 60000);
        if drop_frame && !ntsc_df {
            return Err(TimecodeError::DropFrameRate(rate));
        }
        Ok(TimecodeFormat { rate, drop_frame })
    }

    /// The format a source gets by default: drop-frame at 29.97 and 59.94, else non-drop.
    pub fn default_for(rate: FrameRate) -> TimecodeFormat {
        let drop_frame = rate.den == 1001 && (rate.num == 30000 || rate.num == 60000);
        TimecodeFormat { rate, drop_frame }
    }

    pub fn rate(&self) -> FrameRate {
        self.rate
    }

    pub fn drop_frame(&self) -> bool {
        self.drop_frame
    }

    fn fps(&self) -> u64 {
        u64::from(self.rate.nominal())
    }

    /// Labels skipped at the start of each minute (but each tenth).
    fn dropped(&self) -> u64 {
        if self.drop_frame { self.fps() / 30 * 2 } else { 0 }
    }

    /// Frames in 24 hours of labels (where labels wrap).
    pub fn frames_per_day(&self) -> u64 {
        let labels = self.fps() * 86_400;
        // 24 h = 144 ten-minute blocks, each dropping 9 × d labels.
        labels - 144 * 9 * self.dropped()
    }

    /// Digits of the frame field: three above 99 fps.
    fn frame_digits(&self) -> usize {
        if self.fps() > 99 { 3 } else { 2 }
    }

    /// The label of frame `frame` counted from label 00:00:00:00.
    pub fn format(&self, frame: u64) -> String {
        let frame = frame % self.frames_per_day();
        let fps = self.fps();
        let d = self.dropped();
        let label = if d == 0 {
            frame
        } else {
            let per_min = fps * 60 - d;
            let per_10min = fps * 600 - 9 * d;
            let (tens, rem) = (frame / per_10min, frame % per_10min);
            // The branch matters: without it the first labels of a ten-minute block go wrong
            // under floor division (see the reference notes).
            let extra = if rem < d { 0 } else { d * ((rem - d) / per_min) };
            frame + 9 * d * tens + extra
        };
        let ff = label % fps;
        let s = label / fps;
        let (hh, mm, ss) = (s / 3600, (s / 60) % 60, s % 60);
        let sep = if self.drop_frame { ';' } else { ':' };
        format!("{hh:02}:{mm:02}:{ss:02}{sep}{ff:0width$}", width = self.frame_digits())
    }

    /// The frame a label names (counted from 00:00:00:00). Accepts `:` or `;` before the frame
    /// field when drop-frame, `:` only when not; two or three frame digits.
    pub fn parse(&self, label: &str) -> Result<u64, TimecodeError> {
        let s = label.trim();
        let syntax = || TimecodeError::Syntax(s.to_owned());
        let bytes = s.as_bytes();
        if bytes.len() < 11 || bytes.len() > 12 || bytes[2] != b':' || bytes[5] != b':' {
            return Err(syntax());
        }
        let last = bytes[8];
        if last != b':' && last != b';' {
            return Err(syntax());
        }
        if last == b';' && !self.drop_frame {
            return Err(TimecodeError::SemicolonAtNonDrop(s.to_owned()));
        }
        let num = |r: std::ops::Range<usize>| -> Result<u64, TimecodeError> {
            let part = s.get(r).ok_or_else(syntax)?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax());
            }
            part.parse().map_err(|_| syntax())
        };
        let (hh, mm, ss, ff) = (num(0..2)?, num(3..5)?, num(6..8)?, num(9..s.len())?);
        if hh > 23 || mm > 59 || ss > 59 {
            return Err(TimecodeError::Range(s.to_owned()));
        }
        let fps = self.fps();
        if ff >= fps {
            return Err(TimecodeError::FrameField { label: s.to_owned(), nominal: self.rate.nominal() });
        }
        let d = self.dropped();
        if d > 0 && ss == 0 && mm % 10 != 0 && ff < d {
            return Err(TimecodeError::DroppedLabel(s.to_owned()));
        }
        let total_min = hh * 60 + mm;
        Ok(((hh * 3600 + mm * 60 + ss) * fps + ff) - d * (total_min - total_min / 10))
    }
}

/// Timecode of a version: a format and the source's start label (frame 0 shows `start`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timecode {
    pub format: TimecodeFormat,
    /// Frames from 00:00:00:00 to the label of frame 0.
    pub start: u64,
}

impl Timecode {
    /// A timecode starting at the label `start` (e.g. the source's `01:00:00;00`).
    pub fn new(format: TimecodeFormat, start: Option<&str>) -> Result<Timecode, TimecodeError> {
        let start = match start {
            Some(s) => format.parse(s)?,
            None => 0,
        };
        Ok(Timecode { format, start })
    }

    /// The label shown at frame `frame` of the version.
    pub fn label(&self, frame: u64) -> String {
        self.format.format(self.start + frame)
    }

    /// The frame a label names (labels before the start wrap through midnight).
    pub fn frame(&self, label: &str) -> Result<u64, TimecodeError> {
        let day = self.format.frames_per_day();
        let at = self.format.parse(label)?;
        Ok((at + day - self.start % day) % day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(rate: &str, df: bool) -> TimecodeFormat {
        TimecodeFormat::new(FrameRate::parse(rate).unwrap(), df).unwrap()
    }

    #[test]
    fn drop_frame_edges_29_97() {
        let f = fmt("30000/1001", true);
        for (frame, label) in [
            (0, "00:00:00;00"),
            (1798, "00:00:59;28"),
            (1799, "00:00:59;29"),
            (1800, "00:01:00;02"),
            (17981, "00:09:59;29"),
            (17982, "00:10:00;00"),
            (17983, "00:10:00;01"),
            (107_892, "01:00:00;00"),
            (107_957, "01:00:02;05"),
            (1_084_316, "10:03:00;02"),
            (1_084_319, "10:03:00;05"),
            (2_589_407, "23:59:59;29"),
        ] {
            assert_eq!(f.format(frame), label, "frame {frame}");
            assert_eq!(f.parse(label), Ok(frame), "label {label}");
        }
    }

    #[test]
    fn drop_frame_edges_59_94() {
        let f = fmt("60000/1001", true);
        for (frame, label) in [
            (3598, "00:00:59;58"),
            (3599, "00:00:59;59"),
            (3600, "00:01:00;04"),
            (35963, "00:09:59;59"),
            (35964, "00:10:00;00"),
            (215_784, "01:00:00;00"),
        ] {
            assert_eq!(f.format(frame), label, "frame {frame}");
            assert_eq!(f.parse(label), Ok(frame), "label {label}");
        }
    }

    #[test]
    fn non_drop_known_answers() {
        // OpenTimelineIO's pairs: the same frames at NDF.
        let ndf = fmt("30000/1001", false);
        assert_eq!(ndf.format(107_957), "00:59:58:17");
        assert_eq!(ndf.format(1_084_319), "10:02:23:29");
        assert_eq!(ndf.parse("01:00:00:00"), Ok(108_000));
        assert_eq!(fmt("24000/1001", false).format(86_400), "01:00:00:00");
        assert_eq!(fmt("24", false).format(86_399), "00:59:59:23");
        assert_eq!(fmt("25", false).format(90_000), "01:00:00:00");
        assert_eq!(fmt("50", false).parse("00:00:01:49"), Ok(99));
        assert_eq!(fmt("60000/1001", false).format(216_000), "01:00:00:00");
        // Above 99 fps the frame field has three digits; both paddings parse.
        let hfr = fmt("120000/1001", false);
        assert_eq!(hfr.format(120), "00:00:01:000");
        assert_eq!(hfr.format(119), "00:00:00:119");
        assert_eq!(hfr.parse("00:00:01:000"), Ok(120));
    }

    #[test]
    fn labels_wrap_at_24_hours() {
        let f = fmt("25", false);
        assert_eq!(f.frames_per_day(), 2_160_000);
        assert_eq!(f.format(2_160_000), "00:00:00:00");
        assert_eq!(f.format(2_160_001), "00:00:00:01");
        assert_eq!(fmt("30000/1001", true).frames_per_day(), 2_589_408);
        assert_eq!(fmt("60000/1001", true).frames_per_day(), 5_178_816);
    }

    #[test]
    fn parsing_refuses_what_timecode_forbids() {
        let df = fmt("30000/1001", true);
        assert_eq!(df.parse("00:01:00;00"), Err(TimecodeError::DroppedLabel(String::from("00:01:00;00"))));
        assert!(matches!(df.parse("00:01:00;01"), Err(TimecodeError::DroppedLabel(_))));
        assert_eq!(df.parse("00:01:00:02"), Ok(1800), "':' is accepted before the frame field at DF");
        assert!(matches!(fmt("60000/1001", true).parse("00:02:00;03"), Err(TimecodeError::DroppedLabel(_))));
        assert!(matches!(fmt("25", false).parse("00:00:00:25"), Err(TimecodeError::FrameField { nominal: 25, .. })));
        assert!(matches!(fmt("25", false).parse("00:00:00;10"), Err(TimecodeError::SemicolonAtNonDrop(_))));
        for bad in ["", "1:00:00:00", "00:00:00", "aa:00:00:00", "00-00-00-00", "00:00:00:0", "00:00:00:0000"] {
            assert!(matches!(fmt("25", false).parse(bad), Err(TimecodeError::Syntax(_))), "{bad:?}");
        }
        assert!(matches!(fmt("25", false).parse("24:00:00:00"), Err(TimecodeError::Range(_))));
        assert!(matches!(fmt("25", false).parse("00:60:00:00"), Err(TimecodeError::Range(_))));
        assert_eq!(
            TimecodeFormat::new(FrameRate::parse("25").unwrap(), true),
            Err(TimecodeError::DropFrameRate(FrameRate { num: 25, den: 1 }))
        );
        assert!(TimecodeFormat::new(FrameRate::parse("120000/1001").unwrap(), true).is_err());
    }

    #[test]
    fn start_timecode_offsets_both_ways() {
        let tc = Timecode::new(fmt("30000/1001", true), Some("01:00:00;00")).unwrap();
        assert_eq!(tc.label(0), "01:00:00;00");
        assert_eq!(tc.label(1800), "01:01:00;02");
        assert_eq!(tc.frame("01:01:00;02"), Ok(1800));
        assert_eq!(tc.frame("01:00:00;00"), Ok(0));
        let late = Timecode::new(fmt("25", false), Some("23:59:59:24")).unwrap();
        assert_eq!(late.label(1), "00:00:00:00", "wraps like a clock");
        assert_eq!(late.frame("00:00:00:00"), Ok(1));
    }

    /// Every frame of two hours at 29.97 and 59.94 drop-frame: labels are legal, strictly
    /// increasing, and parse back to their frame.
    #[test]
    fn every_frame_of_two_hours_round_trips_at_drop_frame_rates() {
        for rate in ["30000/1001", "60000/1001"] {
            let f = fmt(rate, true);
            let two_hours = 2 * f.frames_per_day() / 24;
            let mut previous = String::new();
            for frame in 0..two_hours {
                let label = f.format(frame);
                assert_eq!(f.parse(&label), Ok(frame), "{rate} frame {frame} → {label}");
                assert!(label > previous, "{rate}: {label} after {previous}");
                previous = label;
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_frame_round_trips_at_every_rate(frame in 0u64..10_000_000, which in 0usize..13) {
            let formats = [
                ("24000/1001", false), ("24", false), ("25", false), ("30000/1001", false), ("30000/1001", true),
                ("30", false), ("48", false), ("50", false), ("60000/1001", false), ("60000/1001", true),
                ("60", false), ("120000/1001", false), ("120", false),
            ];
            let (rate, df) = formats[which];
            let f = fmt(rate, df);
            let wrapped = frame % f.frames_per_day();
            proptest::prop_assert_eq!(f.parse(&f.format(frame)), Ok(wrapped));
        }
    }
}
