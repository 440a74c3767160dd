//! Comments: threads anchored to a frame or range (video), a millisecond or range (audio), a
//! point (images) or a page (PDFs); drawings; replies; mentions; resolve and reopen; edits that
//! keep history; team-only threads; carrying open threads forward onto a newer version.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frameproof_domain::review::{self, AnchorInput, Annotation, Medium};
use frameproof_domain::{Action, CommentId, GuestSessionId, Timestamp, UserId, VersionId, event};
use frameproof_store::WriteTx;
use frameproof_store::comments::{self, CommentRow, Filter, NewComment};
use frameproof_store::projects::ProjectRow;
use frameproof_store::versions::VersionRow;
use frameproof_store::{Conn, review as rstore, versions};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::new_uuid;
use super::review::{require_unlocked, timecode_of};
use crate::access::{Grant, require, require_not_archived};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, Encoded, EventScope};
use crate::model::Page;
use crate::state::AppState;

/// The most people one comment may mention.
const MAX_MENTIONS: usize = 50;

/// Who wrote a comment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthorView {
    /// The member's id (guests have none).
    pub id: Option<UserId>,
    pub name: String,
    /// `user` (a workspace member) or `guest`.
    pub kind: &'static str,
    /// A guest's e-mail (members see it; a guest sees only their own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A comment as the API shows it: its anchor both as frames (the truth) and as SMPTE timecode
/// (derived from the version's rate and start timecode).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    pub id: CommentId,
    pub version_id: VersionId,
    /// The thread it replies to (null for a thread's first comment).
    pub parent_id: Option<CommentId>,
    pub author: AuthorView,
    pub body: String,
    /// Video: the 0-based proxy frame (first of a range).
    pub frame: Option<i64>,
    /// Video: last frame of an inclusive range.
    pub frame_out: Option<i64>,
    /// SMPTE label of `frame` (`;` before the frames when drop-frame).
    pub timecode: Option<String>,
    /// SMPTE label of `frame_out`.
    pub timecode_out: Option<String>,
    /// Audio: the millisecond (first of a range).
    pub ms: Option<i64>,
    pub ms_out: Option<i64>,
    /// PDF: the 1-based page.
    pub page: Option<i64>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub annotation: Option<Annotation>,
    /// Visible to the team (owners, admins, members) only.
    pub team_only: bool,
    pub resolved: bool,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<UserId>,
    /// Mentioned members.
    pub mentions: Vec<UserId>,
    /// The comment on an earlier version this one was carried forward from.
    pub carried_from: Option<CommentId>,
    pub edited_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub reply_count: i64,
    /// The caller wrote it (so may edit and delete it). A guest's comments are theirs in the
    /// session that wrote them.
    #[serde(default)]
    pub mine: bool,
    /// The guest session that wrote it (never shown; decides `mine`).
    #[serde(skip)]
    #[schema(ignore)]
    pub guest_session: Option<Uuid>,
    /// Replies, oldest first (threads only; empty on replies).
    #[schema(no_recursion)]
    pub replies: Vec<CommentView>,
}

fn view(v: &VersionRow, r: &CommentRow) -> CommentView {
    let video = v.kind == "video";
    let tc = if video { timecode_of(v).map(|(tc, _)| tc) } else { None };
    let label = |f: Option<i64>| match (&tc, f) {
        (Some(tc), Some(f)) if f >= 0 => Some(tc.label(f as u64)),
        _ => None,
    };
    let (frame, frame_out, ms, ms_out) = if v.kind == "audio" {
        (None, None, r.anchor_in, r.anchor_out)
    } else {
        (r.anchor_in, r.anchor_out, None, None)
    };
    CommentView {
        id: r.id,
        version_id: r.version_id,
        parent_id: r.parent_id.map(CommentId),
        author: AuthorView {
            id: r.author_id.map(UserId),
            name: r.author_name.clone(),
            kind: if r.guest_session_id.is_some() { "guest" } else { "user" },
            email: r.author_email.clone(),
        },
        body: r.body.clone(),
        frame,
        frame_out,
        timecode: label(frame),
        timecode_out: label(frame_out),
        ms,
        ms_out,
        page: r.page,
        x: r.x,
        y: r.y,
        annotation: r.annotation.as_deref().and_then(|a| serde_json::from_str(a).ok()),
        team_only: r.team_only,
        resolved: r.resolved_at.is_some(),
        resolved_at: r.resolved_at.map(Timestamp),
        resolved_by: r.resolved_by.map(UserId),
        mentions: r.mention_ids(),
        carried_from: r.carried_from.map(CommentId),
        edited_at: r.edited_at.map(Timestamp),
        created_at: Timestamp(r.created_at),
        updated_at: Timestamp(r.updated_at),
        reply_count: r.reply_count,
        mine: false,
        guest_session: r.guest_session_id,
        replies: Vec::new(),
    }
}

