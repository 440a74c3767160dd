//! A spreadsheet of markers (RFC 4180 CSV, UTF-8 with a byte-order mark so Excel reads it as
//! UTF-8, CRLF line ends), one row per marker under a header:
//!
//! `Frame,Frame Out,Timecode,Timecode Out,Author,Text,State,Created`
//!
//! `Frame` is the 0-based version frame, `Timecode` its label (the export's start plus the
//! frame); `Frame Out` and `Timecode Out` name a range's last frame (inclusive) and are empty for
//! a point. `State` is `open` or `resolved`, `Created` an RFC 3339 time. `Frame`, `Timecode` and
//! `Comment` (read as `Text`) are the column names Frame.io's CSV uses too.
//!
//! Text: CSV carries any text, quoted when it holds a comma, quote or line break. Formula guard:
//! a cell starting with `=`, `+`, `-`, `@`, tab or CR (or `'` before one of them) gets a leading
//! `'`, so a spreadsheet shows it instead of running it; the reader takes the `'` off again.
//! Nothing is cut.
//!
//! Reading finds columns by header name, case-insensitively, in any order: `Frame` (or
//! `Frame In`), `Frame Out`, `Timecode` (or `Timecode In`), `Timecode Out`, `Text` (or
//! `Comment`), `Author` (or `Commenter`); others are ignored. Frame numbers win over timecodes
//! when a row has both. Errors name the line a row starts on.

use time::format_description::well_known::Rfc3339;

use crate::error::{ImportError, ImportErrorKind};
use crate::export::Prepared;
use crate::import::{Markers, Placer};
use crate::model::ImportedMarker;
use crate::text::{csv_cell, csv_unguard};

/// The header written.
pub const HEADER: [&str; 8] = ["Frame", "Frame Out", "Timecode", "Timecode Out", "Author", "Text", "State", "Created"];

