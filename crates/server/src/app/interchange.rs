//! Review notes out to editing software and back: a version's comments exported as marker files
//! (Resolve EDL, FCPXML, FCP7 XML, Avid, OTIO, CSV, text, After Effects script), markers imported
//! as comments (all or nothing, with a dry run), and the printable report.

use base64::Engine;
use frameproof_domain::review::{Annotation, Decision};
use frameproof_domain::{Action, CommentId, Timestamp, UserId, VersionId, event};
use frameproof_interchange::{self as ix, ColourBy, ExportOptions, Format, ImportTarget, MarkerState, Sheet};
use frameproof_store::comments::{self, CommentRow, Filter, NewComment};
use frameproof_store::versions::VersionRow;
use frameproof_store::{Conn, review as rstore};
use serde::{Deserialize, Serialize};

use super::comments::CommentView;
use super::new_uuid;
use super::review::{require_unlocked, timecode_of};
use crate::access::{Grant, require_not_archived};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::html::escape;
use crate::state::AppState;

/// The most threads one export or report carries.
const MAX_THREADS: i64 = 10_000;

fn bad_format(name: &str) -> ApiError {
    ApiError::bad_request(
        "invalid-format",
        format!(
            "format must be one of {}, not {name:?}",
            Format::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
        ),
    )
}

/// A version's timing for marker files: rate, drop-frame, the start label (when the source or
/// a member gave one) and the length. Marker formats count frames: video versions only.
fn timing(v: &VersionRow) -> ApiResult<(frameproof_domain::FrameRate, bool, Option<String>, u64)> {
    let not_video = || ApiError::conflict("not-video", "marker files count frames: only a video version has them");
    if v.kind != "video" {
        return Err(not_video());
    }
    let (tc, _) = timecode_of(v).ok_or_else(not_video)?;
    let frames = v.frame_count.and_then(|f| u64::try_from(f).ok()).ok_or_else(not_video)?;
    let given = v.tc_start.is_some() || v.start_timecode.is_some();
    Ok((tc.format.rate(), tc.format.drop_frame(), given.then(|| tc.label(0)), frames))
}

fn time_of(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// `GET /api/v1/versions/{id}/markers`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `resolve-edl`, `fcpxml`, `fcp7-xml`, `avid-txt`, `otio`, `csv`, `txt` or `ae-jsx`.
    pub format: String,
    /// `open`, `resolved` or `all` (default).
    pub state: Option<String>,
    /// Only threads this member started.
    pub author: Option<UserId>,
    /// Append replies to each marker's text (default true).
    pub replies: Option<bool>,
    /// `state` (default: open red, resolved green) or `author` (one colour per author).
    pub colour_by: Option<String>,
    /// Name the author in each marker (default true).
    pub include_author: Option<bool>,
    /// One marker per frame: comments on the same frame merged (default false).
    pub merge: Option<bool>,
    /// The start timecode the file counts from (default: the source's, else 01:00:00:00).
    pub start: Option<String>,
}

/// A marker file.
pub struct Exported {
    pub bytes: Vec<u8>,
    pub filename: String,
    pub content_type: &'static str,
}

fn state_filter(state: Option<&str>) -> ApiResult<Option<bool>> {
    match state {
        None | Some("all") => Ok(None),
        Some("open") => Ok(Some(false)),
        Some("resolved") => Ok(Some(true)),
        Some(other) => {
            Err(ApiError::bad_request("invalid-state", format!("state must be open, resolved or all, not {other:?}")))
        }
    }
}

/// The threads (with replies) the caller may see, in frame order: guests and reviewers never get
/// team-only ones.
async fn threads(
    c: &mut Conn,
    v: &VersionRow,
    grant: &Grant,
    resolved: Option<bool>,
    author: Option<UserId>,
) -> ApiResult<(Vec<CommentRow>, Vec<CommentRow>)> {
    let filter = Filter { resolved, author, has_annotation: None, public_only: !grant.is_team() };
    let threads = comments::threads(&mut *c, v.id, &filter, None, MAX_THREADS).await?;
    let ids: Vec<CommentId> = threads.iter().map(|t| t.id).collect();
    let replies = comments::replies(&mut *c, &ids).await?;
    Ok((threads, replies))
}