/// Removes guests' e-mails from views, but `keep` (a guest's own).
pub fn hide_emails(views: &mut [CommentView], keep: Option<&str>) {
    for v in views {
        if v.author.email.as_deref() != keep || keep.is_none() {
            v.author.email = None;
        }
        hide_emails(&mut v.replies, keep);
    }
}

/// Marks what the caller wrote.
fn mark_mine(caller: &Caller, views: &mut [CommentView]) {
    for v in views {
        v.mine = match caller {
            Caller::User(p) => v.author.id == Some(p.user_id),
            Caller::Guest(g) => v.guest_session == Some(g.session.id.0),
        };
        mark_mine(caller, &mut v.replies);
    }
}

/// Shapes views for the caller: what they wrote is marked, and a guest sees no other guest's
/// e-mail.
fn for_caller(caller: &Caller, mut views: Vec<CommentView>) -> Vec<CommentView> {
    mark_mine(caller, &mut views);
    if let Some(g) = caller.guest() {
        hide_emails(&mut views, Some(&g.session.email));
    }
    views
}

/// Whether the caller wrote the comment (a guest: in this session).
fn is_author(caller: &Caller, row: &CommentRow) -> bool {
    match caller {
        Caller::User(p) => row.author_id == Some(p.user_id.0),
        Caller::Guest(g) => row.guest_session_id == Some(g.session.id.0),
    }
}

/// Views of threads with their replies attached.
pub fn views(v: &VersionRow, threads: &[CommentRow], replies: &[CommentRow]) -> Vec<CommentView> {
    threads
        .iter()
        .map(|t| {
            let mut tv = view(v, t);
            tv.replies = replies.iter().filter(|r| r.parent_id == Some(t.id.0)).map(|r| view(v, r)).collect();
            tv
        })
        .collect()
}

/// What a version's kind lets a comment anchor to.
fn medium(v: &VersionRow) -> ApiResult<Medium> {
    let not_ready = || ApiError::conflict("version-processing", "the version is still being read; comment in a moment");
    Ok(match v.kind.as_str() {
        "video" => Medium::Video { frame_count: v.frame_count.ok_or_else(not_ready)? },
        "audio" => Medium::Audio { duration_ms: v.duration_us.ok_or_else(not_ready)? / 1000 },
        "image" => Medium::Image,
        "pdf" => Medium::Pdf { page_count: v.page_count.ok_or_else(not_ready)? },
        _ => return Err(not_ready()),
    })
}

fn invalid(e: review::InvalidAnchor) -> ApiError {
    ApiError::bad_request("invalid-anchor", e.0)
}

/// Checks mentions: active members who can see the project (and, on a team-only thread, are on
/// the team).
async fn check_mentions(c: &mut Conn, project: &ProjectRow, team_only: bool, ids: &[UserId]) -> ApiResult<Vec<UserId>> {
    let mut out: Vec<UserId> = Vec::new();
    for u in ids {
        if out.contains(u) {
            continue;
        }
        if out.len() == MAX_MENTIONS {
            return Err(ApiError::bad_request("too-many-mentions", format!("mention at most {MAX_MENTIONS} people")));
        }
        let ok = rstore::user_reaches_project(&mut *c, *u, project.id).await?
            && (!team_only || rstore::user_is_team(&mut *c, *u, project.workspace_id).await?);
        if !ok {
            return Err(ApiError::bad_request(
                "invalid-mention",
                format!(
                    "{u} cannot be mentioned here: not a member who can see this {}",
                    if team_only { "team-only thread" } else { "project" }
                ),
            ));
        }
        out.push(*u);
    }
    Ok(out)
}

/// Guests mention no one: the member list is not theirs to see.
fn no_guest_mentions(caller: &Caller, mentions: &[UserId]) -> ApiResult<()> {
    if caller.guest().is_some() && !mentions.is_empty() {
        return Err(ApiError::forbidden("guests cannot mention members"));
    }
    Ok(())
}

