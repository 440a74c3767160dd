//! The review rules: where a comment may be anchored, what a drawing may hold, how decisions
//! aggregate into a version's review status, and when the required approvals lock a version.

use serde::{Deserialize, Serialize};

use crate::validate::Invalid;

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// The longest decision note, in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Shapes in one drawing.
pub const MAX_SHAPES: usize = 200;
/// Points in one freehand stroke.
pub const MAX_POINTS_PER_SHAPE: usize = 5_000;
/// Points in one drawing, all shapes together.
pub const MAX_POINTS: usize = 20_000;
/// The longest text shape, in characters.
pub const MAX_TEXT_SHAPE_CHARS: usize = 500;

/// A reviewer's verdict on a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    ApprovedWithChanges,
    ChangesRequested,
    Rejected,
}

impl Decision {
    pub const ALL: [Decision; 4] =
        [Decision::Approved, Decision::ApprovedWithChanges, Decision::ChangesRequested, Decision::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::ApprovedWithChanges => "approved_with_changes",
            Decision::ChangesRequested => "changes_requested",
            Decision::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// How people read it (reports, mail).
    pub fn label(self) -> &'static str {
        match self {
            Decision::Approved => "Approved",
            Decision::ApprovedWithChanges => "Approved with changes",
            Decision::ChangesRequested => "Changes requested",
            Decision::Rejected => "Rejected",
        }
    }

    /// Weight in the aggregate: the strongest objection wins.
    fn weight(self) -> u8 {
        match self {
            Decision::Rejected => 4,
            Decision::ChangesRequested => 3,
            Decision::ApprovedWithChanges => 2,
            Decision::Approved => 1,
        }
    }
}

/// A version's review status: `in_review` until someone decides, then the aggregate.
pub fn review_status(decisions: impl IntoIterator<Item = Decision>) -> &'static str {
    decisions.into_iter().max_by_key(|d| d.weight()).map_or("in_review", Decision::as_str)
}

/// Whether the required approvers' latest decisions lock the version: there is at least one
/// required approver and every one of them has `approved` (`approved_with_changes` promises
/// another version, so it does not count).
pub fn approvals_complete<K: PartialEq>(required: &[K], latest: &[(K, Decision)]) -> bool {
    !required.is_empty() && required.iter().all(|r| latest.iter().any(|(who, d)| who == r && *d == Decision::Approved))
}

/// A comment's text: trimmed, at most [`MAX_COMMENT_CHARS`], no control characters but line
/// breaks and tabs. Empty is allowed only when the comment carries a drawing.
pub fn comment_body(raw: &str, has_drawing: bool) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() && !has_drawing {
        return Err(Invalid::Empty { field: "body" });
    }
    let len = s.chars().count();
    if len > MAX_COMMENT_CHARS {
        return Err(Invalid::TooLong { field: "body", len, max: MAX_COMMENT_CHARS });
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::ControlCharacters { field: "body" });
    }
    Ok(s.to_owned())
}

/// A decision's note.
pub fn decision_note(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    let len = s.chars().count();
    if len > MAX_NOTE_CHARS {
        return Err(Invalid::TooLong { field: "note", len, max: MAX_NOTE_CHARS });
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::ControlCharacters { field: "note" });
    }
    Ok(s.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Anchors

/// What a version is, as far as anchoring goes.
#[derive(Clone, Copy, Debug)]
pub enum Medium {
    /// Frames 0..frame_count of the proxy.
    Video {
        frame_count: i64,
    },
    /// Milliseconds 0..=duration.
    Audio {
        duration_ms: i64,
    },
    Image,
    /// Pages 1..=page_count.
    Pdf {
        page_count: i64,
    },
}

/// Where a comment points, as the client asks for it.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnchorInput {
    /// Video: the 0-based proxy frame (the first of a range).
    pub frame: Option<i64>,
    /// Video: the last frame of an inclusive range.
    pub frame_out: Option<i64>,
    /// Audio: the millisecond (the first of a range).
    pub ms: Option<i64>,
    /// Audio: the last millisecond of an inclusive range.
    pub ms_out: Option<i64>,
    /// PDF: the 1-based page.
    pub page: Option<i64>,
    /// A point on the picture or page, 0..1 from the left.
    pub x: Option<f64>,
    /// A point on the picture or page, 0..1 from the top.
    pub y: Option<f64>,
}

