//! What every writer starts from: the sheet checked, its timecode resolved, its markers sorted,
//! coloured, merged and given their replies.

use frameproof_domain::{FrameRate, Timecode, TimecodeFormat};
use time::OffsetDateTime;

use crate::colour::{self, Colour};
use crate::error::ExportError;
use crate::model::{ExportOptions, Marker, MarkerState, Sheet};

/// The start label when neither the options nor the sheet name one: one hour, as NLE timelines
/// default to.
pub(crate) fn default_start(drop_frame: bool) -> &'static str {
    if drop_frame { "01:00:00;00" } else { "01:00:00:00" }
}

/// A sheet ready to write.
pub(crate) struct Prepared<'a> {
    pub name: &'a str,
    pub rate: FrameRate,
    /// The timecode the file's absolute labels use (the export's start).
    pub tc: Timecode,
    pub frame_count: u64,
    pub entries: Vec<Entry>,
    pub options: &'a ExportOptions,
}

/// One marker as written: replies appended, same-frame markers merged if asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub frame_in: u64,
    /// The last frame of a range, always after `frame_in`; `None` for a point.
    pub frame_out: Option<u64>,
    pub text: String,
    pub author: String,
    pub state: MarkerState,
    pub created_at: OffsetDateTime,
    pub colour: Colour,
}

impl Entry {
    /// Frames covered: 1 for a point.
    pub fn frames(&self) -> u64 {
        self.frame_out.map_or(1, |out| out - self.frame_in + 1)
    }

    /// The text with `author: ` in front when authors are included, for formats that show one
    /// field only.
    pub fn text_with_author(&self, include_author: bool) -> String {
        if include_author && !self.author.is_empty() {
            format!("{}: {}", self.author, self.text)
        } else {
            self.text.clone()
        }
    }
}

impl Prepared<'_> {
    /// The start timecode label of the export.
    pub fn start_label(&self) -> String {
        self.tc.label(0)
    }

    /// The absolute frame (counted from 00:00:00:00) of version frame `frame`.
    pub fn absolute(&self, frame: u64) -> u64 {
        self.tc.start + frame
    }

    /// The author as the format's name field shows it: empty when authors are left out.
    pub fn author_field<'e>(&self, entry: &'e Entry) -> &'e str {
        if self.options.include_author { &entry.author } else { "" }
    }
}

/// Checks the sheet and builds what writers need.
pub(crate) fn prepare<'a>(sheet: &'a Sheet, options: &'a ExportOptions) -> Result<Prepared<'a>, ExportError> {
    let format = TimecodeFormat::new(sheet.rate, sheet.drop_frame).map_err(ExportError::Timecode)?;
    let start = options.start.as_deref().or(sheet.start.as_deref()).unwrap_or(default_start(sheet.drop_frame));
    let tc = Timecode::new(format, Some(start)).map_err(ExportError::Timecode)?;

    for (index, m) in sheet.markers.iter().enumerate() {
        if let Some(out) = m.frame_out
            && out < m.frame_in
        {
            return Err(ExportError::RangeReversed { index, frame_in: m.frame_in, frame_out: out });
        }
        let last = m.frame_out.unwrap_or(m.frame_in);
        if last >= sheet.frame_count {
            return Err(ExportError::PastEnd { index, frame: last, frame_count: sheet.frame_count });
        }
    }

    let mut sorted: Vec<&Marker> = sheet.markers.iter().collect();
    sorted.sort_by_key(|m| (m.frame_in, m.frame_out, m.created_at));
    let colours = colour::assign(&sorted, options.colour_by);
    let entries: Vec<Entry> = sorted.iter().zip(colours).map(|(m, colour)| entry(m, colour, options)).collect();
    let entries = if options.merge_same_frame { merge_same_frame(entries, options) } else { entries };

    Ok(Prepared { name: &sheet.name, rate: sheet.rate, tc, frame_count: sheet.frame_count, entries, options })
}