/// What follows a new comment in its transaction: the mentioned members' mail digest, and the
/// guest's access log.
async fn after_comment(
    state: &AppState,
    c: &mut Conn,
    caller: &Caller,
    v: &VersionRow,
    row: &CommentRow,
    mentions: &[UserId],
    now: i64,
) -> ApiResult<()> {
    // Mention digests go out by mail: without mail nothing would ever drain the queue.
    if state.mailer().is_some() {
        frameproof_store::mail::queue_mentions(&mut *c, mentions, row.id, now).await?;
    }
    if let Some(g) = caller.guest() {
        crate::app::shares::log(
            &mut *c,
            g,
            "commented",
            (Some(v.asset_id), Some(v.id)),
            &serde_json::json!({"comment_id": row.id, "reply": row.parent_id.is_some()}),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A comment the caller can see, with its version, project and the caller's role.
async fn reach(
    c: &mut Conn,
    caller: &Caller,
    id: CommentId,
) -> ApiResult<(CommentRow, VersionRow, frameproof_store::assets::AssetRow, ProjectRow, Grant)> {
    let row = comments::get(&mut *c, id).await?.filter(|r| r.deleted_at.is_none()).ok_or_else(ApiError::not_found)?;
    let (v, asset, project, grant) = super::versions::reach_for(&mut *c, caller, row.version_id).await?;
    if row.team_only && !grant.is_team() {
        return Err(ApiError::not_found());
    }
    Ok((row, v, asset, project, grant))
}

async fn announce(
    c: &mut WriteTx,
    kind: &str,
    now: i64,
    caller: &Caller,
    project: &ProjectRow,
    v: &VersionRow,
    view: &CommentView,
) -> ApiResult<()> {
    frameproof_store::events::append(c, &encoded(kind, now, caller, project, v, view)?.event()).await?;
    Ok(())
}

/// A comment event as streams show it.
fn encoded<'a>(
    kind: &'a str,
    now: i64,
    caller: &Caller,
    project: &ProjectRow,
    v: &VersionRow,
    view: &CommentView,
) -> ApiResult<Encoded<'a>> {
    let mut scope = EventScope::version(project.workspace_id, project.id, v.asset_id, v.id);
    scope.team_only = view.team_only;
    // Streams reach guests too: no guest's e-mail travels in an event.
    let mut shown = std::slice::from_ref(view).to_vec();
    hide_emails(&mut shown, None);
    Ok(Encoded::new(kind, now, &Actor::of(caller), scope, &shown[0])?)
}

/// Starts the write that adds a new comment (thread or reply) with its `comment.created`
/// event: both go in the write's first round trip. The lock is what must hold at the write,
/// and the insert checks it: 409 `version-locked` (or 404) when the version locked (or went)
/// since it was read.
async fn add(
    state: &AppState,
    caller: &Caller,
    project: &ProjectRow,
    v: &VersionRow,
    new: &NewComment<'_>,
    out: &CommentView,
) -> ApiResult<WriteTx> {
    let e = encoded(event::COMMENT_CREATED, new.now, caller, project, v, out)?;
    let claim = state.store().claim().await?;
    let (mut tx, added) = comments::insert_announced(claim, new, &e.event()).await?;
    if !added {
        return Err(refused(&mut tx, v).await);
    }
    Ok(tx)
}

/// `POST /api/v1/versions/{id}/comments`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    #[serde(default)]
    pub body: String,
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
    pub annotation: Option<Annotation>,
    /// Only the team sees it (not reviewers, not guests).
    #[serde(default)]
    pub team_only: bool,
    /// Members mentioned in the text.
    #[serde(default)]
    pub mentions: Vec<UserId>,
}