pub(crate) fn write(p: &Prepared<'_>) -> String {
    let mut out = String::from("\u{feff}");
    push_row(&mut out, HEADER.iter().map(|h| (*h).to_owned()));
    for e in &p.entries {
        push_row(
            &mut out,
            [
                e.frame_in.to_string(),
                e.frame_out.map(|f| f.to_string()).unwrap_or_default(),
                p.tc.label(e.frame_in),
                e.frame_out.map(|f| p.tc.label(f)).unwrap_or_default(),
                p.author_field(e).to_owned(),
                e.text.clone(),
                e.state.as_str().to_owned(),
                e.created_at.format(&Rfc3339).unwrap_or_default(),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let row: Vec<String> = cells.into_iter().map(|c| csv_cell(&c)).collect();
    out.push_str(&row.join(","));
    out.push_str("\r\n");
}

/// Where each known column is in the header.
#[derive(Default)]
struct Columns {
    frame: Option<usize>,
    frame_out: Option<usize>,
    timecode: Option<usize>,
    timecode_out: Option<usize>,
    text: Option<usize>,
    author: Option<usize>,
}

impl Columns {
    fn from_header(header: &[String]) -> Columns {
        let mut c = Columns::default();
        for (i, name) in header.iter().enumerate() {
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "frame" | "frame in" => &mut c.frame,
                "frame out" => &mut c.frame_out,
                "timecode" | "timecode in" => &mut c.timecode,
                "timecode out" => &mut c.timecode_out,
                "text" | "comment" => &mut c.text,
                "author" | "commenter" => &mut c.author,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        c
    }
}

pub(crate) fn read(text: &str, placer: &Placer) -> Result<Vec<ImportedMarker>, ImportError> {
    let mut rows = Rows::new(text);
    let Some((header_line, header)) = rows.next_row()? else {
        return Err(ImportError::new(ImportErrorKind::Empty));
    };
    let columns = Columns::from_header(&header);
    if (columns.frame.is_none() && columns.timecode.is_none()) || columns.text.is_none() {
        return Err(ImportError::at_line(
            header_line,
            ImportErrorKind::Syntax(
                "the header must name a Frame or Timecode column and a Text (or Comment) column".into(),
            ),
        ));
    }
    let mut markers = Markers::default();
    while let Some((line, row)) = rows.next_row()? {
        let err = |kind| ImportError::at_line(line, kind);
        if row.len() != header.len() {
            return Err(err(ImportErrorKind::Syntax(format!(
                "this row has {} fields, the header has {}",
                row.len(),
                header.len()
            ))));
        }
        let cell = |column: Option<usize>| column.map(|i| csv_unguard(row[i].trim())).filter(|c| !c.is_empty());
        let frame_of = |number: Option<&str>, label: Option<&str>| -> Result<Option<u64>, ImportError> {
            if let Some(n) = number {
                let n: i128 = n
                    .parse()
                    .map_err(|_| err(ImportErrorKind::Syntax(format!("the frame {n:?} is not a whole number"))))?;
                return placer.frame(n).map(Some).map_err(err);
            }
            label.map(|l| placer.frame_at_label(l)).transpose().map_err(err)
        };
        let Some(frame_in) = frame_of(cell(columns.frame), cell(columns.timecode))? else {
            return Err(err(ImportErrorKind::Syntax("this row has neither a frame nor a timecode".into())));
        };
        let frame_out = match frame_of(cell(columns.frame_out), cell(columns.timecode_out))? {
            None => None,
            Some(out) if out < frame_in => {
                return Err(err(ImportErrorKind::RangeReversed {
                    start: format!("frame {frame_in}"),
                    end: format!("frame {out}"),
                }));
            }
            Some(out) => (out > frame_in).then_some(out),
        };
        let text = columns.text.map(|i| csv_unguard(&row[i]).to_owned()).unwrap_or_default();
        let label = cell(columns.author).map(str::to_owned);
        markers.push(ImportedMarker { frame_in, frame_out, text, label }).map_err(err)?;
    }
    Ok(markers.into_vec())
}

/// An RFC 4180 reader that tracks the line each row starts on. It also accepts LF line ends.
struct Rows<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl<'a> Rows<'a> {
    fn new(text: &'a str) -> Rows<'a> {
        Rows { chars: text.chars().peekable(), line: 1 }
    }

    /// The next non-blank row and its first line, `None` at the end.
    fn next_row(&mut self) -> Result<Option<(usize, Vec<String>)>, ImportError> {
        loop {
            if self.chars.peek().is_none() {
                return Ok(None);
            }
            let start = self.line;
            let row = self.row(start)?;
            if !(row.len() == 1 && row[0].is_empty()) {
                return Ok(Some((start, row)));
            }
        }
    }

    fn row(&mut self, start: usize) -> Result<Vec<String>, ImportError> {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut closed = false;
        loop {
            let Some(c) = self.chars.next() else {
                if quoted {
                    return Err(ImportError::at_line(
                        start,
                        ImportErrorKind::Syntax("a quoted field in this row never closes".into()),
                    ));
                }
                fields.push(field);
                return Ok(fields);
            };
            if quoted {
                match c {
                    '"' if self.chars.peek() == Some(&'"') => {
                        self.chars.next();
                        field.push('"');
                    }
                    '"' => {
                        quoted = false;
                        closed = true;
                    }
                    c => {
                        if c == '\n' {
                            self.line += 1;
                        }
                        field.push(c);
                    }
                }
                continue;
            }
            match c {
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    closed = false;
                }
                '\r' | '\n' => {
                    if c == '\r' && self.chars.peek() == Some(&'\n') {
                        self.chars.next();
                    }
                    self.line += 1;
                    fields.push(field);
                    return Ok(fields);
                }
                '"' if field.is_empty() && !closed => quoted = true,
                c if closed => {
                    return Err(ImportError::at_line(
                        self.line,
                        ImportErrorKind::Syntax(format!("{c:?} after a closing quote: quote the whole field")),
                    ));
                }
                '"' => {
                    return Err(ImportError::at_line(
                        self.line,
                        ImportErrorKind::Syntax(
                            "a quote inside an unquoted field: quote the field and double the quote".into(),
                        ),
                    ));
                }
                c => field.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameproof_domain::FrameRate;

    use crate::model::ImportTarget;

    fn placer() -> Placer {
        let rate = FrameRate { num: 25, den: 1 };
        Placer::new(&ImportTarget { rate, drop_frame: false, start: None, frame_count: 1000 }).unwrap()
    }

    fn rows(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut r = Rows::new(text);
        let mut out = vec![];
        while let Some(row) = r.next_row().unwrap() {
            out.push(row);
        }
        out
    }

    #[test]
    fn rows_follow_rfc_4180_and_know_their_lines() {
        let got = rows("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\r\n\r\n\"two\nlines\",\n,last");
        assert_eq!(
            got,
            [
                (1, vec!["a".to_owned(), "b".to_owned()]),
                (2, vec!["x,1".to_owned(), "say \"hi\"".to_owned()]),
                (4, vec!["two\nlines".to_owned(), String::new()]),
                (6, vec![String::new(), "last".to_owned()]),
            ]
        );
    }

    #[test]
    fn broken_quoting_names_the_line() {
        let mut r = Rows::new("a\n\"open,b\nc\n");
        r.next_row().unwrap();
        let e = r.next_row().unwrap_err();
        assert_eq!((e.code(), e.line()), ("syntax", Some(2)));
        let mut r = Rows::new("a\nx\"y\n");
        r.next_row().unwrap();
        assert_eq!(r.next_row().unwrap_err().line(), Some(2));
    }

    #[test]
    fn reads_frame_io_style_columns_by_name() {
        let csv = "Comment,Commenter,Timecode\n\"'=cmd|' /C calc'!A0\",Ana,01:00:01:00\nplain,Ben,01:00:02:00\n";
        let markers = read(csv, &placer()).unwrap();
        assert_eq!(markers[0].text, "=cmd|' /C calc'!A0", "the formula guard comes off");
        assert_eq!((markers[0].frame_in, markers[0].label.as_deref()), (25, Some("Ana")));
        assert_eq!(markers[1].frame_in, 50);
    }

    #[test]
    fn a_header_without_a_position_or_text_is_refused() {
        let e = read("Author,State\nAna,open\n", &placer()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("syntax", Some(1)));
    }

    #[test]
    fn a_negative_frame_and_a_short_row_name_their_lines() {
        let e = read("Frame,Text\n1,ok\n-1,early\n", &placer()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("before-start", Some(3)));
        let e = read("Frame,Text\n1,ok\n2\n", &placer()).unwrap_err();
        assert_eq!((e.code(), e.line()), ("syntax", Some(3)));
    }
}
