//! Review notes out to editing software and back: a version's comments exported as marker files
//! (Resolve EDL, FCPXML, FCP7 XML, Avid, OTIO, CSV, text, After Effects script), markers imported
//! as comments (all or nothing, with a dry run). The printable report is [`super::report`].

use frameproof_domain::{Action, CommentId, Timestamp, UserId, VersionId, event};
use frameproof_interchange::{self as ix, ColourBy, ExportOptions, Format, ImportTarget, MarkerState, Sheet};
use frameproof_store::Conn;
use frameproof_store::comments::{self, CommentRow, Filter, NewComment};
use frameproof_store::versions::VersionRow;
use serde::{Deserialize, Serialize};

use super::comments::CommentView;
use super::new_uuid;
use super::review::{require_unlocked, timecode_of};
use crate::access::{Grant, require_not_archived};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
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
pub(super) async fn threads(
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