pub async fn create(state: &AppState, caller: &Caller, id: VersionId, req: CreateComment) -> ApiResult<CommentView> {
    let annotation = req.annotation.map(review::annotation).transpose().map_err(invalid)?;
    let body = review::comment_body(&req.body, annotation.is_some())?;
    let annotation_json = annotation.as_ref().map(serde_json::to_string).transpose().map_err(ApiError::internal)?;
    no_guest_mentions(caller, &req.mentions)?;
    // Access, the anchor and the mentions are checked before the writer is claimed, so the one
    // writer does only the writes (many people commenting at once queue for less). A member
    // commenting again reuses what they reached a moment ago, unless something changed since
    // (see access::version_recent); the comment's INSERT checks the lock again.
    let (member, guest);
    let (v, project, grant) = match caller {
        Caller::User(p) => {
            member = crate::access::version_recent(state, p, id).await?;
            (&member.0, &member.2, Grant::Member(member.3))
        }
        Caller::Guest(_) => {
            let mut c = state.store().reader().await?;
            guest = super::versions::reach_for(&mut c, caller, id).await?;
            (&guest.0, &guest.2, guest.3.clone())
        }
    };
    grant.require(Action::Comment)?;
    require_not_archived(project)?;
    require_unlocked(v)?;
    if req.team_only && !grant.is_team() {
        return Err(ApiError::forbidden("only the team (owners, admins, members) writes team-only comments"));
    }
    let input = AnchorInput {
        frame: req.frame,
        frame_out: req.frame_out,
        ms: req.ms,
        ms_out: req.ms_out,
        page: req.page,
        x: req.x,
        y: req.y,
    };
    let anchor = review::anchor(medium(v)?, &input).map_err(invalid)?;
    let mentions = if req.mentions.is_empty() {
        Vec::new()
    } else {
        let mut c = state.store().reader().await?;
        check_mentions(&mut c, project, req.team_only, &req.mentions).await?
    };
    let now = state.now().0;
    let new = NewComment {
        id: CommentId(new_uuid(Timestamp(now))),
        version_id: v.id,
        parent_id: None,
        author_id: caller.user_id(),
        author_name: caller.name(),
        guest: caller.guest().map(|g| (g.session.id, g.session.email.as_str())),
        body: &body,
        anchor_in: anchor.at,
        anchor_out: anchor.out,
        page: anchor.page,
        point: anchor.point,
        annotation: annotation_json.as_deref(),
        team_only: req.team_only,
        sort_key: anchor.sort_key(),
        carried_from: None,
        mentions: &mentions,
        now,
    };
    let row = CommentRow::of_new(&new);
    let out = view(v, &row);
    let mut tx = add(state, caller, project, v, &new, &out).await?;
    after_comment(state, &mut tx, caller, v, &row, &mentions, now).await?;
    tx.commit().await?;
    Ok(for_caller(caller, vec![out]).remove(0))
}

/// Inserts a comment on an unlocked version; 409 `version-locked` (or 404) when the version
/// locked (or went) since it was read.
pub(crate) async fn insert(c: &mut Conn, v: &VersionRow, new: &NewComment<'_>) -> ApiResult<()> {
    if comments::insert(&mut *c, new).await? {
        return Ok(());
    }
    Err(refused(c, v).await)
}

/// Why a comment on `v` was not inserted: 409 `version-locked` (or 404) when the version
/// locked (or went) since it was read.
async fn refused(c: &mut Conn, v: &VersionRow) -> ApiError {
    match versions::locked(c, v.id).await {
        Err(e) => e.into(),
        Ok(None) => ApiError::not_found(),
        Ok(Some(true)) => ApiError::conflict(
            "version-locked",
            format!("v{} is approved and locked; an owner or admin must unlock it first", v.number),
        ),
        Ok(Some(false)) => ApiError::internal("a comment on an unlocked version was not inserted"),
    }
}

/// `POST /api/v1/comments/{id}/replies`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReply {
    pub body: String,
    #[serde(default)]
    pub mentions: Vec<UserId>,
}

pub async fn reply(state: &AppState, caller: &Caller, id: CommentId, req: CreateReply) -> ApiResult<CommentView> {
    let body = review::comment_body(&req.body, false)?;
    no_guest_mentions(caller, &req.mentions)?;
    // Checks on a reader; the writer only writes (as for new threads).
    let (root, v, project, mentions) = {
        let mut c = state.store().reader().await?;
        let (parent, v, _, project, grant) = reach(&mut c, caller, id).await?;
        grant.require(Action::Comment)?;
        require_not_archived(&project)?;
        require_unlocked(&v)?;
        // A reply to a reply joins the same thread.
        let root = match parent.parent_id {
            Some(r) => comments::get(&mut c, CommentId(r)).await?.ok_or_else(ApiError::not_found)?,
            None => parent,
        };
        let mentions = check_mentions(&mut c, &project, root.team_only, &req.mentions).await?;
        (root, v, project, mentions)
    };
    let now = state.now().0;
    let new = NewComment {
        id: CommentId(new_uuid(Timestamp(now))),
        version_id: v.id,
        parent_id: Some(root.id),
        author_id: caller.user_id(),
        author_name: caller.name(),
        guest: caller.guest().map(|g| (g.session.id, g.session.email.as_str())),
        body: &body,
        anchor_in: None,
        anchor_out: None,
        page: None,
        point: None,
        annotation: None,
        team_only: root.team_only,
        sort_key: root.sort_key,
        carried_from: None,
        mentions: &mentions,
        now,
    };
    let row = CommentRow::of_new(&new);
    let out = view(&v, &row);
    let mut tx = add(state, caller, &project, &v, &new, &out).await?;
    after_comment(state, &mut tx, caller, &v, &row, &mentions, now).await?;
    tx.commit().await?;
    Ok(for_caller(caller, vec![out]).remove(0))
}

