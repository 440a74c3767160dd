//! E-mail: what Frameproof sends (share links, invitations, mention digests, guest verification
//! codes), written into an outbox table in the same transaction as the change that causes it,
//! and sent by one background task over SMTP. A crash loses no mail; a failed send is retried
//! with back-off. Every message is plain text plus a simple HTML part in which every string a
//! person typed is escaped.

use std::time::Duration;

use frameproof_domain::{Role, Timestamp, UserId};
use frameproof_store::mail::{self as outbox, NewMail};
use frameproof_store::shares::LinkRow;
use frameproof_store::{Conn, accounts, review as rstore};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::watch;

use crate::config::{MailConfig, MailTls};
use crate::error::ApiResult;
use crate::html::escape;
use crate::state::AppState;

/// A message is tried this many times before it is left in the outbox with its last error.
const MAX_ATTEMPTS: i64 = 8;
/// How many messages one pass sends.
const BATCH: i64 = 50;

/// The SMTP side: a transport and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer `[mail]` describes; `None` when no host is set (no mail).
    pub fn from_config(c: &MailConfig) -> Result<Option<Mailer>, String> {
        let Some(host) = c.host.as_deref().filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let from: Mailbox = c
            .from
            .as_deref()
            .unwrap_or("Frameproof <frameproof@localhost>")
            .parse()
            .map_err(|e| format!("mail.from is not an address: {e}"))?;
        let builder = match c.tls {
            MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("mail.host {host:?}: {e}"))?,
            MailTls::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| format!("mail.host {host:?}: {e}"))?
            }
        };
        let port = c.port.unwrap_or(match c.tls {
            MailTls::None => 25,
            MailTls::Starttls => 587,
            MailTls::Tls => 465,
        });
        let mut builder = builder.port(port).timeout(Some(Duration::from_secs(20)));
        if let Some(user) = &c.username {
            builder = builder.credentials(Credentials::new(user.clone(), c.password.clone().unwrap_or_default()));
        }
        Ok(Some(Mailer { transport: builder.build(), from }))
    }

    async fn send(&self, m: &outbox::MailRow) -> Result<(), String> {
        let to: Mailbox = m.to_addr.parse().map_err(|e| format!("bad recipient {:?}: {e}", m.to_addr))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .multipart(MultiPart::alternative_plain_html(m.text_body.clone(), m.html_body.clone()))
            .map_err(|e| e.to_string())?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Writing mail

/// One line of a subject: no line breaks, bounded.
fn subject_text(s: &str) -> String {
    let one: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    one.chars().take(150).collect()
}

/// Text as HTML paragraphs (escaped; line breaks kept).
fn paragraphs(s: &str) -> String {
    escape(s).replace('\n', "<br>\n")
}

/// The HTML part: a plain page around escaped content.
fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family: system-ui, sans-serif; line-height: 1.5; max-width: 36em\">\n{body}\n\
         <p style=\"color: #666; font-size: small\">Sent by Frameproof.</p>\n</body></html>\n",
        escape(title)
    )
}

fn button(url: &str, label: &str) -> String {
    format!(
        "<p><a href=\"{}\" style=\"display: inline-block; padding: .6em 1.2em; background: #2456d6; color: #fff; \
         text-decoration: none; border-radius: 4px\">{}</a></p>\n<p style=\"font-size: small\">{}</p>",
        escape(url),
        escape(label),
        escape(url)
    )
}

async fn enqueue(c: &mut Conn, to: &str, kind: &str, subject: &str, text: &str, html: &str, now: i64) -> ApiResult<()> {
    outbox::enqueue(c, &NewMail { to, subject: &subject_text(subject), text, html, kind, now }).await?;
    Ok(())
}

/// A share link, sent to one recipient with the producer's message.
pub async fn share_link(c: &mut Conn, to: &str, sender: &str, link: &LinkRow, url: &str, now: i64) -> ApiResult<()> {
    let subject = format!("{sender} shared \u{201c}{}\u{201d} for review", link.name);
    let mut text = format!("{sender} shared \u{201c}{}\u{201d} with you for review.\n\n", link.name);
    let mut html =
        format!("<p>{} shared <strong>{}</strong> with you for review.</p>\n", escape(sender), escape(&link.name));
    if !link.message.trim().is_empty() {
        text.push_str(&format!("{}\n\n", link.message.trim()));
        html.push_str(&format!("<blockquote>{}</blockquote>\n", paragraphs(link.message.trim())));
    }
    text.push_str(&format!("Open it here (no account needed):\n{url}\n"));
    html.push_str(&button(url, "Open for review"));
    if link.password_hash.is_some() {
        text.push_str("\nThe link is protected by a password; ask the sender for it.\n");
        html.push_str("<p>The link is protected by a password; ask the sender for it.</p>\n");
    }
    if let Some(exp) = link.expires_at {
        let when = Timestamp(exp).to_rfc3339();
        text.push_str(&format!("\nIt works until {when}.\n"));
        html.push_str(&format!("<p>It works until {}.</p>\n", escape(&when)));
    }
    enqueue(c, to, "share-link", &subject, &text, &html_page(&subject, &html), now).await
}

