//! Frame rates as rationals (`30000/1001`), never floats, and the frame ↔ time arithmetic that
//! depends on them.

use serde::{Deserialize, Serialize};

/// A frame rate: `num / den` frames per second, both positive, stored reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FrameRate {
    pub num: u32,
    pub den: u32,
}

/// The review rates a variable-rate source snaps to (DESIGN.md, Rules of the model).
pub const STANDARD_RATES: [FrameRate; 9] = [
    FrameRate { num: 24000, den: 1001 },
    FrameRate { num: 24, den: 1 },
    FrameRate { num: 25, den: 1 },
    FrameRate { num: 30000, den: 1001 },
    FrameRate { num: 30, den: 1 },
    FrameRate { num: 48, den: 1 },
    FrameRate { num: 50, den: 1 },
    FrameRate { num: 60000, den: 1001 },
    FrameRate { num: 60, den: 1 },
];

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl FrameRate {
    /// `num/den` reduced; `None` when either is zero or too large.
    pub fn new(num: u64, den: u64) -> Option<FrameRate> {
        if num == 0 || den == 0 {
            return None;
        }
        let g = gcd(num, den);
        Some(FrameRate { num: u32::try_from(num / g).ok()?, den: u32::try_from(den / g).ok()? })
    }

    /// Parses `30000/1001`, `25`, or `25/1` (ffprobe's form); `0/0` and garbage are `None`.
    pub fn parse(s: &str) -> Option<FrameRate> {
        let s = s.trim();
        match s.split_once('/') {
            Some((n, d)) => FrameRate::new(n.trim().parse().ok()?, d.trim().parse().ok()?),
            None => FrameRate::new(s.parse().ok()?, 1),
        }
    }

    /// Frames per second as a float, for display and tolerance checks only.
    pub fn fps(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// The nominal (timecode) rate: 30 for 29.97, 24 for 23.976.
    pub fn nominal(self) -> u32 {
        (u64::from(self.num)).div_ceil(u64::from(self.den)) as u32
    }

    /// The start time of frame `n` in microseconds, rounded up so it falls inside frame `n`.
    pub fn frame_to_micros(self, n: u64) -> u64 {
        (u128::from(n) * u128::from(self.den) * 1_000_000).div_ceil(u128::from(self.num)) as u64
    }

    /// The frame showing at `micros` (the last frame that started at or before it).
    pub fn micros_to_frame(self, micros: u64) -> u64 {
        (u128::from(micros) * u128::from(self.num) / (u128::from(self.den) * 1_000_000)) as u64
    }

    /// Frames in `micros` of media, rounded to the nearest frame (expected frame counts).
    pub fn frames_in_micros(self, micros: u64) -> u64 {
        let num = u128::from(micros) * u128::from(self.num);
        let den = u128::from(self.den) * 1_000_000;
        ((num + den / 2) / den) as u64
    }

    /// The standard rate nearest to this one (for variable-rate sources).
    pub fn snap_to_standard(self) -> FrameRate {
        let fps = self.fps();
        STANDARD_RATES
            .into_iter()
            .min_by(|a, b| (a.fps() - fps).abs().total_cmp(&(b.fps() - fps).abs()))
            .unwrap_or(FrameRate { num: 25, den: 1 })
    }
}

impl std::fmt::Display for FrameRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ffprobe_forms() {
        assert_eq!(FrameRate::parse("30000/1001"), Some(FrameRate { num: 30000, den: 1001 }));
        assert_eq!(FrameRate::parse("50/2"), Some(FrameRate { num: 25, den: 1 }));
        assert_eq!(FrameRate::parse("24"), Some(FrameRate { num: 24, den: 1 }));
        assert_eq!(FrameRate::parse("0/0"), None);
        assert_eq!(FrameRate::parse("x/1"), None);
    }

    #[test]
    fn nominal_rates() {
        assert_eq!(FrameRate::parse("30000/1001").unwrap().nominal(), 30);
        assert_eq!(FrameRate::parse("24000/1001").unwrap().nominal(), 24);
        assert_eq!(FrameRate::parse("120000/1001").unwrap().nominal(), 120);
        assert_eq!(FrameRate::parse("25").unwrap().nominal(), 25);
    }

    #[test]
    fn frame_time_round_trip() {
        let r = FrameRate::parse("30000/1001").unwrap();
        assert_eq!(r.frame_to_micros(30), 1_001_000);
        for n in [0, 1, 29, 30, 17982, 107_892] {
            assert_eq!(r.micros_to_frame(r.frame_to_micros(n)), n);
        }
        assert_eq!(r.frames_in_micros(10_010_000), 300);
    }

    #[test]
    fn snaps_variable_rates() {
        assert_eq!(FrameRate::parse("2997/100").unwrap().snap_to_standard(), FrameRate { num: 30000, den: 1001 });
        assert_eq!(FrameRate::parse("5994/100").unwrap().snap_to_standard(), FrameRate { num: 60000, den: 1001 });
        assert_eq!(FrameRate::parse("24").unwrap().snap_to_standard(), FrameRate { num: 24, den: 1 });
    }
}