/// `GET /api/v1/versions/{id}/comments`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentListParams {
    /// `open`, `resolved` or `all` (default).
    pub state: Option<String>,
    /// Only threads this member started.
    pub author: Option<UserId>,
    /// `true`: only threads with a drawing; `false`: only without.
    pub has_annotation: Option<bool>,
    /// Threads per page (default 50, at most the server's `limits.max_page_size`).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

fn encode_cursor(r: &CommentRow) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}:{}", r.sort_key, r.created_at, r.id.0.simple()))
}

fn decode_cursor(s: &str) -> Option<comments::After> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
    let mut parts = raw.split(':');
    let k = parts.next()?.parse().ok()?;
    let t = parts.next()?.parse().ok()?;
    let id = Uuid::try_parse(parts.next()?).ok()?;
    parts.next().is_none().then_some((k, t, id))
}

/// A version's threads in frame order (then time), each with its replies.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    id: VersionId,
    q: CommentListParams,
) -> ApiResult<Page<CommentView>> {
    let resolved = match q.state.as_deref() {
        None | Some("all") => None,
        Some("open") => Some(false),
        Some("resolved") => Some(true),
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid-state",
                format!("state must be open, resolved or all, not {other:?}"),
            ));
        }
    };
    let limit = super::page_limit(state, q.limit, 50)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| {
            decode_cursor(c)
                .ok_or_else(|| ApiError::bad_request("invalid-cursor", "the cursor is not valid for this list"))
        })
        .transpose()?;
    let mut c = state.store().reader().await?;
    let (v, _, _, grant) = super::versions::reach_for(&mut c, caller, id).await?;
    let filter = Filter { resolved, author: q.author, has_annotation: q.has_annotation, public_only: !grant.is_team() };
    let mut threads = comments::threads(&mut c, v.id, &filter, after, i64::from(limit) + 1).await?;
    let more = threads.len() > limit as usize;
    threads.truncate(limit as usize);
    let ids: Vec<CommentId> = threads.iter().map(|t| t.id).collect();
    let replies = comments::replies(&mut c, &ids).await?;
    let next_cursor = if more { threads.last().map(encode_cursor) } else { None };
    Ok(Page { items: for_caller(caller, views(&v, &threads, &replies)), next_cursor })
}

pub async fn get(state: &AppState, caller: &Caller, id: CommentId) -> ApiResult<CommentView> {
    let mut c = state.store().reader().await?;
    let (row, v, _, _, _) = reach(&mut c, caller, id).await?;
    let replies = if row.parent_id.is_none() { comments::replies(&mut c, &[row.id]).await? } else { Vec::new() };
    Ok(for_caller(caller, views(&v, std::slice::from_ref(&row), &replies)).remove(0))
}

/// `PATCH /api/v1/comments/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditComment {
    pub body: Option<String>,
    /// Replace the drawing (threads only); `null` removes it.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<Annotation>)]
    pub annotation: Option<Option<Annotation>>,
    pub mentions: Option<Vec<UserId>>,
}

