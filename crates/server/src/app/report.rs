//! The printable report of a version: the document a producer forwards to legal or brand. Plain
//! language, times in the workspace's time zone with the zone named, every comment with its
//! frame still, and for a locked version an approval certificate page rendered from the signed
//! receipt itself, with what a reader needs to check it offline.
//!
//! Self-contained HTML (stills embedded, styles inline) that prints to PDF in a browser
//! (`frameproof export report`).

use base64::Engine;
use frameproof_domain::review::{Annotation, Decision};
use frameproof_domain::{Action, UserId, VersionId};
use frameproof_store::review::{DecisionRow, GuestProofRow};
use frameproof_store::versions::VersionRow;
use frameproof_store::{accounts, review as rstore, workspaces};
use serde_json::Value;

use super::comments::CommentView;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::html::escape;
use crate::state::AppState;
use crate::zone::Zone;

/// Everything the report says about the lock and the approvals, read in one go.
struct Sealed {
    /// The latest receipt: its id, the signed document, when it was issued.
    receipt: Option<(uuid::Uuid, Value, i64)>,
    guest_proofs: Vec<GuestProofRow>,
}

/// `GET /api/v1/versions/{id}/report`
pub async fn report(state: &AppState, caller: &Caller, id: VersionId) -> ApiResult<String> {
    let mut c = state.store().reader().await?;
    let (v, asset, project, grant) = super::versions::reach_for(&mut c, caller, id).await?;
    grant.require(Action::Export)?;
    let (threads, replies) = super::interchange::threads(&mut c, &v, &grant, None, None).await?;
    let latest = rstore::latest_decisions(&mut c, v.id).await?;
    let zone = match workspaces::workspace(&mut c, project.workspace_id).await? {
        Some(w) => Zone::stored(&w.time_zone),
        None => Zone::utc(),
    };
    let waiting = waiting_for(&mut c, asset.id, &latest).await?;
    let locked_by = match v.locked_by {
        Some(u) => accounts::user_by_id(&mut c, UserId(u)).await?.map(|u| u.name),
        None => None,
    };
    let sealed = if v.locked {
        let receipt = rstore::receipts(&mut c, v.id).await?.into_iter().next();
        let receipt = match receipt {
            Some((id, doc, at)) => Some((id, serde_json::from_str(&doc).map_err(ApiError::internal)?, at)),
            None => None,
        };
        Some(Sealed { receipt, guest_proofs: rstore::guest_proofs(&mut c, v.id).await? })
    } else {
        None
    };
    drop(c);
    let views = super::comments::views(&v, &threads, &replies);
    let aspect = match (v.width, v.height) {
        (Some(w), Some(h)) if h > 0 => w as f64 / h as f64,
        _ => 16.0 / 9.0,
    };
    let now = state.now().0;
    let title = format!("{} v{} — review report", asset.name, v.number);
    let mut html = String::new();
    html.push_str(&format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{REPORT_CSS}</style></head><body>\n",
        escape(&title)
    ));
    html.push_str(&format!(
        "<header><h1>{}</h1>\n<dl class=\"facts\">",
        escape(&format!("{} v{}", asset.name, v.number))
    ));
    let facts = [
        ("Project", project.name.clone()),
        ("File", format!("{} · {} · {}", v.filename, kind_label(&v.kind), size_label(v.size_bytes))),
        ("Comments", count_label(views.len(), "comment thread", "comment threads")),
        ("Printed", zone.format(now)),
        ("Times", format!("shown in {}", zone.describe(now))),
    ];
    for (k, val) in facts {
        html.push_str(&format!("<dt>{k}</dt><dd>{}</dd>", escape(&val)));
    }
    html.push_str("</dl>\n");
    html.push_str(&status_box(&v, &zone, locked_by.as_deref(), &waiting));
    html.push_str("<h2>Decisions</h2>\n");
    if latest.is_empty() {
        html.push_str("<p>No one has decided yet.</p>\n");
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
                escape(&zone.format(d.created_at)),
                escape(&d.note)
            ));
        }
        html.push_str("</tbody></table>\n");
    }
    html.push_str("</header>\n<h2>Comments</h2>\n");
    for t in &views {
        html.push_str(&comment_html(state, &v, t, &zone, aspect).await);
    }
    if views.is_empty() {
        html.push_str("<p>No comments.</p>\n");
    }
    if let Some(sealed) = &sealed {
        html.push_str(&certificate(state, caller, &v, sealed, &zone));
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

/// The required approvers (members and guests) whose current decision is not an approval, by
/// name or address.
async fn waiting_for(
    c: &mut frameproof_store::Conn,
    asset: frameproof_domain::AssetId,
    latest: &[DecisionRow],
) -> ApiResult<Vec<String>> {
    let approved = |d: &&DecisionRow| d.decision == Decision::Approved.as_str();
    let mut waiting = Vec::new();
    for r in rstore::approvers(&mut *c, asset).await? {
        if !latest.iter().filter(approved).any(|d| d.user_id == Some(r.user_id.0)) {
            waiting.push(r.name);
        }
    }
    for g in frameproof_store::shares::guest_approvers(&mut *c, asset).await? {
        if !latest.iter().filter(approved).any(|d| d.guest_email.as_deref() == Some(g.email.as_str())) {
            waiting.push(format!("{} (guest)", g.email));
        }
    }
    Ok(waiting)
}

/// The box under the title: where the version stands, in words.
fn status_box(v: &VersionRow, zone: &Zone, locked_by: Option<&str>, waiting: &[String]) -> String {
    let (class, headline, detail) = if v.locked {
        let when = v.locked_at.map(|t| zone.format(t)).unwrap_or_default();
        let how = match (v.lock_kind.as_deref(), locked_by) {
            (Some("manual"), Some(name)) => format!("locked by hand by {name}"),
            (Some("manual"), None) => String::from("locked by hand"),
            _ => String::from("sealed when every required approver had approved"),
        };
        (
            "locked",
            String::from("Approved and locked"),
            format!(
                "{how} on {when}. The file, its comments and its decisions can no longer change. \
                 The approval certificate at the end of this report says what was approved, by whom, \
                 and how to check it."
            ),
        )
    } else {
        let (headline, detail) = match v.review_status.as_str() {
            "approved" => ("Approved, not locked", "Everyone who has decided approved this version."),
            "approved_with_changes" => {
                ("Approved with changes", "Approved on condition that the changes asked for are made.")
            }
            "changes_requested" => ("Changes requested", "At least one reviewer asked for changes before approval."),
            "rejected" => ("Rejected", "At least one reviewer rejected this version."),
            _ => ("In review", "No one has decided yet."),
        };
        let mut detail = detail.to_owned();
        if !waiting.is_empty() {
            detail.push_str(&format!(" Waiting for the approval of {}.", waiting.join(", ")));
        }
        ("open", headline.to_owned(), detail)
    };
    format!(
        "<div class=\"status {class}\"><p class=\"headline\">Status: {}</p><p>{}</p></div>\n",
        escape(&headline),
        escape(&upper_first(&detail))
    )
}

async fn comment_html(state: &AppState, v: &VersionRow, t: &CommentView, zone: &Zone, aspect: f64) -> String {
    let at = match (&t.timecode, &t.timecode_out, t.frame, t.frame_out, t.page, t.ms) {
        (Some(tc), Some(out), Some(f), Some(o), _, _) => format!("{tc} – {out} (frames {f}–{o})"),
        (Some(tc), None, Some(f), _, _, _) => format!("{tc} (frame {f})"),
        (_, _, _, _, Some(p), _) => format!("page {p}"),
        (_, _, _, _, _, Some(ms)) => format!("{:.3} s", ms as f64 / 1000.0),
        _ => String::from("the whole picture"),
    };
    let mut html = String::from("<article>");
    if v.kind == "video"
        && let Some(f) = t.frame.and_then(|f| u64::try_from(f).ok())
        && let Ok(jpeg) = crate::routes::media::still(state, v, f).await
    {
        let data = base64::engine::general_purpose::STANDARD.encode(jpeg);
        let drawing = t.annotation.as_ref().map(|a| drawing_svg(a, aspect)).unwrap_or_default();
        html.push_str(&format!(
            "<figure style=\"aspect-ratio: {aspect:.4}\"><img src=\"data:image/jpeg;base64,{data}\" alt=\"frame {f}\">{drawing}</figure>"
        ));
    }
    let author = if t.author.kind == "guest" { format!("{} (guest)", t.author.name) } else { t.author.name.clone() };
    let state_label = match (t.resolved, t.resolved_at) {
        (true, Some(at)) => format!("Resolved {}", zone.format(at.0)),
        (true, None) => String::from("Resolved"),
        (false, _) => String::from("Open"),
    };
    html.push_str(&format!(
        "<div class=\"note\"><p class=\"at\">{}</p><p class=\"by\">{} · {} · {}</p><p class=\"body\">{}</p>",
        escape(&at),
        escape(&author),
        escape(&zone.format(t.created_at.0)),
        escape(&state_label),
        escape(&t.body).replace('\n', "<br>")
    ));
    for r in &t.replies {
        html.push_str(&format!(
            "<p class=\"reply\"><strong>{}</strong> · {}: {}</p>",
            escape(&r.author.name),
            escape(&zone.format(r.created_at.0)),
            escape(&r.body).replace('\n', "<br>")
        ));
    }
    html.push_str("</div></article>\n");
    html
}

/// The approval certificate: the latest receipt of a locked version, rendered for people, on a
/// page of its own. Everything on it is read from the signed document, so what it says is what
/// `frameproof verify` checks.
fn certificate(state: &AppState, caller: &Caller, v: &VersionRow, sealed: &Sealed, zone: &Zone) -> String {
    let mut html = String::from("<section class=\"certificate\"><h2>Approval certificate</h2>\n");
    let Some((receipt_id, doc, issued_at)) = &sealed.receipt else {
        html.push_str("<p>This version is locked, but its receipt could not be found.</p></section>\n");
        return html;
    };
    let body = &doc["receipt"];
    let str_at = |path: &str| body.pointer(path).and_then(Value::as_str).unwrap_or("").to_owned();
    let time_at = |path: &str| parse_ms(&str_at(path)).map(|ms| zone.format_named(ms)).unwrap_or_else(|| str_at(path));
    let team = caller.guest().is_none();

    html.push_str("<h3>What was approved</h3>\n<dl class=\"facts\">");
    let size = body.pointer("/version/size_bytes").and_then(Value::as_i64).unwrap_or(v.size_bytes);
    let number = body.pointer("/version/number").and_then(Value::as_i64).unwrap_or(v.number);
    let what = [
        ("Asset", format!("{} v{number}", str_at("/asset/name"))),
        ("Project", str_at("/project/name")),
        ("Workspace", str_at("/workspace/name")),
        ("File name", str_at("/version/filename")),
        ("Size", format!("{} ({} bytes)", size_label(size), grouped(size))),
    ];
    for (k, val) in what {
        html.push_str(&format!("<dt>{k}</dt><dd>{}</dd>", escape(&val)));
    }
    html.push_str(&format!("<dt>SHA-256</dt><dd><code>{}</code></dd></dl>\n", escape(&str_at("/version/sha256"))));

    html.push_str("<h3>Approved by</h3>\n");
    let approvers = body["approvers"].as_array().cloned().unwrap_or_default();
    if approvers.is_empty() {
        html.push_str("<p>No approvals: the version was locked by hand.</p>\n");
    } else {
        html.push_str("<ul class=\"approvers\">\n");
        for a in &approvers {
            let guest = a["guest"].as_bool().unwrap_or(false);
            let name = a["name"].as_str().unwrap_or("");
            let email = a["email"].as_str().unwrap_or("");
            let decided = a["decided_at"].as_str().unwrap_or("");
            let decided_ms = parse_ms(decided);
            let identity = if guest {
                let proof = sealed
                    .guest_proofs
                    .iter()
                    .filter(|p| p.guest_email == email && decided_ms.is_none_or(|ms| p.decided_at <= ms))
                    .max_by_key(|p| p.decided_at);
                match proof.and_then(|p| p.verified_at) {
                    Some(at) => format!("Guest: address proven by a one-time code mailed to it, {}", zone.format(at)),
                    None => String::from("Guest: address proven by a one-time code mailed to it"),
                }
            } else {
                String::from("Team member, signed in")
            };
            let role = if a["required"].as_bool().unwrap_or(false) { "Required approver. " } else { "" };
            // A guest reading the report sees guests' proven addresses, not the team's.
            let shown_email = if (guest || team) && !email.is_empty() { format!(" <{email}>") } else { String::new() };
            html.push_str(&format!(
                "<li><strong>{}</strong>{}: approved {}.<br>{role}{}.</li>\n",
                escape(name),
                escape(&shown_email),
                escape(&decided_ms.map(|ms| zone.format(ms)).unwrap_or_else(|| decided.to_owned())),
                escape(&identity),
            ));
        }
        html.push_str("</ul>\n");
    }

    html.push_str("<h3>The lock</h3>\n<dl class=\"facts\">");
    let kind = match str_at("/lock/kind").as_str() {
        "manual" => {
            let by = body.pointer("/lock/locked_by/name").and_then(Value::as_str).unwrap_or("an owner or admin");
            format!("Locked by hand by {by}")
        }
        _ => String::from("Sealed automatically when every required approver had approved"),
    };
    let reason = str_at("/lock/reason");
    let lock = [
        ("How", kind),
        ("Reason", if reason.is_empty() { String::from("none given") } else { reason }),
        ("Locked", time_at("/lock/locked_at")),
    ];
    for (k, val) in lock {
        html.push_str(&format!("<dt>{k}</dt><dd>{}</dd>", escape(&val)));
    }
    html.push_str("</dl>\n");

    html.push_str("<h3>The signed receipt</h3>\n<dl class=\"facts\">");
    let kid = doc.pointer("/signature/kid").and_then(Value::as_str).unwrap_or("");
    let fingerprint = state
        .keys()
        .public_keys()
        .iter()
        .find(|k| k.kid == kid)
        .map(|k| k.fingerprint.clone())
        .unwrap_or_else(|| String::from("(not among this server's keys)"));
    let seq = body.pointer("/audit_head/seq").and_then(Value::as_i64).unwrap_or(0);
    let signed = [
        ("Receipt id", receipt_id.to_string()),
        ("Issued", zone.format_named(*issued_at)),
        (
            "Signature",
            format!("{} by key {kid}", doc.pointer("/signature/alg").and_then(Value::as_str).unwrap_or("Ed25519")),
        ),
    ];
    for (k, val) in signed {
        html.push_str(&format!("<dt>{k}</dt><dd>{}</dd>", escape(&val)));
    }
    html.push_str(&format!(
        "<dt>Key fingerprint</dt><dd><code>{}</code></dd><dt>Audit trail</dt><dd>entry {seq}, hash <code>{}</code></dd></dl>\n",
        escape(&fingerprint),
        escape(&str_at("/audit_head/hash"))
    ));

    html.push_str("<h3>Check it yourself, offline</h3>\n");
    let filename = str_at("/version/filename");
    let verify = format!("frameproof verify receipt.json {} --key keys.json", shell_word(&filename));
    let base = state.base_url().trim_end_matches('/');
    let fetch = if team {
        format!(
            "<li>Save the receipt as <code>receipt.json</code>:<pre>curl -H \"Authorization: Bearer $FRAMEPROOF_TOKEN\" -o receipt.json \\\n  {}</pre></li>",
            escape(&shell_word(&format!("{base}/api/v1/versions/{}/receipt?receipt={receipt_id}", v.id)))
        )
    } else {
        format!(
            "<li>Ask the team that shared this review for receipt <code>{receipt_id}</code> and save it as <code>receipt.json</code>.</li>"
        )
    };
    html.push_str(&format!(
        "<ol class=\"steps\">{fetch}\
         <li>Save the server's public keys as <code>keys.json</code> (from the server's operator, or <code>curl -o keys.json {}</code>).</li>\
         <li>With the approved file beside them, run:<pre>{}</pre></li></ol>\n\
         <p>It answers <code>receipt valid: …; signed by key {} (fingerprint …); {} matches</code> when the receipt is genuine and the file is \
         the one approved. Compare the fingerprint it prints with the one above; a changed receipt, a key not in the file or \
         another file makes it say NOT valid.</p>\n",
        escape(&shell_word(&format!("{base}/api/v1/keys"))),
        escape(&verify),
        escape(kid),
        escape(&filename)
    ));
    html.push_str("</section>\n");
    html
}

/// Milliseconds of an RFC 3339 instant.
fn parse_ms(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_millisecond())
}

