//! What the API answers with: typed views of the stored rows.

use frameproof_domain::quota::StorageUsage;
use frameproof_domain::{
    AssetId, FolderId, FrameRate, InviteId, ProjectId, Role, Timestamp, UserId, VersionId, WorkspaceId,
};
use frameproof_store::accounts::{ApiTokenRow, SessionRow, UserRow};
use frameproof_store::assets::AssetRow;
use frameproof_store::folders::FolderRow;
use frameproof_store::projects::{ProjectMemberRow, ProjectRow};
use frameproof_store::versions::{RenditionRow, VersionRow};
use frameproof_store::workspaces::{InviteRow, MemberRow, WorkspaceRow};
use serde::Serialize;
use uuid::Uuid;

/// A page of a list. `next_cursor` is null on the last page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A complete list in one page.
    pub fn all(items: Vec<T>) -> Self {
        Self { items, next_cursor: None }
    }
}

fn ts(ms: i64) -> Timestamp {
    Timestamp(ms)
}

fn opt_ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.map(Timestamp)
}

/// A person with an account.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub created_at: Timestamp,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        Self { id: u.id, email: u.email.clone(), name: u.name.clone(), created_at: ts(u.created_at) }
    }
}

/// A signed-in browser session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    /// The session this request was made with.
    pub current: bool,
}

impl SessionView {
    pub fn new(s: &SessionRow, current: Option<Uuid>) -> Self {
        Self {
            id: s.id,
            created_at: ts(s.created_at),
            last_seen_at: ts(s.last_seen_at),
            expires_at: ts(s.expires_at),
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
            current: Some(s.id) == current,
        }
    }
}

/// A personal API token (the secret itself is shown only once, at creation).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiTokenView {
    pub id: Uuid,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

impl From<&ApiTokenRow> for ApiTokenView {
    fn from(t: &ApiTokenRow) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created_at: ts(t.created_at),
            last_used_at: opt_ts(t.last_used_at),
            expires_at: opt_ts(t.expires_at),
        }
    }
}

/// A workspace as its member sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceView {
    pub id: WorkspaceId,
    pub name: String,
    /// The caller's role here.
    pub role: Role,
    pub storage: StorageUsage,
    /// The IANA time zone documents for people (the printable report) write times in;
    /// `UTC` until an owner or admin sets one. The API's own times stay RFC 3339 UTC.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl WorkspaceView {
    pub fn new(w: &WorkspaceRow, role: Role) -> Self {
        Self {
            id: w.id,
            name: w.name.clone(),
            role,
            storage: usage(w),
            time_zone: w.time_zone.clone(),
            created_at: ts(w.created_at),
            updated_at: ts(w.updated_at),
        }
    }
}

/// A workspace as events carry it: the same for every member (no caller's role).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkspaceEvent {
    pub id: WorkspaceId,
    pub name: String,
    pub storage: StorageUsage,
    /// The workspace's IANA time zone.
    pub time_zone: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&WorkspaceRow> for WorkspaceEvent {
    fn from(w: &WorkspaceRow) -> Self {
        Self {
            id: w.id,
            name: w.name.clone(),
            storage: usage(w),
            time_zone: w.time_zone.clone(),
            created_at: ts(w.created_at),
            updated_at: ts(w.updated_at),
        }
    }
}

/// Storage use of a workspace against its quota.
pub fn usage(w: &WorkspaceRow) -> StorageUsage {
    StorageUsage::new(w.quota_bytes, w.originals_bytes, w.derived_bytes)
}

/// A workspace member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// False once deactivated: the person keeps their history but cannot reach the workspace.
    pub active: bool,
    pub joined_at: Timestamp,
}

impl From<&MemberRow> for MemberView {
    fn from(m: &MemberRow) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email.clone(),
            name: m.name.clone(),
            role: m.role(),
            active: m.deactivated_at.is_none(),
            joined_at: ts(m.created_at),
        }
    }
}

/// An invitation to a workspace.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteView {
    pub id: InviteId,
    pub workspace_id: WorkspaceId,
    pub email: String,
    pub role: Role,
    /// Projects a reviewer invitee is added to on acceptance.
    pub project_ids: Vec<ProjectId>,
    pub invited_by: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

impl From<&InviteRow> for InviteView {
    fn from(i: &InviteRow) -> Self {
        Self {
            id: i.id,
            workspace_id: i.workspace_id,
            email: i.email.clone(),
            role: i.role(),
            project_ids: i.projects().unwrap_or_default(),
            invited_by: i.invited_by,
            created_at: ts(i.created_at),
            expires_at: ts(i.expires_at),
        }
    }
}