/// A validated anchor, as stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    /// Frame (video) or millisecond (audio).
    pub at: Option<i64>,
    /// End of an inclusive range.
    pub out: Option<i64>,
    pub page: Option<i64>,
    pub point: Option<(f64, f64)>,
}

impl Anchor {
    /// The listing order key: frame, millisecond or page (-1 when none).
    pub fn sort_key(&self) -> i64 {
        self.at.or(self.page).unwrap_or(-1)
    }
}

/// Why an anchor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidAnchor(pub String);

/// Checks an anchor against the version it is on.
pub fn anchor(medium: Medium, a: &AnchorInput) -> Result<Anchor, InvalidAnchor> {
    let bad = |s: String| Err(InvalidAnchor(s));
    let point = match (a.x, a.y) {
        (None, None) => None,
        (Some(x), Some(y)) if unit(x) && unit(y) => Some((x, y)),
        (Some(_), Some(_)) => return bad(String::from("x and y must be numbers from 0 to 1")),
        _ => return bad(String::from("a point needs both x and y")),
    };
    let range = |name: &str, at: Option<i64>, out: Option<i64>, end: i64, unit_name: &str| {
        let Some(at) = at else {
            return Err(InvalidAnchor(format!("a comment on this version needs {name}")));
        };
        if at < 0 || at > end {
            return Err(InvalidAnchor(format!("{name} must be from 0 to {end} ({unit_name} of this version)")));
        }
        if let Some(out) = out
            && (out < at || out > end)
        {
            return Err(InvalidAnchor(format!("{name}_out must be from {name} ({at}) to {end}")));
        }
        Ok((at, out))
    };
    match medium {
        Medium::Video { frame_count } => {
            if a.ms.is_some() || a.ms_out.is_some() || a.page.is_some() {
                return bad(String::from("a video comment is anchored by frame (and frame_out), not ms or page"));
            }
            if frame_count <= 0 {
                return bad(String::from("this version has no frames yet"));
            }
            let (at, out) = range("frame", a.frame, a.frame_out, frame_count - 1, "the last frame")?;
            Ok(Anchor { at: Some(at), out, page: None, point })
        }
        Medium::Audio { duration_ms } => {
            if a.frame.is_some() || a.frame_out.is_some() || a.page.is_some() {
                return bad(String::from("an audio comment is anchored by ms (and ms_out), not frame or page"));
            }
            let (at, out) = range("ms", a.ms, a.ms_out, duration_ms.max(0), "the length in milliseconds")?;
            Ok(Anchor { at: Some(at), out, page: None, point })
        }
        Medium::Image => {
            if a.frame.is_some() || a.frame_out.is_some() || a.ms.is_some() || a.ms_out.is_some() || a.page.is_some() {
                return bad(String::from("an image comment may only carry a point (x, y)"));
            }
            Ok(Anchor { at: None, out: None, page: None, point })
        }
        Medium::Pdf { page_count } => {
            if a.frame.is_some() || a.frame_out.is_some() || a.ms.is_some() || a.ms_out.is_some() {
                return bad(String::from("a PDF comment is anchored by page (and optionally x, y)"));
            }
            match a.page {
                Some(p) if (1..=page_count).contains(&p) => Ok(Anchor { at: None, out: None, page: Some(p), point }),
                Some(_) => bad(format!("page must be from 1 to {page_count}")),
                None => bad(String::from("a comment on a PDF needs a page")),
            }
        }
    }
}

fn unit(v: f64) -> bool {
    v.is_finite() && (0.0..=1.0).contains(&v)
}

// ---------------------------------------------------------------------------------------------
// Annotations

/// A drawing over the picture: vector shapes on a 0..1 plane (x from the left, y from the top),
/// so it scales with the player.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub shapes: Vec<Shape>,
}