/// A workspace invitation.
pub async fn invitation(
    c: &mut Conn,
    to: &str,
    sender: &str,
    workspace: &str,
    role: Role,
    url: &str,
    now: i64,
) -> ApiResult<()> {
    let subject = format!("{sender} invited you to {workspace} on Frameproof");
    let text = format!(
        "{sender} invited you to join the workspace \u{201c}{workspace}\u{201d} as {}.\n\n\
         Accept the invitation here:\n{url}\n",
        role.as_str()
    );
    let html = format!(
        "<p>{} invited you to join the workspace <strong>{}</strong> as {}.</p>\n{}",
        escape(sender),
        escape(workspace),
        escape(role.as_str()),
        button(url, "Accept the invitation")
    );
    enqueue(c, to, "invitation", &subject, &text, &html_page(&subject, &html), now).await
}

/// A guest's one-time code.
pub async fn verification_code(c: &mut Conn, to: &str, link_name: &str, code: &str, now: i64) -> ApiResult<()> {
    let subject = format!("Your Frameproof code: {code}");
    let text = format!(
        "Your code to open \u{201c}{link_name}\u{201d} is:\n\n    {code}\n\n\
         It works for 15 minutes. If you did not ask for it, ignore this mail.\n"
    );
    let html = format!(
        "<p>Your code to open <strong>{}</strong> is:</p>\n\
         <p style=\"font-size: 2em; letter-spacing: .2em; font-family: monospace\">{}</p>\n\
         <p>It works for 15 minutes. If you did not ask for it, ignore this mail.</p>",
        escape(link_name),
        escape(code)
    );
    enqueue(c, to, "verification-code", &subject, &text, &html_page(&subject, &html), now).await
}

/// A new campaign request, to an intake owner.
pub async fn campaign_requested(
    c: &mut Conn,
    to: &str,
    (owner, workspace): (&str, &str),
    r: &crate::app::intake::RequestView,
    url: &str,
    now: i64,
) -> ApiResult<()> {
    let subject = format!("New campaign request: {}", r.project_name);
    let via = r.link.as_ref().map(|l| format!(" through \u{201c}{}\u{201d}", l.name)).unwrap_or_default();
    let text = format!(
        "Hello {owner},\n\n{} <{}> asked for a new campaign in {workspace}{via}: \u{201c}{}\u{201d}.\n\n\
         Read the brief, then accept it (choosing a workflow) or decline it with a reason:\n{url}\n",
        r.requester.name, r.requester.email, r.project_name
    );
    let html = format!(
        "<p>Hello {},</p>\n<p>{} &lt;{}&gt; asked for a new campaign in {}{}: <strong>{}</strong>.</p>\n\
         <p>Read the brief, then accept it (choosing a workflow) or decline it with a reason.</p>\n{}",
        escape(owner),
        escape(&r.requester.name),
        escape(&r.requester.email),
        escape(workspace),
        escape(&via),
        escape(&r.project_name),
        button(url, "Open the request")
    );
    enqueue(c, to, "campaign-requested", &subject, &text, &html_page(&subject, &html), now).await
}