/// A project (campaign).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: ProjectId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: String,
    pub root_folder_id: FolderId,
    pub archived: bool,
    pub archived_at: Option<Timestamp>,
    /// Set while the project is in the trash.
    pub deleted_at: Option<Timestamp>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&ProjectRow> for ProjectView {
    fn from(p: &ProjectRow) -> Self {
        Self {
            id: p.id,
            workspace_id: p.workspace_id,
            name: p.name.clone(),
            description: p.description.clone(),
            root_folder_id: p.root_folder_id,
            archived: p.archived_at.is_some(),
            archived_at: opt_ts(p.archived_at),
            deleted_at: opt_ts(p.deleted_at),
            created_by: p.created_by,
            created_at: ts(p.created_at),
            updated_at: ts(p.updated_at),
        }
    }
}

/// Someone added to a project (reviewers see only such projects).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectMemberView {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub added_at: Timestamp,
}

impl From<&ProjectMemberRow> for ProjectMemberView {
    fn from(m: &ProjectMemberRow) -> Self {
        Self { user_id: m.user_id, email: m.email.clone(), name: m.name.clone(), added_at: ts(m.created_at) }
    }
}

/// A folder.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FolderView {
    pub id: FolderId,
    pub project_id: ProjectId,
    /// Null for a project's root folder.
    pub parent_id: Option<FolderId>,
    pub name: String,
    pub deleted_at: Option<Timestamp>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&FolderRow> for FolderView {
    fn from(f: &FolderRow) -> Self {
        Self {
            id: f.id,
            project_id: f.project_id,
            parent_id: f.parent(),
            name: f.name.clone(),
            deleted_at: opt_ts(f.deleted_at),
            created_by: f.created_by,
            created_at: ts(f.created_at),
            updated_at: ts(f.updated_at),
        }
    }
}

/// An asset: a stack of versions (none until the first upload).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssetView {
    pub id: AssetId,
    pub project_id: ProjectId,
    pub folder_id: FolderId,
    pub name: String,
    pub description: String,
    /// How many versions the stack holds (0 until the first upload).
    pub version_count: i64,
    /// The version reviewers see by default.
    pub current_version_id: Option<VersionId>,
    /// A summary of the current version, for listings.
    pub current_version: Option<CurrentVersion>,
    pub deleted_at: Option<Timestamp>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&AssetRow> for AssetView {
    fn from(a: &AssetRow) -> Self {
        Self {
            id: a.id,
            project_id: a.project_id,
            folder_id: a.folder_id,
            name: a.name.clone(),
            description: a.description.clone(),
            version_count: a.version_count,
            current_version_id: a.current_version_id.map(VersionId),
            current_version: match (a.current_version_id, a.current_number, &a.current_state) {
                (Some(id), Some(number), Some(state)) => Some(CurrentVersion {
                    id: VersionId(id),
                    number,
                    kind: a.current_kind.clone().unwrap_or_default(),
                    processing_state: state.clone(),
                    progress: a.current_progress.unwrap_or(0),
                    review_status: a.current_review_status.clone().unwrap_or_else(|| String::from("in_review")),
                    locked: a.current_locked.unwrap_or(false),
                    open_comments: a.current_open_comments,
                    poster_url: None,
                    has_poster: a.current_has_poster.unwrap_or(false),
                }),
                _ => None,
            },
            deleted_at: opt_ts(a.deleted_at),
            created_by: a.created_by,
            created_at: ts(a.created_at),
            updated_at: ts(a.updated_at),
        }
    }
}

/// The current version of an asset, as listings show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CurrentVersion {
    pub id: VersionId,
    pub number: i64,
    pub kind: String,
    pub processing_state: String,
    pub progress: i64,
    /// `in_review`, `approved`, `approved_with_changes`, `changes_requested` or `rejected`.
    pub review_status: String,
    pub locked: bool,
    /// Open threads on it (team-only ones not counted); in folder listings and search only.
    pub open_comments: Option<i64>,
    /// A signed URL of the poster image, once there is one.
    pub poster_url: Option<String>,
    #[serde(skip)]
    pub has_poster: bool,
}

/// What a project's trash holds: items deleted on their own (a folder brings back its contents).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrashView {
    pub folders: Vec<FolderView>,
    pub assets: Vec<AssetView>,
    /// Items can be restored until their `deleted_at` plus this many days.
    pub retention_days: i64,
}