pub async fn edit(state: &AppState, caller: &Caller, id: CommentId, req: EditComment) -> ApiResult<CommentView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (row, v, _, project, grant) = reach(&mut tx, caller, id).await?;
    require_not_archived(&project)?;
    require_unlocked(&v)?;
    if grant.guest().is_some() {
        // A link whose comment permission was taken away no longer edits either.
        grant.require(Action::Comment)?;
    }
    if let Some(m) = &req.mentions {
        no_guest_mentions(caller, m)?;
    }
    if !is_author(caller, &row) {
        return Err(ApiError::forbidden("only its author edits a comment"));
    }
    if row.parent_id.is_some() && matches!(req.annotation, Some(Some(_))) {
        return Err(ApiError::bad_request("not-a-thread", "replies carry no drawing"));
    }
    let annotation = match req.annotation {
        Some(a) => a
            .map(review::annotation)
            .transpose()
            .map_err(invalid)?
            .map(|a| serde_json::to_string(&a))
            .transpose()
            .map_err(ApiError::internal)?,
        None => row.annotation.clone(),
    };
    let body = review::comment_body(req.body.as_deref().unwrap_or(&row.body), annotation.is_some())?;
    let mentions = match &req.mentions {
        Some(m) => check_mentions(&mut tx, &project, row.team_only, m).await?,
        None => row.mention_ids(),
    };
    comments::edit(&mut tx, &row, &body, annotation.as_deref(), &mentions, caller.user_id(), now).await?;
    let row = comments::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let out = view(&v, &row);
    announce(&mut tx, event::COMMENT_EDITED, now, caller, &project, &v, &out).await?;
    tx.commit().await?;
    Ok(for_caller(caller, vec![out]).remove(0))
}

/// An earlier text of a comment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommentEditView {
    pub body: String,
    pub annotation: Option<Annotation>,
    /// When this text was replaced.
    pub replaced_at: Timestamp,
}

/// What a comment said before each edit, oldest first.
pub async fn history(state: &AppState, caller: &Caller, id: CommentId) -> ApiResult<Vec<CommentEditView>> {
    let mut c = state.store().reader().await?;
    let (row, _, _, _, _) = reach(&mut c, caller, id).await?;
    Ok(comments::history(&mut c, row.id)
        .await?
        .into_iter()
        .map(|(body, a, at)| CommentEditView {
            body,
            annotation: a.and_then(|a| serde_json::from_str(&a).ok()),
            replaced_at: Timestamp(at),
        })
        .collect())
}

/// Deletes a comment (a thread goes with its replies). Authors delete their own; owners and
/// admins any.
pub async fn delete(state: &AppState, caller: &Caller, id: CommentId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (row, v, _, project, grant) = reach(&mut tx, caller, id).await?;
    require_not_archived(&project)?;
    require_unlocked(&v)?;
    if grant.guest().is_some() {
        grant.require(Action::Comment)?;
    }
    if !is_author(caller, &row) && !grant.role().is_ok_and(|r| r.allows(Action::ManageLocks)) {
        return Err(ApiError::forbidden("only its author (or an owner or admin) deletes a comment"));
    }
    comments::soft_delete(&mut tx, row.id, now).await?;
    let mut out = view(&v, &row);
    out.body = String::new();
    out.annotation = None;
    announce(&mut tx, event::COMMENT_DELETED, now, caller, &project, &v, &out).await?;
    tx.commit().await?;
    Ok(())
}