/// The decision on a request, to its requester: accepted, or declined with the reason.
pub async fn request_decided(
    c: &mut Conn,
    r: &frameproof_store::intake::RequestRow,
    (campaign, workspace): (&str, &str),
    by: &str,
    declined: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let (subject, text, html) = match declined {
        None => {
            let subject = format!("Accepted: {campaign}");
            let text = format!(
                "Hello {},\n\n{by} accepted your campaign request \u{201c}{campaign}\u{201d} in {workspace}. \
                 Work on it starts now.\n",
                r.requester_name
            );
            let html = format!(
                "<p>Hello {},</p>\n<p>{} accepted your campaign request <strong>{}</strong> in {}. Work on it starts now.</p>",
                escape(&r.requester_name),
                escape(by),
                escape(campaign),
                escape(workspace)
            );
            (subject, text, html)
        }
        Some(reason) => {
            let subject = format!("Declined: {campaign}");
            let text = format!(
                "Hello {},\n\n{by} declined your campaign request \u{201c}{campaign}\u{201d} in {workspace}:\n\n{reason}\n",
                r.requester_name
            );
            let html = format!(
                "<p>Hello {},</p>\n<p>{} declined your campaign request <strong>{}</strong> in {}:</p>\n<blockquote>{}</blockquote>",
                escape(&r.requester_name),
                escape(by),
                escape(campaign),
                escape(workspace),
                paragraphs(reason)
            );
            (subject, text, html)
        }
    };
    enqueue(c, &r.requester_email, "request-decided", &subject, &text, &html_page(&subject, &html), now).await
}

/// The lines of a reminder about one item, as text and as HTML.
fn reminder_item(line: &crate::app::reminders::ReminderLine, late: bool, url: Option<&str>) -> (String, String) {
    let late_text = if late { " \u{2014} overdue" } else { "" };
    let mut text = format!(
        "{} ({}): {}, round {}, due {}{late_text}\n",
        line.title, line.campaign, line.stage, line.round, line.due
    );
    let mut html = format!(
        "<li><p><strong>{}</strong> ({}): {}, round {}, due {}{}</p>",
        escape(&line.title),
        escape(&line.campaign),
        escape(&line.stage),
        line.round,
        escape(&line.due),
        if late { " <strong style=\"color: #b00020\">overdue</strong>" } else { "" }
    );
    match url {
        Some(u) => {
            text.push_str(&format!("{u}\n"));
            html.push_str(&format!("<p><a href=\"{}\">Open it</a></p>", escape(u)));
        }
        None => {
            text.push_str("Open it from the review link you were sent.\n");
            html.push_str("<p>Open it from the review link you were sent.</p>");
        }
    }
    html.push_str("</li>\n");
    (text, html)
}

/// A reviewer (or a backup, `instead` of someone) is asked to review.
pub async fn reminder_asked(
    c: &mut Conn,
    to: &str,
    name: &str,
    line: &crate::app::reminders::ReminderLine,
    instead: Option<(&str, bool)>,
    url: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let subject = format!("Please review {}: {} (due {})", line.title, line.stage, line.due);
    let why = match instead {
        Some((other, true)) => format!("You are asked in place of {other}, who is out of office."),
        Some((other, false)) => format!("You are asked in place of {other}, who has not decided in time."),
        None => String::from("You are asked to review this."),
    };
    let (item_text, item_html) = reminder_item(line, false, url);
    let text = format!("Hello {name},\n\n{why}\n\n{item_text}");
    let html = format!("<p>Hello {},</p>\n<p>{}</p>\n<ul>\n{item_html}</ul>", escape(name), escape(&why));
    enqueue(c, to, "reviewer-asked", &subject, &text, &html_page(&subject, &html), now).await
}

/// "Due tomorrow" (`soon`) or "due now", to someone a stage still waits on.
pub async fn reminder_due(
    c: &mut Conn,
    (to, name): (&str, &str),
    line: &crate::app::reminders::ReminderLine,
    soon: bool,
    url: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let (subject, lead) = if soon {
        (format!("Due tomorrow: {} ({})", line.title, line.stage), "This is due on the next working day.")
    } else {
        (format!("Due now: {} ({})", line.title, line.stage), "This is due now and still waits on you.")
    };
    let (item_text, item_html) = reminder_item(line, !soon, url);
    let text = format!("Hello {name},\n\n{lead}\n\n{item_text}");
    let html = format!("<p>Hello {},</p>\n<p>{lead}</p>\n<ul>\n{item_html}</ul>", escape(name));
    enqueue(c, to, if soon { "due-soon" } else { "due-now" }, &subject, &text, &html_page(&subject, &html), now).await
}

