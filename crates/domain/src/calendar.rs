//! A workspace's business calendar: its time zone, working days, working hours and holidays,
//! and the business-day maths stages' due times and the analytics' business seconds are made of.
//!
//! Working hours are local wall-clock times, so a working day is 09:00–17:00 where the team is,
//! whatever the offset that day; a due time is the end of a working day (17:00 local by
//! default). Days are counted on the calendar's local dates:
//!
//! - the *n*-th business day after a date `d` is the *n*-th date after `d` that is a working
//!   weekday and not a holiday (`d` itself never counts, so Monday + 2 is Wednesday);
//! - a stage entered at instant `t` with a duration of *n* business days is due at the end of
//!   the working day of the *n*-th business day after `t`'s local date (0 days: the end of `t`'s
//!   own working day, or of the next business day when `t` is on a day off or past its end);
//! - business time between two instants is the part of them inside working hours on business
//!   days.
//!
//! Time is a parameter (milliseconds since the epoch), as everywhere in the domain.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

/// Holidays, and the dates business-day maths walks over, lie in these years.
pub const FIRST_YEAR: i16 = 2000;
pub const LAST_YEAR: i16 = 2100;

/// The most business days a duration may have (about four working years).
pub const MAX_BUSINESS_DAYS: u32 = 1000;

/// Why a calendar cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("working_days: at least one day of the week must be a working day")]
    NoWorkingDays,
    #[error("day_end: the working day must end after it starts ({start} is not before {end})")]
    EmptyDay { start: String, end: String },
    #[error("holidays: {0} is outside the years {FIRST_YEAR}–{LAST_YEAR}")]
    HolidayOutOfRange(String),
}

/// A business calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// Monday first.
    working_days: [bool; 7],
    day_start: Time,
    day_end: Time,
    holidays: BTreeSet<Date>,
    /// Each date's working hours as instants, once worked out: a time-zone conversion is the
    /// costly part of business-time sums, and the same dates come up again and again.
    hours: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<Date, (i64, i64)>>>,
}

/// Dates whose working hours a calendar remembers before it starts over.
const HOURS_KEPT: usize = 20_000;

impl Calendar {
    /// Monday to Friday, 09:00–17:00, no holidays.
    pub fn standard(tz: TimeZone) -> Calendar {
        Calendar {
            tz,
            working_days: [true, true, true, true, true, false, false],
            day_start: Time::constant(9, 0, 0, 0),
            day_end: Time::constant(17, 0, 0, 0),
            holidays: BTreeSet::new(),
            hours: Default::default(),
        }
    }