fn entry(m: &Marker, colour: Colour, options: &ExportOptions) -> Entry {
    let mut text = m.text.clone();
    if options.include_replies {
        for reply in &m.replies {
            text.push('\n');
            if options.include_author && !reply.author.is_empty() {
                text.push_str(&reply.author);
                text.push_str(": ");
            }
            text.push_str(&reply.text);
        }
    }
    Entry {
        frame_in: m.frame_in,
        frame_out: m.frame_out.filter(|out| *out > m.frame_in),
        text,
        author: m.author.clone(),
        state: m.state,
        created_at: m.created_at,
        colour,
    }
}

/// Merges runs of entries (already sorted by frame) that start on the same frame: texts joined
/// by line breaks (each prefixed `author: ` when authors are included and differ), the longest
/// range, the distinct authors joined by `, `, open if any is open, the earliest time, and the
/// first entry's colour (by author) or the merged state's (by state).
fn merge_same_frame(entries: Vec<Entry>, options: &ExportOptions) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut group: Vec<Entry> = Vec::new();
    for e in entries {
        if group.first().is_some_and(|g| g.frame_in != e.frame_in) {
            out.push(merge(std::mem::take(&mut group), options));
        }
        group.push(e);
    }
    if !group.is_empty() {
        out.push(merge(group, options));
    }
    out
}