fn file_stem(v: &VersionRow, asset_name: &str) -> String {
    let clean: String =
        asset_name.chars().map(|c| if c.is_alphanumeric() || " -_".contains(c) { c } else { '_' }).collect();
    format!("{} v{}", clean.trim(), v.number)
}

pub async fn export(state: &AppState, caller: &Caller, id: VersionId, q: ExportParams) -> ApiResult<Exported> {
    let format: Format = q.format.parse().map_err(|_| bad_format(&q.format))?;
    let resolved = state_filter(q.state.as_deref())?;
    let colour_by = match q.colour_by.as_deref() {
        None | Some("state") => ColourBy::State,
        Some("author") => ColourBy::Author,
        Some(o) => {
            return Err(ApiError::bad_request("invalid-colour-by", format!("colour_by is state or author, not {o:?}")));
        }
    };
    let mut c = state.store().reader().await?;
    let (v, asset, _, grant) = super::versions::reach_for(&mut c, caller, id).await?;
    grant.require(Action::Export)?;
    let (rate, drop_frame, start, frame_count) = timing(&v)?;
    let (threads, replies) = threads(&mut c, &v, &grant, resolved, q.author).await?;
    drop(c);
    let markers = threads
        .iter()
        .filter_map(|t| {
            let frame_in = u64::try_from(t.anchor_in?).ok()?;
            Some(ix::Marker {
                frame_in,
                frame_out: t.anchor_out.and_then(|o| u64::try_from(o).ok()).filter(|o| *o > frame_in),
                text: t.body.clone(),
                author: t.author_name.clone(),
                state: if t.resolved_at.is_some() { MarkerState::Resolved } else { MarkerState::Open },
                created_at: time_of(t.created_at),
                replies: replies
                    .iter()
                    .filter(|r| r.parent_id == Some(t.id.0))
                    .map(|r| ix::Reply {
                        text: r.body.clone(),
                        author: r.author_name.clone(),
                        created_at: time_of(r.created_at),
                    })
                    .collect(),
            })
        })
        .collect();
    let sheet = Sheet { name: asset.name.clone(), rate, drop_frame, start, frame_count, markers };
    let options = ExportOptions {
        start: q.start.clone(),
        colour_by,
        include_author: q.include_author.unwrap_or(true),
        merge_same_frame: q.merge.unwrap_or(false),
        include_replies: q.replies.unwrap_or(true),
        media_url: None,
    };
    let bytes = ix::export(&sheet, format, &options)
        .map_err(|e| ApiError::bad_request(e.code(), format!("cannot write {}: {e}", format.name())))?;
    Ok(Exported {
        bytes,
        filename: format!("{}.{}", file_stem(&v, &asset.name), format.extension()),
        content_type: format.mime_type(),
    })
}

/// `POST /api/v1/versions/{id}/markers`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The file's format (default: guessed from its content).
    pub format: Option<String>,
    /// Only say what would be created.
    #[serde(default)]
    pub dry_run: bool,
    /// The start timecode the file's absolute timecodes count from (default: as on export).
    pub start: Option<String>,
}

/// One marker read from the file, as it would become a comment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportedView {
    pub frame: u64,
    pub frame_out: Option<u64>,
    pub timecode: String,
    pub timecode_out: Option<String>,
    /// The comment's text (a name found in the file kept as a label in front).
    pub body: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// The format read (given or guessed).
    pub format: String,
    pub dry_run: bool,
    /// What the file holds, in file order.
    pub markers: Vec<ImportedView>,
    /// The comments created (none on a dry run).
    pub created: Vec<CommentView>,
}

