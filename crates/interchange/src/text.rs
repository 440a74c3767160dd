//! Making user text safe for each container: one line for line-based formats, escaped for XML
//! and JavaScript, quoted and formula-guarded for spreadsheets, cut to a format's limit.
//!
//! Every writer goes through these functions, so the rules are stated (and tested) once.

/// Replaces everything that cannot sit inside one field of a line-based format with a space:
/// tabs, line breaks (a CR LF pair counts as one), the other control characters (C0, DEL, C1),
/// the Unicode line and paragraph separators, and any of `also` (`|` for Resolve EDLs and Avid
/// lists). One character (or one CR LF) becomes exactly one space, nothing is trimmed.
pub fn single_line(s: &str, also: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
            out.push(' ');
        } else if c.is_control() || c == '\u{2028}' || c == '\u{2029}' || also.contains(&c) {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Cuts `s` to at most `max` characters (not bytes), ending a cut text with `…` so a reader
/// sees it was cut. `max` must be at least 1 for the ellipsis to fit; 0 gives an empty string.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Escapes text for an XML attribute value or element content. `&`, `<`, `>`, `"` and `'`
/// become entities; tab, LF and CR become character references so they survive attribute-value
/// normalisation; characters XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF) become spaces.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A double-quoted JavaScript string literal that is also valid JSON, in pure ASCII: quotes and
/// backslashes escaped; every control character, U+2028 and U+2029 (line terminators in older
/// JavaScript), `<`, `>` and `&` (so `</script>` or `<!--` cannot appear) and every non-ASCII
/// character written as `\uXXXX` (UTF-16 units), so the script's own encoding cannot matter.
pub fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' if !matches!(c, '<' | '>' | '&') => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// The characters that make a spreadsheet read a cell as a formula (or, for tab and CR, that
/// Excel strips before doing so).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell needs the formula guard: it starts with a formula character, or with a `'`
/// that a reader would otherwise take for a guard.
fn needs_guard(s: &str) -> bool {
    match s.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) => true,
        Some('\'') => needs_guard(&s[1..]),
        _ => false,
    }
}

/// One CSV cell (RFC 4180), guarded against formula injection: a cell that would start with
/// `=`, `+`, `-`, `@`, tab or CR (or with `'` before one of them) gets a leading `'`, so a
/// spreadsheet shows it as text instead of running it. The cell is quoted when it holds a comma,
/// a quote or a line break, with quotes doubled.
pub fn csv_cell(s: &str) -> String {
    let guarded = if needs_guard(s) { format!("'{s}") } else { s.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

/// Undoes [`csv_cell`]'s formula guard on a cell already unquoted: drops one leading `'` when
/// the rest would have needed the guard.
pub fn csv_unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_replaces_each_break_tab_and_pipe_with_one_space() {
        assert_eq!(single_line("a\tb\nc\r\nd\re", &[]), "a b c d e");
        assert_eq!(single_line("a|b", &['|']), "a b");
        assert_eq!(single_line("a|b", &[]), "a|b");
        assert_eq!(single_line("x\u{2028}y\u{2029}z\u{0}\u{7f}\u{85}", &[]), "x y z   ");
        assert_eq!(single_line("  kept  ", &[]), "  kept  ", "nothing is trimmed");
        assert_eq!(single_line("Café 🎬 «ok»", &['|']), "Café 🎬 «ok»");
    }

    #[test]
    fn truncate_counts_characters_and_marks_the_cut() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo wörld", 6), "héllo…");
        assert_eq!(truncate("🎬🎬🎬", 2), "🎬…");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn xml_escape_covers_markup_quotes_breaks_and_forbidden_characters() {
        assert_eq!(
            xml_escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
        assert_eq!(xml_escape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(xml_escape("bell\u{7}\u{ffff}é"), "bell  é");
        assert_eq!(xml_escape("]]>"), "]]&gt;");
    }

    #[test]
    fn js_string_cannot_be_broken_out_of() {
        assert_eq!(js_string(r#"say "hi"\"#), r#""say \"hi\"\\""#);
        assert_eq!(js_string("a\nb\u{2028}c\u{2029}"), r#""a\nb\u2028c\u2029""#);
        assert_eq!(js_string("</script><!--"), r#""\u003c/script\u003e\u003c!--""#);
        assert_eq!(js_string("é🎬"), r#""\u00e9\ud83c\udfac""#);
        assert_eq!(js_string("\u{0}\u{1b}"), r#""\u0000\u001b""#);
        // The literal is JSON too: it parses back to the original.
        for s in ["é🎬 \"q\" \\ </x> \u{2028}\t", "\u{7f}&"] {
            assert_eq!(serde_json::from_str::<String>(&js_string(s)).unwrap(), s);
            assert!(js_string(s).is_ascii());
        }
    }

    #[test]
    fn csv_cell_quotes_what_rfc_4180_requires() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn csv_cell_guards_formulas_and_the_guard_reverses() {
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("'=x"), "''=x", "a text that already looks guarded is guarded again");
        assert_eq!(csv_cell("'quoted'"), "'quoted'", "a plain leading quote is left alone");
        assert_eq!(csv_cell("a=b"), "a=b");
        for s in ["=1", "+", "-x", "@", "\tx", "'=x", "''+y", "'plain", "plain", ""] {
            assert_eq!(csv_unguard(csv_cell(s).trim_matches('"')), s, "{s:?}");
        }
    }
}