/// One shape of a drawing.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Shape {
    /// `arrow`, `rect`, `ellipse`, `line`, `freehand` or `text`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `#rrggbb` or `#rgb`.
    pub color: String,
    /// Stroke width in pixels at 1080 lines of picture height (0.5–64).
    pub width: f64,
    /// `[x, y]` pairs on the 0..1 plane: arrow and line from → to, rect and ellipse two opposite
    /// corners, freehand the stroke, text its anchor point.
    #[schema(value_type = Vec<Vec<f64>>)]
    pub points: Vec<[f64; 2]>,
    /// The words of a `text` shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Checks a drawing; answers it unchanged when valid.
pub fn annotation(a: Annotation) -> Result<Annotation, InvalidAnchor> {
    let bad = |s: String| Err(InvalidAnchor(s));
    if a.shapes.is_empty() {
        return bad(String::from("a drawing needs at least one shape (or leave annotation out)"));
    }
    if a.shapes.len() > MAX_SHAPES {
        return bad(format!("a drawing may have at most {MAX_SHAPES} shapes, not {}", a.shapes.len()));
    }
    let total: usize = a.shapes.iter().map(|s| s.points.len()).sum();
    if total > MAX_POINTS {
        return bad(format!("a drawing may have at most {MAX_POINTS} points in all, not {total}"));
    }
    for (i, s) in a.shapes.iter().enumerate() {
        let n = s.points.len();
        let points_ok = match s.kind.as_str() {
            "arrow" | "line" | "rect" | "ellipse" => n == 2,
            "freehand" => (2..=MAX_POINTS_PER_SHAPE).contains(&n),
            "text" => n == 1,
            other => {
                return bad(format!(
                    "shape {i}: unknown type {other:?} (arrow, rect, ellipse, line, freehand or text)"
                ));
            }
        };
        if !points_ok {
            return bad(format!(
                "shape {i} ({}): wrong number of points ({n}); arrow, line, rect and ellipse take 2, text 1, freehand 2 to {MAX_POINTS_PER_SHAPE}",
                s.kind
            ));
        }
        if s.points.iter().any(|[x, y]| !unit(*x) || !unit(*y)) {
            return bad(format!("shape {i}: every point must be two numbers from 0 to 1"));
        }
        if !color(&s.color) {
            return bad(format!("shape {i}: color must be #rgb or #rrggbb, not {:?}", s.color));
        }
        if !(s.width.is_finite() && (0.5..=64.0).contains(&s.width)) {
            return bad(format!("shape {i}: width must be from 0.5 to 64"));
        }
        match (&s.text, s.kind.as_str()) {
            (Some(t), "text") => {
                let len = t.trim().chars().count();
                if len == 0 || len > MAX_TEXT_SHAPE_CHARS || t.chars().any(|c| c.is_control() && c != '\n') {
                    return bad(format!(
                        "shape {i}: text must be 1 to {MAX_TEXT_SHAPE_CHARS} characters without control characters"
                    ));
                }
            }
            (None, "text") => return bad(format!("shape {i}: a text shape needs text")),
            (Some(_), _) => return bad(format!("shape {i}: only text shapes carry text")),
            (None, _) => {}
        }
    }
    Ok(a)
}