/// Reads a marker file onto a version as comments by the importing member (names in the file
/// are kept as labels in the text, never as identities). All or nothing.
pub async fn import(
    state: &AppState,
    p: &Principal,
    id: VersionId,
    q: ImportParams,
    bytes: &[u8],
) -> ApiResult<ImportResult> {
    let format = match &q.format {
        Some(f) => f.parse::<Format>().map_err(|_| bad_format(f))?,
        None => ix::guess_format(bytes).ok_or_else(|| {
            ApiError::bad_request(
                "unknown-format",
                "the file's format could not be told from its content; name it with ?format=",
            )
        })?,
    };
    if !format.is_importable() {
        return Err(ApiError::bad_request("not-importable", format!("{} files are written, not read", format.name())));
    }
    let caller = Caller::User(p.clone());
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, _, project, grant) = super::versions::reach_for(&mut tx, &caller, id).await?;
    grant.require(Action::ManageReview)?;
    require_not_archived(&project)?;
    require_unlocked(&v)?;
    let (rate, drop_frame, start, frame_count) = timing(&v)?;
    let target = ImportTarget { rate, drop_frame, start: q.start.clone().or(start), frame_count };
    let markers = ix::import(bytes, format, &target).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    let (tc, _) = timecode_of(&v).ok_or_else(|| ApiError::conflict("not-video", "no timecode"))?;
    let views: Vec<ImportedView> = markers
        .iter()
        .map(|m| ImportedView {
            frame: m.frame_in,
            frame_out: m.frame_out,
            timecode: tc.label(m.frame_in),
            timecode_out: m.frame_out.map(|f| tc.label(f)),
            body: match &m.label {
                Some(l) if !l.trim().is_empty() && !m.text.starts_with(l.as_str()) => format!("[{l}] {}", m.text),
                _ => m.text.clone(),
            },
        })
        .collect();
    let mut created = Vec::new();
    if !q.dry_run {
        for m in &views {
            let body = frameproof_domain::review::comment_body(&m.body, false).map_err(|e| {
                ApiError::bad_request(
                    "invalid-marker",
                    format!("the marker at {} cannot be a comment: {e}", m.timecode),
                )
            })?;
            let cid = CommentId(new_uuid(Timestamp(now)));
            let at = i64::try_from(m.frame).map_err(ApiError::internal)?;
            super::comments::insert(
                &mut tx,
                &v,
                &NewComment {
                    id: cid,
                    version_id: v.id,
                    parent_id: None,
                    author_id: Some(p.user_id),
                    author_name: &p.name,
                    guest: None,
                    body: &body,
                    anchor_in: Some(at),
                    anchor_out: m.frame_out.and_then(|o| i64::try_from(o).ok()),
                    page: None,
                    point: None,
                    annotation: None,
                    team_only: false,
                    sort_key: at,
                    carried_from: None,
                    mentions: &[],
                    now,
                },
            )
            .await?;
            let row = comments::get(&mut tx, cid).await?.ok_or_else(ApiError::not_found)?;
            let view = super::comments::views(&v, std::slice::from_ref(&row), &[]).remove(0);
            let scope = EventScope::version(project.workspace_id, project.id, v.asset_id, v.id);
            record(&mut tx, event::COMMENT_CREATED, now, &Actor::user(p), scope, &view).await?;
            created.push(view);
        }
        tx.commit().await?;
    }
    Ok(ImportResult { format: format.name().to_owned(), dry_run: q.dry_run, markers: views, created })
}

// ---------------------------------------------------------------------------------------------
// The printable report