/// The 08:00 digest of everything that waits on someone.
pub async fn reminder_digest(
    c: &mut Conn,
    (to, name): (&str, &str),
    lines: &[(crate::app::reminders::ReminderLine, bool, Option<String>)],
    now: i64,
) -> ApiResult<()> {
    let n = lines.len();
    let subject =
        if n == 1 { String::from("1 thing waits on you today") } else { format!("{n} things wait on you today") };
    let mut text = format!("Hello {name},\n\nWaiting on you, soonest due first:\n\n");
    let mut html = format!("<p>Hello {},</p>\n<p>Waiting on you, soonest due first:</p>\n<ul>\n", escape(name));
    for (line, late, url) in lines {
        let (t, h) = reminder_item(line, *late, url.as_deref());
        text.push_str(&t);
        text.push('\n');
        html.push_str(&h);
    }
    text.push_str("You get this mail once a working day while anything waits on you.\n");
    html.push_str("</ul>\n<p>You get this mail once a working day while anything waits on you.</p>");
    enqueue(c, to, "digest", &subject, &text, &html_page(&subject, &html), now).await
}

/// To a campaign's owner: a stage ran late and the clock escalated it.
pub async fn reminder_escalated(
    c: &mut Conn,
    (to, name): (&str, &str),
    line: &crate::app::reminders::ReminderLine,
    (waiting, asked): (&[String], &[String]),
    due: &str,
    url: &str,
    now: i64,
) -> ApiResult<()> {
    let subject = format!("Overdue: {} in {}", line.title, line.stage);
    // A work or delivery stage waits on no reviewer: it has simply not moved on.
    let state = if waiting.is_empty() {
        String::from("and has not moved on.")
    } else if asked.is_empty() {
        format!("and still waits on {}. No backup was named, so no one else was asked.", waiting.join(", "))
    } else {
        format!("and still waits on {}. Asked instead: {}.", waiting.join(", "), asked.join(", "))
    };
    let text = format!(
        "Hello {name},\n\n{} ({}) was due in {} on {due} {state}\n\n{url}\n",
        line.title, line.campaign, line.stage
    );
    let html = format!(
        "<p>Hello {},</p>\n<p><strong>{}</strong> ({}) was due in {} on {} {}</p>\n{}",
        escape(name),
        escape(&line.title),
        escape(&line.campaign),
        escape(&line.stage),
        escape(due),
        escape(&state),
        button(url, "Open the deliverable")
    );
    enqueue(c, to, "escalated", &subject, &text, &html_page(&subject, &html), now).await
}

/// A producer's nudge to one reviewer.
pub async fn reminder_nudge(
    c: &mut Conn,
    (to, name): (&str, &str),
    from: &str,
    line: &crate::app::reminders::ReminderLine,
    message: &str,
    url: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let subject = format!("{from} is waiting on you: {}", line.title);
    let (item_text, item_html) = reminder_item(line, false, url);
    let mut text = format!("Hello {name},\n\n{from} asks you to look at this soon.\n\n");
    let mut html = format!("<p>Hello {},</p>\n<p>{} asks you to look at this soon.</p>\n", escape(name), escape(from));
    if !message.is_empty() {
        text.push_str(&format!("{message}\n\n"));
        html.push_str(&format!("<blockquote>{}</blockquote>\n", paragraphs(message)));
    }
    text.push_str(&item_text);
    html.push_str(&format!("<ul>\n{item_html}</ul>"));
    enqueue(c, to, "nudge", &subject, &text, &html_page(&subject, &html), now).await
}