    /// A calendar with these working days (Monday first), hours and holidays.
    pub fn new(
        tz: TimeZone,
        working_days: [bool; 7],
        (day_start, day_end): (Time, Time),
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Calendar, CalendarError> {
        if !working_days.contains(&true) {
            return Err(CalendarError::NoWorkingDays);
        }
        if day_start >= day_end {
            return Err(CalendarError::EmptyDay { start: day_start.to_string(), end: day_end.to_string() });
        }
        let holidays: BTreeSet<Date> = holidays.into_iter().collect();
        if let Some(out) = holidays.iter().find(|d| !(FIRST_YEAR..=LAST_YEAR).contains(&d.year())) {
            return Err(CalendarError::HolidayOutOfRange(out.to_string()));
        }
        Ok(Calendar { tz, working_days, day_start, day_end, holidays, hours: Default::default() })
    }

    /// Whether `d` is a working weekday and not a holiday.
    pub fn is_business_day(&self, d: Date) -> bool {
        let weekday = usize::try_from(d.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.working_days.get(weekday).copied().unwrap_or(false) && !self.holidays.contains(&d)
    }

    /// The local date at `ms`.
    pub fn local_date(&self, ms: i64) -> Date {
        self.local(ms).date()
    }

    fn local(&self, ms: i64) -> DateTime {
        self.tz.to_datetime(Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH))
    }

    /// The instant of a local wall-clock time (in a gap, the time after it; in a fold, the
    /// first), in milliseconds.
    fn instant(&self, d: Date, t: Time) -> i64 {
        self.tz.to_timestamp(d.to_datetime(t)).map(|ts| ts.as_millisecond()).unwrap_or(0)
    }

    /// When `d`'s working day starts and ends, in milliseconds.
    pub fn working_hours(&self, d: Date) -> (i64, i64) {
        let mut kept = self.hours.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = kept.get(&d) {
            return *h;
        }
        let h = (self.instant(d, self.day_start), self.instant(d, self.day_end));
        if kept.len() >= HOURS_KEPT {
            kept.clear();
        }
        kept.insert(d, h);
        h
    }

    /// The first business day after `d`.
    pub fn next_business_day(&self, d: Date) -> Date {
        // A calendar has at least one working weekday and finitely many holidays, so this ends;
        // the year bound keeps it finite even so.
        let mut next = d;
        while let Ok(day) = next.tomorrow() {
            next = day;
            if self.is_business_day(next) || next.year() > LAST_YEAR + 1 {
                break;
            }
        }
        next
    }

    /// The last business day before `d`.
    pub fn previous_business_day(&self, d: Date) -> Date {
        let mut prev = d;
        while let Ok(day) = prev.yesterday() {
            prev = day;
            if self.is_business_day(prev) || prev.year() < FIRST_YEAR - 1 {
                break;
            }
        }
        prev
    }

    /// The instant of local wall-clock `hour:minute` on `d`, in milliseconds.
    pub fn at(&self, d: Date, hour: i8, minute: i8) -> i64 {
        self.instant(d, Time::new(hour, minute, 0, 0).unwrap_or(Time::midnight()))
    }

    /// `ms` as a person reads it in the calendar's zone: `Wed 9 Dec 2026 17:00 Europe/London`.
    pub fn format(&self, ms: i64) -> String {
        format!("{} {}", self.local(ms).strftime("%a %-d %b %Y %H:%M"), self.tz.iana_name().unwrap_or("UTC"))
    }

    /// When a "due tomorrow" reminder for something due at `due_ms` falls: the start of the
    /// working day on the business day before the due day.
    pub fn reminder_before(&self, due_ms: i64) -> i64 {
        self.working_hours(self.previous_business_day(self.local_date(due_ms))).0
    }

    /// The `n`-th business day after `d` (`d` itself for 0).
    pub fn add_business_days(&self, d: Date, n: u32) -> Date {
        (0..n.min(MAX_BUSINESS_DAYS)).fold(d, |day, _| self.next_business_day(day))
    }

    /// How many business days lie after `a`, up to and including `b` (negative when `b` is
    /// before `a`): `business_days_between(d, add_business_days(d, n)) == n`.
    pub fn business_days_between(&self, a: Date, b: Date) -> i64 {
        let (from, to, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut day = from;
        while day < to {
            let Ok(next) = day.tomorrow() else { break };
            day = next;
            if self.is_business_day(day) {
                n += 1;
            }
        }
        sign * n
    }

    /// When a stage entered at `start_ms` with a duration of `days` business days is due (see
    /// the module's rules), in milliseconds.
    pub fn due_after(&self, start_ms: i64, days: u32) -> i64 {
        let today = self.local_date(start_ms);
        let (_, end) = self.working_hours(today);
        let first = if self.is_business_day(today) && start_ms < end { today } else { self.next_business_day(today) };
        let due = if days == 0 { first } else { self.add_business_days(today, days).max(first) };
        self.working_hours(due).1
    }

    /// Milliseconds of working time between two instants (0 when `to` is not after `from`).
    pub fn business_ms(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        let last = self.local_date(to_ms);
        let mut day = self.local_date(from_ms);
        let mut total = 0;
        while day <= last {
            if self.is_business_day(day) {
                let (start, end) = self.working_hours(day);
                total += (end.min(to_ms) - start.max(from_ms)).max(0);
            }
            match day.tomorrow() {
                Ok(next) if next.year() <= LAST_YEAR + 1 => day = next,
                _ => break,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap()
    }

    /// Milliseconds of an RFC 3339 instant.
    fn at(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn a_due_time_across_the_end_of_summer_time_in_london() {
        // Summer time ends on Sunday 25 October 2026: Friday is BST (+1), Tuesday GMT.
        let london = Calendar::standard(zone("Europe/London"));
        let entered = at("2026-10-23T09:00:00Z"); // Friday 10:00 BST
        let due = london.due_after(entered, 2);
        assert_eq!(due, at("2026-10-27T17:00:00Z"), "Tuesday 17:00 GMT");
        // Friday 7 h, Monday 8 h, Tuesday 8 h; wall-clock 104 h.
        assert_eq!(london.business_ms(entered, due), 23 * HOUR);
        assert_eq!(due - entered, 104 * HOUR);
        assert_eq!(london.business_days_between(london.local_date(entered), london.local_date(due)), 2);
    }

    #[test]
    fn a_due_tomorrow_reminder_falls_on_the_working_morning_before_the_due_day() {
        let mut london = Calendar::standard(zone("Europe/London"));
        // Due Wednesday 17:00: reminded Tuesday 09:00.
        assert_eq!(london.reminder_before(at("2026-12-09T17:00:00Z")), at("2026-12-08T09:00:00Z"));
        // Due Monday: reminded the Friday before, over the weekend.
        assert_eq!(london.reminder_before(at("2026-12-14T17:00:00Z")), at("2026-12-11T09:00:00Z"));
        // A holiday on that Friday moves it to Thursday; the clock's 08:00 is local.
        london.holidays.insert(date(2026, 12, 11));
        assert_eq!(london.reminder_before(at("2026-12-14T17:00:00Z")), at("2026-12-10T09:00:00Z"));
        assert_eq!(london.at(date(2026, 7, 1), 8, 0), at("2026-07-01T07:00:00Z"), "08:00 BST");
        assert_eq!(london.format(at("2026-12-09T17:00:00Z")), "Wed 9 Dec 2026 17:00 Europe/London");
    }

    #[test]
    fn a_due_time_across_the_start_of_daylight_time_in_new_york() {
        // Daylight time starts on Sunday 14 March 2027: Friday is EST (-5), Monday EDT (-4).
        let new_york = Calendar::standard(zone("America/New_York"));
        let entered = at("2027-03-12T21:00:00Z"); // Friday 16:00 EST
        let due = new_york.due_after(entered, 1);
        assert_eq!(due, at("2027-03-15T21:00:00Z"), "Monday 17:00 EDT");
        assert_eq!(new_york.business_ms(entered, due), 9 * HOUR);
        assert_eq!(due - entered, 72 * HOUR, "the lost hour is not a working one");
        // The same Friday 16:00, after the end of the day: zero days is Monday's end.
        assert_eq!(new_york.due_after(at("2027-03-12T22:30:00Z"), 0), at("2027-03-15T21:00:00Z"));
        assert_eq!(new_york.due_after(entered, 0), at("2027-03-12T22:00:00Z"), "today 17:00 EST");
    }

    #[test]
    fn holidays_and_weekends_are_skipped() {
        let holidays = [date(2026, 12, 25), date(2026, 12, 28)];
        let berlin = Calendar::new(
            zone("Europe/Berlin"),
            [true, true, true, true, true, false, false],
            (Time::constant(9, 0, 0, 0), Time::constant(17, 0, 0, 0)),
            holidays,
        )
        .unwrap();
        // Thursday 24 December + 1: not Friday (holiday), not the weekend, not Monday (holiday).
        assert_eq!(berlin.add_business_days(date(2026, 12, 24), 1), date(2026, 12, 29));
        assert_eq!(berlin.due_after(at("2026-12-24T10:00:00Z"), 1), at("2026-12-29T16:00:00Z"));
        // Entered on a Saturday: the first business day is the one it counts from.
        assert_eq!(berlin.due_after(at("2026-12-19T10:00:00Z"), 0), at("2026-12-21T16:00:00Z"));
        assert_eq!(berlin.due_after(at("2026-12-19T10:00:00Z"), 1), at("2026-12-21T16:00:00Z"));
        assert_eq!(berlin.due_after(at("2026-12-19T10:00:00Z"), 2), at("2026-12-22T16:00:00Z"));
        assert_eq!(berlin.business_ms(at("2026-12-24T16:00:00Z"), at("2026-12-29T08:00:00Z")), 0);
    }

    #[test]
    fn a_calendar_needs_a_working_day_a_working_day_with_hours_and_holidays_in_range() {
        let tz = TimeZone::UTC;
        let hours = (Time::constant(9, 0, 0, 0), Time::constant(17, 0, 0, 0));
        assert_eq!(Calendar::new(tz.clone(), [false; 7], hours, []).unwrap_err(), CalendarError::NoWorkingDays);
        let backwards = (Time::constant(17, 0, 0, 0), Time::constant(9, 0, 0, 0));
        assert!(matches!(Calendar::new(tz.clone(), [true; 7], backwards, []), Err(CalendarError::EmptyDay { .. })));
        let err = Calendar::new(tz, [true; 7], hours, [date(1999, 12, 31)]).unwrap_err();
        assert_eq!(err.to_string(), "holidays: 1999-12-31 is outside the years 2000–2100");
    }

    fn calendars() -> impl Strategy<Value = Calendar> {
        let zones =
            prop::sample::select(vec!["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]);
        let days = prop::array::uniform7(any::<bool>()).prop_filter("a working day", |d| d.contains(&true));
        let holidays = prop::collection::vec((2026i16..=2028, 1i8..=12, 1i8..=28), 0..40);
        (zones, days, 6i8..=10, 1i8..=9, holidays).prop_map(|(z, days, start, len, holidays)| {
            let hours = (Time::constant(start, 0, 0, 0), Time::constant(start + len, 30, 0, 0));
            let holidays = holidays.into_iter().map(|(y, m, d)| date(y, m, d));
            Calendar::new(zone(z), days, hours, holidays).unwrap()
        })
    }

    proptest! {
        #[test]
        fn a_due_time_is_the_end_of_a_working_day_on_a_business_day(
            cal in calendars(), start in at("2026-01-01T00:00:00Z")..at("2028-06-01T00:00:00Z"), days in 0u32..30,
        ) {
            let due = cal.due_after(start, days);
            let local = cal.local(due);
            prop_assert!(cal.is_business_day(local.date()), "{local} is not a business day");
            prop_assert_eq!(local.time(), cal.day_end);
            prop_assert!(due > start);
            // A day's budget: at least `days` working days' worth of business time before it.
            let (ds, de) = cal.working_hours(local.date());
            prop_assert!(cal.business_ms(start, due) >= i64::from(days.saturating_sub(1)) * (de - ds) / 2);
        }

        #[test]
        fn adding_business_days_then_counting_back_gives_the_same_number(
            cal in calendars(), y in 2026i16..=2028, m in 1i8..=12, d in 1i8..=28, n in 0u32..60,
        ) {
            let from = date(y, m, d);
            let to = cal.add_business_days(from, n);
            prop_assert_eq!(cal.business_days_between(from, to), i64::from(n));
            prop_assert_eq!(cal.business_days_between(to, from), -i64::from(n));
            prop_assert!(n == 0 || cal.is_business_day(to));
        }

        #[test]
        fn business_time_adds_up_over_a_split(
            cal in calendars(), a in at("2026-01-01T00:00:00Z")..at("2028-01-01T00:00:00Z"),
            len in 0i64..(40 * 24 * HOUR), cut in 0.0f64..1.0,
        ) {
            let b = a + len;
            let mid = a + (len as f64 * cut) as i64;
            prop_assert_eq!(cal.business_ms(a, b), cal.business_ms(a, mid) + cal.business_ms(mid, b));
            prop_assert!(cal.business_ms(a, b) <= len);
        }
    }
}