/// One shape of a drawing as SVG on a 0..1 plane stretched over the still.
fn svg_shape(s: &frameproof_domain::review::Shape, aspect: f64) -> String {
    let colour = escape(&s.color);
    // Widths are given at 1080 lines of picture height; the plane is 1 high.
    let w = s.width / 1080.0;
    let pt = |i: usize| s.points.get(i).copied().unwrap_or([0.0, 0.0]);
    let stroke = format!("fill=\"none\" stroke=\"{colour}\" stroke-width=\"{w:.5}\" stroke-linecap=\"round\"");
    match s.kind.as_str() {
        "rect" | "ellipse" => {
            let ([x0, y0], [x1, y1]) = (pt(0), pt(1));
            let (x, y, wd, ht) = (x0.min(x1), y0.min(y1), (x1 - x0).abs(), (y1 - y0).abs());
            if s.kind == "rect" {
                format!("<rect x=\"{x:.5}\" y=\"{y:.5}\" width=\"{wd:.5}\" height=\"{ht:.5}\" {stroke}/>")
            } else {
                format!(
                    "<ellipse cx=\"{:.5}\" cy=\"{:.5}\" rx=\"{:.5}\" ry=\"{:.5}\" {stroke}/>",
                    x + wd / 2.0,
                    y + ht / 2.0,
                    wd / 2.0,
                    ht / 2.0
                )
            }
        }
        "line" | "arrow" => {
            let ([x0, y0], [x1, y1]) = (pt(0), pt(1));
            let mut out = format!("<line x1=\"{x0:.5}\" y1=\"{y0:.5}\" x2=\"{x1:.5}\" y2=\"{y1:.5}\" {stroke}/>");
            if s.kind == "arrow" {
                // Two short strokes at the head, in screen proportions.
                let (dx, dy) = ((x1 - x0) * aspect, y1 - y0);
                let len = (dx * dx + dy * dy).sqrt().max(1e-9);
                let (ux, uy) = (dx / len, dy / len);
                let head = 0.04;
                for sign in [1.0, -1.0] {
                    let (rx, ry) = (ux * 0.866 - sign * uy * 0.5, sign * ux * 0.5 + uy * 0.866);
                    let (hx, hy) = (x1 - rx * head / aspect, y1 - ry * head);
                    out.push_str(&format!(
                        "<line x1=\"{x1:.5}\" y1=\"{y1:.5}\" x2=\"{hx:.5}\" y2=\"{hy:.5}\" {stroke}/>"
                    ));
                }
            }
            out
        }
        "freehand" => {
            let pts: Vec<String> = s.points.iter().map(|[x, y]| format!("{x:.5},{y:.5}")).collect();
            format!("<polyline points=\"{}\" {stroke} stroke-linejoin=\"round\"/>", pts.join(" "))
        }
        "text" => {
            let [x, y] = pt(0);
            format!(
                "<text x=\"{x:.5}\" y=\"{y:.5}\" fill=\"{colour}\" font-size=\"0.06\" font-family=\"sans-serif\">{}</text>",
                escape(s.text.as_deref().unwrap_or(""))
            )
        }
        _ => String::new(),
    }
}

fn drawing_svg(a: &Annotation, aspect: f64) -> String {
    let shapes: String = a.shapes.iter().map(|s| svg_shape(s, aspect)).collect();
    format!(
        "<svg class=\"drawing\" viewBox=\"0 0 1 1\" preserveAspectRatio=\"none\" aria-hidden=\"true\">{shapes}</svg>"
    )
}