/// Builds the mention digests that are due into the outbox: one mail per person, listing every
/// comment that mentioned them since their last digest (at most one digest every
/// `limits.mention_digest_secs`; a burst of mentions waits a little to arrive in one mail).
pub async fn queue_digests(state: &AppState) -> ApiResult<usize> {
    let now = state.now().0;
    let every = state.config().limits.mention_digest_secs * 1000;
    let gather = (every / 5).min(60_000);
    let due = {
        let mut c = state.store().reader().await?;
        outbox::digests_due(&mut c, now, gather, every).await?
    };
    let mut sent = 0;
    for user in due {
        let mut tx = state.store().begin().await?;
        if digest_for(state, &mut tx, user, now).await? {
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

async fn digest_for(state: &AppState, c: &mut Conn, user: UserId, now: i64) -> ApiResult<bool> {
    let pending = outbox::take_mentions(&mut *c, user).await?;
    let Some(u) = accounts::user_by_id(&mut *c, user).await? else {
        return Ok(false);
    };
    let mut items = Vec::new();
    for m in pending {
        // Only what they may still see: the comment stands, they still reach the project, and
        // a team-only thread only while they are on the team.
        if m.deleted_at.is_some()
            || !rstore::user_reaches_project(&mut *c, user, frameproof_domain::ProjectId(m.project_id)).await?
        {
            continue;
        }
        if m.team_only && !rstore::user_is_team(&mut *c, user, frameproof_domain::WorkspaceId(m.workspace_id)).await? {
            continue;
        }
        items.push(m);
    }
    if items.is_empty() {
        return Ok(false);
    }
    let n = items.len();
    let subject = if n == 1 {
        format!("{} mentioned you on {}", items[0].author_name, items[0].asset_name)
    } else {
        format!("You were mentioned {n} times on Frameproof")
    };
    let mut text = format!("Hello {},\n\n", u.name);
    let mut html = format!("<p>Hello {},</p>\n<ul>\n", escape(&u.name));
    for m in &items {
        let url = format!("{}/a/{}?v={}&c={}", state.base_url(), m.asset_id, m.version_id, m.comment_id);
        let at = match (m.version_kind.as_str(), m.anchor_in, m.page) {
            ("video", Some(f), _) => format!(" at frame {f}"),
            ("audio", Some(ms), _) => format!(" at {:.1} s", ms as f64 / 1000.0),
            (_, _, Some(p)) => format!(" on page {p}"),
            _ => String::new(),
        };
        let excerpt: String = m.body.chars().take(500).collect();
        text.push_str(&format!(
            "{} on {} v{}{at} ({}):\n{}\n{url}\n\n",
            m.author_name, m.asset_name, m.version_number, m.project_name, excerpt
        ));
        html.push_str(&format!(
            "<li><p><strong>{}</strong> on <a href=\"{}\">{} v{}</a>{} ({}):</p><blockquote>{}</blockquote></li>\n",
            escape(&m.author_name),
            escape(&url),
            escape(&m.asset_name),
            m.version_number,
            escape(&at),
            escape(&m.project_name),
            paragraphs(&excerpt)
        ));
    }
    text.push_str("You get at most one of these mails every few minutes.\n");
    html.push_str("</ul>\n<p>You get at most one of these mails every few minutes.</p>");
    enqueue(&mut *c, &u.email, "mentions", &subject, &text, &html_page(&subject, &html), now).await?;
    outbox::digest_sent(&mut *c, user, now).await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Sending

/// Sends what is due; answers how many went out.
pub async fn send_due(state: &AppState, mailer: &Mailer) -> ApiResult<usize> {
    let now = state.now().0;
    let due = {
        let mut c = state.store().reader().await?;
        outbox::due(&mut c, now, MAX_ATTEMPTS, BATCH).await?
    };
    let mut sent = 0;
    for m in due {
        let result = mailer.send(&m).await;
        let mut tx = state.store().begin().await?;
        match &result {
            Ok(()) => {
                outbox::mark_sent(&mut tx, m.id, state.now().0).await?;
                sent += 1;
            }
            Err(e) => {
                let wait = 30_000i64 << m.attempts.clamp(0, 10);
                if m.attempts + 1 >= MAX_ATTEMPTS {
                    tracing::error!(to = %m.to_addr, kind = %m.kind, attempts = m.attempts + 1, error = %e, "sending mail failed; giving up (it stays in mail_outbox)");
                } else {
                    tracing::warn!(to = %m.to_addr, kind = %m.kind, attempt = m.attempts + 1, error = %e, "sending mail failed; will retry");
                }
                outbox::mark_failed(&mut tx, m.id, e, state.now().0 + wait).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// The mail task: builds due digests and sends due mail, woken at once when something is queued
/// and at least every few seconds otherwise.
pub fn spawn(state: AppState, mut stop: watch::Receiver<bool>) {
    let Some(mailer) = state.mailer().cloned() else {
        return;
    };
    tokio::spawn(async move {
        loop {
            if let Err(e) = queue_digests(&state).await {
                tracing::warn!(error = %e.message, "building mention digests failed; will retry");
            }
            if let Err(e) = send_due(&state, &mailer).await {
                tracing::warn!(error = %e.message, "sending mail failed; will retry");
            }
            tokio::select! {
                _ = state.mail_wakeup() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_keep_line_breaks_and_no_markup() {
        assert_eq!(paragraphs("a\n<b>"), "a<br>\n&lt;b&gt;");
    }

    #[test]
    fn subjects_are_one_bounded_line() {
        assert_eq!(subject_text("a\r\nBcc: x@y.z"), "a  Bcc: x@y.z");
        assert_eq!(subject_text(&"x".repeat(500)).len(), 150);
    }
}