fn color(c: &str) -> bool {
    let hex = c.strip_prefix('#').unwrap_or("");
    matches!(hex.len(), 3 | 6) && hex.chars().all(|ch| ch.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_order_is_rejected_then_changes_then_with_changes_then_approved() {
        use Decision::*;
        assert_eq!(review_status([]), "in_review");
        assert_eq!(review_status([Approved]), "approved");
        assert_eq!(review_status([Approved, ApprovedWithChanges]), "approved_with_changes");
        assert_eq!(review_status([ApprovedWithChanges, ChangesRequested, Approved]), "changes_requested");
        assert_eq!(review_status([ChangesRequested, Rejected]), "rejected");
    }

    #[test]
    fn lock_needs_every_required_approver_to_approve() {
        use Decision::*;
        assert!(!approvals_complete::<u8>(&[], &[(1, Approved)]));
        assert!(approvals_complete(&[1, 2], &[(1, Approved), (2, Approved), (3, Rejected)]));
        assert!(!approvals_complete(&[1, 2], &[(1, Approved), (2, ApprovedWithChanges)]));
        assert!(!approvals_complete(&[1, 2], &[(1, Approved)]));
    }

    #[test]
    fn anchors_follow_the_medium() {
        let video = Medium::Video { frame_count: 100 };
        let a = anchor(video, &AnchorInput { frame: Some(10), frame_out: Some(20), ..Default::default() }).unwrap();
        assert_eq!((a.at, a.out, a.sort_key()), (Some(10), Some(20), 10));
        assert!(anchor(video, &AnchorInput { frame: Some(100), ..Default::default() }).is_err());
        assert!(anchor(video, &AnchorInput { frame: Some(10), frame_out: Some(9), ..Default::default() }).is_err());
        assert!(anchor(video, &AnchorInput::default()).is_err());
        assert!(anchor(video, &AnchorInput { ms: Some(1), ..Default::default() }).is_err());
        let audio = Medium::Audio { duration_ms: 5000 };
        assert!(anchor(audio, &AnchorInput { ms: Some(5000), ..Default::default() }).is_ok());
        assert!(anchor(audio, &AnchorInput { frame: Some(1), ..Default::default() }).is_err());
        let pdf = Medium::Pdf { page_count: 3 };
        assert!(anchor(pdf, &AnchorInput { page: Some(3), x: Some(0.5), y: Some(1.0), ..Default::default() }).is_ok());
        assert!(anchor(pdf, &AnchorInput { page: Some(4), ..Default::default() }).is_err());
        assert!(anchor(Medium::Image, &AnchorInput { x: Some(0.5), ..Default::default() }).is_err());
        assert!(anchor(Medium::Image, &AnchorInput { x: Some(f64::NAN), y: Some(0.1), ..Default::default() }).is_err());
        assert_eq!(anchor(Medium::Image, &AnchorInput::default()).unwrap().sort_key(), -1);
    }

    fn shape(kind: &str, points: Vec<[f64; 2]>) -> Shape {
        Shape { kind: kind.into(), color: "#ff0044".into(), width: 3.0, points, text: None }
    }

    #[test]
    fn drawings_are_bounded_and_finite() {
        assert!(annotation(Annotation { shapes: vec![shape("arrow", vec![[0.1, 0.1], [0.5, 0.5]])] }).is_ok());
        assert!(annotation(Annotation { shapes: vec![] }).is_err());
        assert!(annotation(Annotation { shapes: vec![shape("star", vec![[0.1, 0.1], [0.5, 0.5]])] }).is_err());
        assert!(annotation(Annotation { shapes: vec![shape("rect", vec![[0.1, 0.1]])] }).is_err());
        assert!(annotation(Annotation { shapes: vec![shape("line", vec![[0.1, 1.5], [0.5, 0.5]])] }).is_err());
        assert!(annotation(Annotation { shapes: vec![shape("freehand", vec![[0.5, 0.5]; 5001])] }).is_err());
        assert!(annotation(Annotation { shapes: vec![shape("text", vec![[0.5, 0.5]])] }).is_err());
        let mut t = shape("text", vec![[0.5, 0.5]]);
        t.text = Some("logo".into());
        assert!(annotation(Annotation { shapes: vec![t.clone()] }).is_ok());
        t.color = "red".into();
        assert!(annotation(Annotation { shapes: vec![t] }).is_err());
        assert!(annotation(Annotation { shapes: vec![shape("ellipse", vec![[0.1, 0.1], [0.2, 0.2]]); 201] }).is_err());
    }

    #[test]
    fn bodies_keep_line_breaks_but_refuse_other_controls() {
        assert_eq!(comment_body("  fix\nthis ", false).unwrap(), "fix\nthis");
        assert!(comment_body("  ", false).is_err());
        assert!(comment_body("", true).is_ok());
        assert!(comment_body("a\u{7}b", false).is_err());
        assert!(comment_body(&"x".repeat(MAX_COMMENT_CHARS + 1), false).is_err());
    }
}