/// The printable report of a version: what a producer sends to legal. Self-contained HTML
/// (stills embedded) that prints to PDF in a browser (`frameproof export report`).
pub async fn report(state: &AppState, caller: &Caller, id: VersionId) -> ApiResult<String> {
    let mut c = state.store().reader().await?;
    let (v, asset, project, grant) = super::versions::reach_for(&mut c, caller, id).await?;
    grant.require(Action::Export)?;
    let (threads, replies) = threads(&mut c, &v, &grant, None, None).await?;
    let latest = rstore::latest_decisions(&mut c, v.id).await?;
    let locked_by = match v.locked_by {
        Some(u) => frameproof_store::accounts::user_by_id(&mut c, UserId(u)).await?.map(|u| u.name),
        None => None,
    };
    drop(c);
    let views = super::comments::views(&v, &threads, &replies);
    let aspect = match (v.width, v.height) {
        (Some(w), Some(h)) if h > 0 => w as f64 / h as f64,
        _ => 16.0 / 9.0,
    };
    let now = Timestamp(state.now().0).to_rfc3339();
    let title = format!("{} v{} — review report", asset.name, v.number);
    let mut html = String::new();
    html.push_str(&format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{REPORT_CSS}</style></head><body>\n",
        escape(&title)
    ));
    html.push_str(&format!(
        "<header><h1>{}</h1><p class=\"meta\">{} · project {} · file {} · {} comment threads · printed {}</p>\n",
        escape(&format!("{} v{}", asset.name, v.number)),
        escape(&v.kind),
        escape(&project.name),
        escape(&v.filename),
        views.len(),
        escape(&now)
    ));
    let lock = if v.locked {
        format!(
            "<p class=\"lock locked\">Locked: approved and sealed {}{} ({}). SHA-256 of the original: <code>{}</code></p>",
            v.locked_at.map(|t| Timestamp(t).to_rfc3339()).map(|t| escape(&t)).unwrap_or_default(),
            locked_by.map(|n| format!(" by {}", escape(&n))).unwrap_or_default(),
            escape(v.lock_kind.as_deref().unwrap_or("approvals")),
            escape(v.locked_sha256.as_deref().or(v.sha256.as_deref()).unwrap_or("—"))
        )
    } else {
        format!("<p class=\"lock\">Not locked. Review status: {}.</p>", escape(&v.review_status))
    };
    html.push_str(&lock);
    html.push_str("<h2>Decisions</h2>\n");
    if latest.is_empty() {
        html.push_str("<p>No decisions yet.</p>\n");
    } else {
        html.push_str(
            "<table><thead><tr><th>Who</th><th>Decision</th><th>When</th><th>Note</th></tr></thead><tbody>\n",
        );
        for d in &latest {
            let who =
                if d.guest_email.is_some() { format!("{} (guest)", d.author_name) } else { d.author_name.clone() };
            let label = Decision::parse(&d.decision).map_or(d.decision.as_str(), |x| x.label());
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&who),
                escape(label),
                escape(&Timestamp(d.created_at).to_rfc3339()),
                escape(&d.note)
            ));
        }
        html.push_str("</tbody></table>\n");
    }
    html.push_str("</header>\n<h2>Comments</h2>\n");
    for t in &views {
        let at = match (&t.timecode, &t.timecode_out, t.frame, t.frame_out, t.page, t.ms) {
            (Some(tc), Some(out), Some(f), Some(o), _, _) => format!("{tc} – {out} (frames {f}–{o})"),
            (Some(tc), None, Some(f), _, _, _) => format!("{tc} (frame {f})"),
            (_, _, _, _, Some(p), _) => format!("page {p}"),
            (_, _, _, _, _, Some(ms)) => format!("{:.3} s", ms as f64 / 1000.0),
            _ => String::from("the whole picture"),
        };
        html.push_str("<article>");
        if v.kind == "video"
            && let Some(f) = t.frame.and_then(|f| u64::try_from(f).ok())
            && let Ok(jpeg) = crate::routes::media::still(state, &v, f).await
        {
            let data = base64::engine::general_purpose::STANDARD.encode(jpeg);
            let drawing = t.annotation.as_ref().map(|a| drawing_svg(a, aspect)).unwrap_or_default();
            html.push_str(&format!(
                "<figure style=\"aspect-ratio: {aspect:.4}\"><img src=\"data:image/jpeg;base64,{data}\" alt=\"frame {f}\">{drawing}</figure>"
            ));
        }
        let author =
            if t.author.kind == "guest" { format!("{} (guest)", t.author.name) } else { t.author.name.clone() };
        html.push_str(&format!(
            "<div class=\"note\"><p class=\"at\">{}</p><p class=\"by\">{} · {}{}</p><p class=\"body\">{}</p>",
            escape(&at),
            escape(&author),
            escape(&t.created_at.to_rfc3339()),
            if t.resolved { " · resolved" } else { " · open" },
            escape(&t.body).replace('\n', "<br>")
        ));
        for r in &t.replies {
            html.push_str(&format!(
                "<p class=\"reply\"><strong>{}</strong>: {}</p>",
                escape(&r.author.name),
                escape(&r.body).replace('\n', "<br>")
            ));
        }
        html.push_str("</div></article>\n");
    }
    if views.is_empty() {
        html.push_str("<p>No comments.</p>\n");
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

const REPORT_CSS: &str = "@page { size: A4; margin: 14mm } \
body { font: 10.5pt/1.45 system-ui, sans-serif; color: #111 } h1 { font-size: 17pt; margin: 0 } \
h2 { font-size: 12.5pt; margin: 1.2em 0 .4em } .meta { color: #555 } .lock { padding: .4em .6em; background: #f2f2f2 } \
.lock.locked { background: #e6f4ea; border-left: 4px solid #1e8e3e } code { font-size: 8.5pt; word-break: break-all } \
table { border-collapse: collapse; width: 100% } th, td { text-align: left; border-bottom: 1px solid #ddd; padding: .25em .4em } \
article { display: flex; gap: 1em; padding: .7em 0; border-bottom: 1px solid #ddd; break-inside: avoid } \
figure { position: relative; margin: 0; width: 62mm; flex: none; background: #000 } \
figure img, figure svg { position: absolute; inset: 0; width: 100%; height: 100% } \
.note p { margin: 0 0 .25em } .at { font-weight: 600; font-variant-numeric: tabular-nums } .by { color: #555 } \
.reply { padding-left: 1em; border-left: 2px solid #ccc }";
