//! Time zones: a workspace's IANA zone and instants written as people there read them,
//! "7 Dec 2026, 14:05 CET (Europe/Berlin)".
//!
//! Zones come from the tz database bundled into the binary (jiff's `tzdb-bundle-always`), not
//! the host's `/usr/share/zoneinfo`: a container without one, or with an older one, still
//! names and converts every zone the same way. The API keeps RFC 3339 UTC; only documents made
//! for people (the printable report) and, later, business-day calendars use this.

use jiff::tz::{Dst, TimeZone};

/// The zone a workspace has until an owner or admin picks one.
pub const DEFAULT: &str = "UTC";

/// A name that is not in the tz database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA time zone name (such as Europe/Berlin or America/New_York)")]
pub struct UnknownZone(pub String);

/// An IANA time zone, by its canonical name.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Milliseconds in a (non-leap) year's half: where the other half's offset is sampled.
const HALF_YEAR_MS: i64 = 182 * 24 * 3_600_000;

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone { name: String::from(DEFAULT), tz: TimeZone::UTC }
    }

    /// The zone named `name` (any letter case; the canonical spelling is kept, so
    /// `europe/berlin` reads `Europe/Berlin`). POSIX rules, offsets and `Etc/Unknown` are refused:
    /// a workspace's zone is a place's, with its history.
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let unknown = || UnknownZone(name.to_owned());
        let trimmed = name.trim();
        if trimmed.is_empty() || trimmed.len() > 64 || !trimmed.chars().all(|c| c.is_ascii_graphic()) {
            return Err(unknown());
        }
        let tz = jiff::tz::db().get(trimmed).map_err(|_| unknown())?;
        if tz.is_unknown() {
            return Err(unknown());
        }
        let canonical = tz.iana_name().unwrap_or(trimmed).to_owned();
        Ok(Zone { name: canonical, tz })
    }

    /// A stored zone name; one the database no longer knows reads as UTC, which the document
    /// then names, so nothing is silently shifted.
    pub fn stored(name: &str) -> Zone {
        Zone::parse(name).unwrap_or_else(|_| Zone::utc())
    }

    /// The canonical IANA name, e.g. `Europe/Berlin`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's rules, for calendar maths.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    fn offset_info(&self, ms: i64) -> (jiff::civil::DateTime, String, Dst) {
        let at = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let info = self.tz.to_offset_info(at);
        (info.offset().to_datetime(at), readable_abbreviation(info.abbreviation()), info.dst())
    }

    /// The abbreviation in force at `ms` (`CET`, `CEST`, `GMT`, `UTC+04` where the database
    /// has only a number).
    pub fn abbreviation_at(&self, ms: i64) -> String {
        self.offset_info(ms).1
    }

    /// `7 Dec 2026, 14:05 CET`: the local date and time at `ms` with the abbreviation in force.
    pub fn format(&self, ms: i64) -> String {
        let (t, abbreviation, _) = self.offset_info(ms);
        let month = usize::try_from(t.month() - 1).ok().and_then(|m| MONTHS.get(m)).copied().unwrap_or("?");
        format!("{} {month} {}, {:02}:{:02} {abbreviation}", t.day(), t.year(), t.hour(), t.minute())
    }

    /// `7 Dec 2026, 14:05 CET (Europe/Berlin)`: [`Zone::format`] with the zone's name, for a
    /// line that may be read on its own.
    pub fn format_named(&self, ms: i64) -> String {
        if self.name == self.abbreviation_at(ms) {
            return self.format(ms);
        }
        format!("{} ({})", self.format(ms), self.name)
    }

    /// The abbreviations the zone uses in the year around `ms`, standard time first
    /// (`["GMT", "BST"]` for Europe/London, `["IST"]` for Asia/Kolkata).
    pub fn abbreviations_around(&self, ms: i64) -> Vec<String> {
        let mut seen: Vec<(Dst, String)> = Vec::new();
        for at in [ms, ms.saturating_add(HALF_YEAR_MS)] {
            let (_, abbreviation, dst) = self.offset_info(at);
            if !seen.iter().any(|(_, a)| *a == abbreviation) {
                seen.push((dst, abbreviation));
            }
        }
        seen.sort_by_key(|(dst, _)| dst.is_dst());
        seen.into_iter().map(|(_, a)| a).collect()
    }

    /// `Europe/London (GMT/BST)`: the zone's name and the abbreviations times in it carry
    /// around `ms` (just `UTC` for UTC).
    pub fn describe(&self, ms: i64) -> String {
        let abbreviations = self.abbreviations_around(ms);
        if abbreviations.len() == 1 && abbreviations[0] == self.name {
            return self.name.clone();
        }
        format!("{} ({})", self.name, abbreviations.join("/"))
    }
}

/// The tz database writes some zones' abbreviations as bare offsets (`+04`, `-0330`); those
/// read better as `UTC+04`.
fn readable_abbreviation(a: &str) -> String {
    if a.starts_with(['+', '-']) { format!("UTC{a}") } else { a.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07T13:05:00Z and 2026-07-07T13:05:00Z.
    const WINTER: i64 = 1_796_648_700_000;
    const SUMMER: i64 = 1_783_429_500_000;

    #[test]
    fn instants_read_in_the_zone_with_its_abbreviation_and_name() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.format_named(WINTER), "7 Dec 2026, 14:05 CET (Europe/Berlin)");
        assert_eq!(berlin.format(SUMMER), "7 Jul 2026, 15:05 CEST");
        assert_eq!(Zone::utc().format_named(WINTER), "7 Dec 2026, 13:05 UTC");
        let kolkata = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(kolkata.format(WINTER), "7 Dec 2026, 18:35 IST");
        assert_eq!(Zone::parse("Asia/Dubai").unwrap().format(WINTER), "7 Dec 2026, 17:05 UTC+04");
        // Across midnight and a year's end.
        let auckland = Zone::parse("Pacific/Auckland").unwrap();
        assert_eq!(auckland.format(1_798_761_600_000), "1 Jan 2027, 13:00 NZDT");
    }

    #[test]
    fn a_zone_is_described_by_its_name_and_both_abbreviations() {
        assert_eq!(Zone::parse("Europe/London").unwrap().describe(WINTER), "Europe/London (GMT/BST)");
        assert_eq!(Zone::parse("Europe/London").unwrap().describe(SUMMER), "Europe/London (GMT/BST)");
        assert_eq!(Zone::parse("Australia/Sydney").unwrap().describe(WINTER), "Australia/Sydney (AEST/AEDT)");
        assert_eq!(Zone::parse("Asia/Kolkata").unwrap().describe(WINTER), "Asia/Kolkata (IST)");
        assert_eq!(Zone::utc().describe(WINTER), "UTC");
    }

    #[test]
    fn only_real_zone_names_parse_and_keep_their_canonical_spelling() {
        assert_eq!(Zone::parse("europe/berlin").unwrap().name(), "Europe/Berlin");
        assert_eq!(Zone::parse("UTC").unwrap().name(), "UTC");
        for bad in ["", "Mars/Olympus_Mons", "Europe /Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", "+01:00", "Etc/Unknown"] {
            assert!(Zone::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Zone::stored("Atlantis/Capital").name(), "UTC");
    }
}