/// Resolves (`true`) or reopens a thread.
pub async fn set_resolved(state: &AppState, p: &Principal, id: CommentId, resolved: bool) -> ApiResult<CommentView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let caller = Caller::User(p.clone());
    let (row, v, _, project, grant) = reach(&mut tx, &caller, id).await?;
    grant.require(Action::Comment)?;
    require_not_archived(&project)?;
    require_unlocked(&v)?;
    if row.parent_id.is_some() {
        return Err(ApiError::bad_request("not-a-thread", "resolve the thread, not a reply"));
    }
    let changed = comments::set_resolved(&mut tx, row.id, resolved.then_some(Some(p.user_id)), now).await?;
    let row = comments::get(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let out = view(&v, &row);
    if changed {
        let kind = if resolved { event::COMMENT_RESOLVED } else { event::COMMENT_REOPENED };
        announce(&mut tx, kind, now, &caller, &project, &v, &out).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// `POST /api/v1/versions/{id}/carry-forward`
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryForward {
    /// The version to carry from (default: the one numbered just below).
    pub from_version_id: Option<VersionId>,
    /// Only these threads (default: every open thread).
    pub comment_ids: Option<Vec<CommentId>>,
}

/// A thread that was not carried, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub comment_id: CommentId,
    /// `already-carried`, `resolved`, or `anchor-out-of-range` (e.g. past the new cut's end).
    pub reason: &'static str,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CarryResult {
    pub from_version_id: VersionId,
    /// The new threads on this version (each names the original in `carried_from`).
    pub carried: Vec<CommentView>,
    pub skipped: Vec<Skipped>,
}

pub async fn carry_forward(
    state: &AppState,
    p: &Principal,
    id: VersionId,
    req: CarryForward,
) -> ApiResult<CarryResult> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, role) = super::versions::reach(&mut tx, p, id).await?;
    require(role, Action::ManageReview)?;
    require_not_archived(&project)?;
    require_unlocked(&v)?;
    let stack = versions::of_asset(&mut tx, asset.id).await?;
    let from = match req.from_version_id {
        Some(f) => stack.iter().find(|s| s.id == f && s.id != v.id).ok_or_else(|| {
            ApiError::bad_request("not-in-stack", "from_version_id must be another version of the same asset")
        })?,
        None => stack.iter().filter(|s| s.number < v.number).max_by_key(|s| s.number).ok_or_else(|| {
            ApiError::bad_request("no-previous-version", "there is no earlier version to carry comments from")
        })?,
    }
    .clone();
    if from.kind != v.kind {
        return Err(ApiError::conflict(
            "kind-mismatch",
            format!(
                "v{} is {} and v{} is {}: anchors do not carry across kinds",
                from.number, from.kind, v.number, v.kind
            ),
        ));
    }
    let target = medium(&v)?;
    let open = comments::open_threads(&mut tx, from.id, false).await?;
    let already = comments::carried_onto(&mut tx, v.id).await?;
    let wanted: Vec<CommentRow> = match &req.comment_ids {
        None => open,
        Some(ids) => {
            let mut out = Vec::new();
            for cid in ids {
                let row = comments::get(&mut tx, *cid)
                    .await?
                    .filter(|r| r.version_id == from.id && r.parent_id.is_none() && r.deleted_at.is_none())
                    .ok_or_else(|| {
                        ApiError::bad_request("not-in-version", format!("{cid} is not a thread of v{}", from.number))
                    })?;
                out.push(row);
            }
            out
        }
    };
    let mut carried = Vec::new();
    let mut skipped = Vec::new();
    for orig in wanted {
        if already.contains(&orig.id.0) {
            skipped.push(Skipped {
                comment_id: orig.id,
                reason: "already-carried",
                message: String::from("already carried onto this version"),
            });
            continue;
        }
        if orig.resolved_at.is_some() {
            skipped.push(Skipped {
                comment_id: orig.id,
                reason: "resolved",
                message: String::from("the thread is resolved"),
            });
            continue;
        }
        let input = AnchorInput {
            frame: (v.kind != "audio").then_some(orig.anchor_in).flatten(),
            frame_out: (v.kind != "audio").then_some(orig.anchor_out).flatten(),
            ms: (v.kind == "audio").then_some(orig.anchor_in).flatten(),
            ms_out: (v.kind == "audio").then_some(orig.anchor_out).flatten(),
            page: orig.page,
            x: orig.x,
            y: orig.y,
        };
        let anchor = match review::anchor(target, &input) {
            Ok(a) => a,
            Err(e) => {
                skipped.push(Skipped { comment_id: orig.id, reason: "anchor-out-of-range", message: e.0 });
                continue;
            }
        };
        let cid = CommentId(new_uuid(Timestamp(now)));
        insert(
            &mut tx,
            &v,
            &NewComment {
                id: cid,
                version_id: v.id,
                parent_id: None,
                author_id: orig.author_id.map(UserId),
                author_name: &orig.author_name,
                body: &orig.body,
                anchor_in: anchor.at,
                anchor_out: anchor.out,
                page: anchor.page,
                point: anchor.point,
                annotation: orig.annotation.as_deref(),
                team_only: orig.team_only,
                sort_key: anchor.sort_key(),
                carried_from: Some(orig.id),
                guest: orig.guest_session_id.map(GuestSessionId).zip(orig.author_email.as_deref()),
                mentions: &[],
                now,
            },
        )
        .await?;
        let row = comments::get(&mut tx, cid).await?.ok_or_else(ApiError::not_found)?;
        let out = view(&v, &row);
        announce(&mut tx, event::COMMENT_CREATED, now, &Caller::User(p.clone()), &project, &v, &out).await?;
        carried.push(out);
    }
    tx.commit().await?;
    Ok(CarryResult { from_version_id: from.id, carried, skipped })
}