fn merge(group: Vec<Entry>, options: &ExportOptions) -> Entry {
    let mut authors: Vec<&str> = Vec::new();
    for e in &group {
        if !authors.contains(&e.author.as_str()) {
            authors.push(&e.author);
        }
    }
    let prefix = options.include_author && authors.len() > 1;
    let text = group
        .iter()
        .map(|e| if prefix { e.text_with_author(true) } else { e.text.clone() })
        .collect::<Vec<_>>()
        .join("\n");
    let author = authors.join(", ");
    let state =
        if group.iter().any(|e| e.state == MarkerState::Open) { MarkerState::Open } else { MarkerState::Resolved };
    let frame_in = group.first().map_or(0, |e| e.frame_in);
    let frame_out = group.iter().filter_map(|e| e.frame_out).max();
    let created_at = group.iter().map(|e| e.created_at).min().unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let colour = match options.colour_by {
        crate::model::ColourBy::State => Colour::for_state(state),
        crate::model::ColourBy::Author => group.first().map_or(Colour::for_state(state), |e| e.colour),
    };
    Entry { frame_in, frame_out, text, author, state, created_at, colour }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ColourBy, Reply};

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_767_225_600 + seconds).unwrap()
    }

    fn marker(frame_in: u64, frame_out: Option<u64>, text: &str, author: &str, state: MarkerState, t: i64) -> Marker {
        Marker {
            frame_in,
            frame_out,
            text: text.into(),
            author: author.into(),
            state,
            created_at: at(t),
            replies: vec![],
        }
    }

    fn sheet(markers: Vec<Marker>) -> Sheet {
        Sheet {
            name: "clip".into(),
            rate: FrameRate { num: 25, den: 1 },
            drop_frame: false,
            start: None,
            frame_count: 1000,
            markers,
        }
    }

    #[test]
    fn markers_are_sorted_by_frame_and_one_frame_ranges_become_points() {
        let s = sheet(vec![
            marker(10, None, "b", "Ana", MarkerState::Open, 0),
            marker(5, Some(5), "a", "Ana", MarkerState::Open, 1),
        ]);
        let options = ExportOptions::default();
        let p = prepare(&s, &options).unwrap();
        assert_eq!(p.entries.iter().map(|e| (e.frame_in, e.frame_out)).collect::<Vec<_>>(), [(5, None), (10, None)]);
        assert_eq!(p.start_label(), "01:00:00:00");
    }

    #[test]
    fn merge_same_frame_joins_texts_and_keeps_other_frames_apart() {
        let s = sheet(vec![
            marker(10, None, "too dark", "Ana", MarkerState::Resolved, 0),
            marker(10, Some(20), "and noisy", "Ben", MarkerState::Open, 5),
            marker(11, None, "next frame", "Ana", MarkerState::Resolved, 1),
        ]);
        let options = ExportOptions { merge_same_frame: true, ..ExportOptions::default() };
        let p = prepare(&s, &options).unwrap();
        assert_eq!(p.entries.len(), 2);
        let merged = &p.entries[0];
        assert_eq!(merged.text, "Ana: too dark\nBen: and noisy");
        assert_eq!(merged.author, "Ana, Ben");
        assert_eq!(merged.frame_out, Some(20));
        assert_eq!(merged.state, MarkerState::Open, "open while any part is open");
        assert_eq!(merged.colour, Colour::Red);
        assert_eq!(merged.created_at, at(0));
        assert_eq!(p.entries[1].text, "next frame");
    }

    #[test]
    fn merge_same_frame_is_off_by_default_and_one_author_gets_no_prefix() {
        let two = vec![
            marker(3, None, "one", "Ana", MarkerState::Open, 0),
            marker(3, None, "two", "Ana", MarkerState::Open, 1),
        ];
        let defaults = ExportOptions::default();
        assert_eq!(prepare(&sheet(two.clone()), &defaults).unwrap().entries.len(), 2);
        let merging = ExportOptions { merge_same_frame: true, ..ExportOptions::default() };
        let s = sheet(two);
        let p = prepare(&s, &merging).unwrap();
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].text, "one\ntwo");
        let anonymous = ExportOptions { merge_same_frame: true, include_author: false, ..ExportOptions::default() };
        let s = sheet(vec![
            marker(3, None, "one", "Ana", MarkerState::Open, 0),
            marker(3, None, "two", "Ben", MarkerState::Open, 1),
        ]);
        assert_eq!(prepare(&s, &anonymous).unwrap().entries[0].text, "one\ntwo");
    }

    #[test]
    fn merged_markers_coloured_by_author_take_the_first_authors_colour() {
        let s = sheet(vec![
            marker(1, None, "x", "Ana", MarkerState::Open, 0),
            marker(2, None, "y", "Ben", MarkerState::Open, 0),
            marker(2, None, "z", "Ana", MarkerState::Open, 1),
        ]);
        let options = ExportOptions { merge_same_frame: true, colour_by: ColourBy::Author, ..ExportOptions::default() };
        let p = prepare(&s, &options).unwrap();
        assert_eq!(p.entries.iter().map(|e| e.colour).collect::<Vec<_>>(), [Colour::Blue, Colour::Yellow]);
    }

    #[test]
    fn replies_are_appended_with_their_authors() {
        let mut m = marker(1, None, "why?", "Ana", MarkerState::Open, 0);
        m.replies = vec![Reply { text: "fixed".into(), author: "Ben".into(), created_at: at(9) }];
        let s = sheet(vec![m]);
        let defaults = ExportOptions::default();
        assert_eq!(prepare(&s, &defaults).unwrap().entries[0].text, "why?\nBen: fixed");
        let without = ExportOptions { include_replies: false, ..ExportOptions::default() };
        assert_eq!(prepare(&s, &without).unwrap().entries[0].text, "why?");
    }

    #[test]
    fn bad_sheets_are_refused() {
        let reversed = sheet(vec![marker(10, Some(9), "x", "Ana", MarkerState::Open, 0)]);
        let defaults = ExportOptions::default();
        assert!(matches!(prepare(&reversed, &defaults), Err(ExportError::RangeReversed { index: 0, .. })));
        let late = sheet(vec![marker(10, Some(1000), "x", "Ana", MarkerState::Open, 0)]);
        assert!(matches!(prepare(&late, &defaults), Err(ExportError::PastEnd { frame: 1000, .. })));
        let mut df25 = sheet(vec![]);
        df25.drop_frame = true;
        assert_eq!(prepare(&df25, &defaults).err().map(|e| e.code()), Some("bad-timecode"));
        let bad_start = ExportOptions { start: Some("01:00:00;00".into()), ..ExportOptions::default() };
        assert_eq!(prepare(&sheet(vec![]), &bad_start).err().map(|e| e.code()), Some("bad-timecode"));
    }
}