/// `'Hero 30s.mov'`: one word for a POSIX shell, quoted only when it needs it, never read as
/// an option.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-/:=%+@,".contains(c));
    let s = if s.starts_with('-') { format!("./{s}") } else { s.to_owned() };
    if plain { s } else { format!("'{}'", s.replace('\'', "'\\''")) }
}

fn kind_label(kind: &str) -> &str {
    match kind {
        "video" => "video",
        "audio" => "audio",
        "image" => "image",
        "pdf" => "PDF document",
        other => other,
    }
}

fn count_label(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// `48.2 MB`: decimal units, as file managers show them.
fn size_label(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    match bytes {
        ..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.2} GB", b / 1e9),
    }
}

/// `48,213,504`.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

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

const REPORT_CSS: &str = "@page { size: A4; margin: 14mm } \
body { font: 10.5pt/1.45 system-ui, sans-serif; color: #111 } h1 { font-size: 17pt; margin: 0 } \
h2 { font-size: 12.5pt; margin: 1.2em 0 .4em } h3 { font-size: 10.5pt; margin: 1em 0 .3em } \
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; margin: .4em 0 } \
.facts dt { color: #555 } .facts dd { margin: 0 } \
.status { padding: .4em .7em; background: #f2f2f2; border-left: 4px solid #888; margin: .6em 0 } \
.status p { margin: 0 0 .2em } .status .headline { font-weight: 600 } \
.status.locked { background: #e6f4ea; border-left-color: #1e8e3e } code { font-size: 8.5pt; word-break: break-all } \
pre { font-size: 8.5pt; white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: .4em .6em } \
table { border-collapse: collapse; width: 100% } th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #ddd; padding: .25em .4em } \
article { display: flex; gap: 1em; padding: .7em 0; border-bottom: 1px solid #ddd; break-inside: avoid } \
figure { position: relative; margin: 0; width: 62mm; flex: none; background: #000 } \
figure img, figure svg { position: absolute; inset: 0; width: 100%; height: 100% } \
.note p { margin: 0 0 .25em } .at { font-weight: 600; font-variant-numeric: tabular-nums } .by { color: #555 } \
.reply { padding-left: 1em; border-left: 2px solid #ccc } \
.certificate { break-before: page } .certificate h2 { font-size: 15pt } .steps li, .approvers li { margin-bottom: .4em }";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quote_only_what_needs_it() {
        assert_eq!(shell_word("cut.mov"), "cut.mov");
        assert_eq!(shell_word("Hero 30s.mov"), "'Hero 30s.mov'");
        assert_eq!(shell_word("it's.mov"), "'it'\\''s.mov'");
        assert_eq!(shell_word("-rf.mov"), "./-rf.mov");
        assert_eq!(shell_word("$(x).mov"), "'$(x).mov'");
        assert_eq!(shell_word("http://h/r?a=1&b"), "'http://h/r?a=1&b'");
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size_label(999), "999 bytes");
        assert_eq!(size_label(48_213_504), "48.2 MB");
        assert_eq!(grouped(48_213_504), "48,213,504");
        assert_eq!(grouped(512), "512");
    }
}
