//! Reading XML safely, shared by the FCPXML and FCP7 XML readers, and FCPXML's rational times.
//!
//! XML is parsed with `roxmltree` (a read-only tree with byte positions, so errors name the line
//! of the offending element). A document whose DOCTYPE has an internal subset, or that declares
//! an entity anywhere, is refused before parsing: that is where entity bombs ("billion laughs")
//! and external entities live, and no marker file needs one. A bare `<!DOCTYPE fcpxml>` or
//! `<!DOCTYPE xmeml>`, as Final Cut and Premiere write, is allowed; external DTDs are never
//! fetched.

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::{ImportError, ImportErrorKind};

/// More nodes than any marker file of [`crate::MAX_IMPORT_BYTES`] plausibly holds; a backstop.
const MAX_NODES: u32 = 2_000_000;

/// Parses `text`, refusing DTDs that declare anything.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, ImportError> {
    if let Some(offset) = declaration_offset(text) {
        return Err(ImportError::at_line(line_at(text, offset), ImportErrorKind::XmlDtd));
    }
    let options = ParsingOptions { allow_dtd: true, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    Document::parse_with_options(text, options).map_err(|e| {
        let line = e.pos().row as usize;
        let kind = match e {
            roxmltree::Error::DtdDetected | roxmltree::Error::EntityReferenceLoop(_) => ImportErrorKind::XmlDtd,
            other => ImportErrorKind::Xml(other.to_string()),
        };
        ImportError::at_line(line, kind)
    })
}

/// Where an entity declaration or a DOCTYPE internal subset (`<!DOCTYPE x [ … ]>`) starts.
fn declaration_offset(text: &str) -> Option<usize> {
    internal_subset(text).or_else(|| text.find("<!ENTITY"))
}

/// Where a DOCTYPE with an internal subset starts (a `[` before the DOCTYPE's closing `>`,
/// outside quoted literals).
fn internal_subset(text: &str) -> Option<usize> {
    let start = text.find("<!DOCTYPE")?;
    let mut quote = None;
    for c in text[start..].chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => return Some(start),
            (None, '>') => return None,
            _ => {}
        }
    }
    None
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset].iter().filter(|b| **b == b'\n').count() + 1
}

/// The 1-based line where `node` starts.
pub(crate) fn line_of(doc: &Document<'_>, node: Node<'_, '_>) -> usize {
    doc.text_pos_at(node.range().start).row as usize
}

/// The text of `node`'s first child element named `name`, if it has one.
pub(crate) fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name).map(|c| c.text().unwrap_or(""))
}

/// `node`'s first child element named `name`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

/// A non-negative rational number of seconds, FCPXML's time (`1001/30000s`, `3600s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rational {
    pub num: i128,
    pub den: i128,
}

impl Rational {
    pub const ZERO: Rational = Rational { num: 0, den: 1 };

    /// Parses `N/Ds` or `Ns` with integer `N` (up to 64 bits) and `D` (up to 32 bits, not 0).
    pub fn parse(s: &str) -> Option<Rational> {
        let body = s.trim().strip_suffix('s')?;
        let (num, den) = match body.split_once('/') {
            Some((n, d)) => (n, d),
            None => (body, "1"),
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(num) || !digits(den) {
            return None;
        }
        let num: u64 = num.parse().ok()?;
        let den: u32 = den.parse().ok()?;
        (den != 0).then_some(Rational { num: i128::from(num), den: i128::from(den) })
    }

    /// `self − other`, or `None` on overflow.
    pub fn minus(self, other: Rational) -> Option<Rational> {
        let num = self.num.checked_mul(other.den)?.checked_sub(other.num.checked_mul(self.den)?)?;
        Some(Rational { num, den: self.den.checked_mul(other.den)? })
    }

    /// The nearest whole number of frames at `rate_num/rate_den` frames per second (halves round
    /// away from zero), or `None` on overflow.
    pub fn frames(self, rate_num: u32, rate_den: u32) -> Option<i128> {
        let n = self.num.checked_mul(i128::from(rate_num))?;
        let d = self.den.checked_mul(i128::from(rate_den))?;
        let rounded = (n.abs().checked_mul(2)?.checked_add(d)?) / (2 * d);
        Some(if n < 0 { -rounded } else { rounded })
    }
}

/// Formats `frames × rate_den / rate_num` seconds as an FCPXML time, reduced (`3600s`,
/// `1001/30000s`).
pub(crate) fn time_of_frames(frames: u64, rate_num: u32, rate_den: u32) -> String {
    let num = u128::from(frames) * u128::from(rate_den);
    let den = u128::from(rate_num);
    let g = gcd(num, den);
    let (num, den) = (num / g, den / g);
    if den == 1 { format!("{num}s") } else { format!("{num}/{den}s") }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_doctypes_parse_and_declarations_are_refused() {
        assert!(parse("<?xml version=\"1.0\"?>\n<!DOCTYPE fcpxml>\n<fcpxml/>").is_ok());
        assert!(parse("<!DOCTYPE xmeml SYSTEM \"x]>.dtd\">\n<xmeml/>").is_ok());
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [\n<!ENTITY a \"b\">\n]>\n<x>&a;</x>";
        let e = parse(bomb).unwrap_err();
        assert_eq!((e.code(), e.line()), ("xml-dtd", Some(2)));
        let quoted = "<!DOCTYPE x SYSTEM \"a>b\" [<!ELEMENT x ANY>]><x/>";
        assert_eq!(parse(quoted).unwrap_err().code(), "xml-dtd");
        let undeclared = parse("<x>\n&lol;</x>").unwrap_err();
        assert_eq!((undeclared.code(), undeclared.line()), ("xml-syntax", Some(2)));
    }

    #[test]
    fn rational_times_parse_and_round_to_frames() {
        assert_eq!(Rational::parse("1001/30000s"), Some(Rational { num: 1001, den: 30000 }));
        assert_eq!(Rational::parse("3600s"), Some(Rational { num: 3600, den: 1 }));
        for bad in ["", "s", "1/0s", "-1s", "1.5s", "1001/30000", "a/bs", "99999999999999999999s"] {
            assert_eq!(Rational::parse(bad), None, "{bad:?}");
        }
        let t = Rational::parse("9150141/2500s").unwrap();
        assert_eq!(t.frames(30000, 1001), Some(109_692));
        let before = Rational::ZERO.minus(Rational::parse("1001/30000s").unwrap()).unwrap();
        assert_eq!(before.frames(30000, 1001), Some(-1));
    }

    #[test]
    fn frame_times_are_reduced() {
        assert_eq!(time_of_frames(107_892, 30000, 1001), "8999991/2500s");
        assert_eq!(time_of_frames(90_000, 25, 1), "3600s");
        assert_eq!(time_of_frames(1, 30000, 1001), "1001/30000s");
        assert_eq!(time_of_frames(0, 24000, 1001), "0s");
    }
}