/// One version of an asset's stack.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    pub id: VersionId,
    pub asset_id: AssetId,
    /// v1..vN as people say it.
    pub number: i64,
    pub filename: String,
    pub filetype: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the original, once ingest has read it.
    pub sha256: Option<String>,
    /// `video`, `audio`, `image`, `pdf`, or `unknown` until probed.
    pub kind: String,
    /// `processing`, `playable` (the small proxy is ready), `ready` (all derived media) or `failed`.
    pub processing_state: String,
    /// Why processing failed, in words.
    pub failure_reason: Option<String>,
    /// Processing progress, 0–100.
    pub progress: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The review frame rate (a rational), for video.
    pub frame_rate: Option<FrameRate>,
    /// Frames in the proxy (frame indexes run 0..frame_count).
    pub frame_count: Option<i64>,
    pub duration_ms: Option<i64>,
    /// The source had a variable frame rate; the proxy is constant-rate at `frame_rate`.
    pub vfr: bool,
    /// The source's start timecode, when it carried one.
    pub start_timecode: Option<String>,
    /// Pages of a PDF version.
    pub page_count: Option<i64>,
    /// `in_review`, `approved`, `approved_with_changes`, `changes_requested` or `rejected`.
    pub review_status: String,
    pub locked: bool,
    /// How the version was sealed, while it is locked.
    pub lock: Option<LockView>,
    /// The timecode comments are labelled with (video).
    pub timecode: Option<TimecodeView>,
    /// Order in the stack (higher is nearer the top).
    pub position: i64,
    /// Whether this is the asset's current version.
    pub current: bool,
    pub uploaded_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Derived media available so far.
    pub renditions: Vec<RenditionView>,
}

/// A derived file of a version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RenditionView {
    /// e.g. `proxy_540p`, `proxy_1080p`, `poster`, `sprite`, `waveform`.
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub frame_count: Option<i64>,
    /// Extra facts (a sprite sheet's tile index, …).
    #[schema(value_type = Object)]
    pub meta: serde_json::Value,
    /// A short-lived signed URL for the file (supports HTTP Range).
    pub url: Option<String>,
}

impl From<&RenditionRow> for RenditionView {
    fn from(r: &RenditionRow) -> Self {
        Self {
            name: r.name.clone(),
            content_type: r.content_type.clone(),
            size_bytes: r.size_bytes,
            width: r.width,
            height: r.height,
            frame_count: r.frame_count,
            meta: serde_json::from_str(&r.meta).unwrap_or(serde_json::Value::Null),
            url: None,
        }
    }
}

impl VersionView {
    pub fn new(v: &VersionRow, current: bool, renditions: &[RenditionRow]) -> Self {
        let frame_rate = match (v.rate_num, v.rate_den) {
            (Some(n), Some(d)) => FrameRate::new(u64::try_from(n).unwrap_or(0), u64::try_from(d).unwrap_or(0)),
            _ => None,
        };
        Self {
            id: v.id,
            asset_id: v.asset_id,
            number: v.number,
            filename: v.filename.clone(),
            filetype: v.filetype.clone(),
            size_bytes: v.size_bytes,
            sha256: v.sha256.clone(),
            kind: v.kind.clone(),
            processing_state: v.processing_state.clone(),
            failure_reason: v.failure_reason.clone(),
            progress: v.progress,
            width: v.width,
            height: v.height,
            frame_rate,
            frame_count: v.frame_count,
            duration_ms: v.duration_us.map(|us| us / 1000),
            vfr: v.vfr,
            start_timecode: v.start_timecode.clone(),
            page_count: v.page_count,
            review_status: v.review_status.clone(),
            locked: v.locked,
            lock: LockView::of(v),
            timecode: crate::app::review::timecode_of(v).map(|(tc, overridden)| TimecodeView {
                start: tc.label(0),
                drop_frame: tc.format.drop_frame(),
                overridden,
            }),
            position: v.position,
            current,
            uploaded_by: v.uploaded_by,
            created_at: ts(v.created_at),
            updated_at: ts(v.updated_at),
            renditions: renditions.iter().map(RenditionView::from).collect(),
        }
    }
}

/// How a version was sealed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LockView {
    pub locked_at: Timestamp,
    /// `approvals` (every required approver approved) or `manual` (an owner or admin).
    pub kind: String,
    /// Who locked it by hand (`manual` locks).
    pub locked_by: Option<UserId>,
    /// The original's SHA-256 the lock covers.
    pub sha256: Option<String>,
}

impl LockView {
    pub fn of(v: &VersionRow) -> Option<Self> {
        if !v.locked {
            return None;
        }
        Some(Self {
            locked_at: ts(v.locked_at.unwrap_or(v.updated_at)),
            kind: v.lock_kind.clone().unwrap_or_default(),
            locked_by: v.locked_by.map(UserId),
            sha256: v.locked_sha256.clone(),
        })
    }
}

/// The timecode of a version's frames.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimecodeView {
    /// The label of frame 0 (the source's start timecode, or a member's override).
    pub start: String,
    /// Drop-frame counting (`;` before the frames).
    pub drop_frame: bool,
    /// A member set these instead of the source's.
    pub overridden: bool,
}
