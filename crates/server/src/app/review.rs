//! Decisions, required approvers, approval locks and signed receipts.
//!
//! A version locks when every required approver of its asset has `approved` it while it is
//! current; owners and admins may also lock by hand, unlock (which cancels the required
//! approvers' approvals) and supersede (a newer version becomes current, the old one stays
//! sealed). Every lock signs the audit chain's head and issues a receipt.

use frameproof_domain::review::{self, Decision};
use frameproof_domain::signing::PublicKey;
use frameproof_domain::{
    Action, AssetId, DecisionId, ReceiptId, Timecode, TimecodeFormat, Timestamp, UserId, VersionId, audit, event,
};
use frameproof_store::WriteTx;
use frameproof_store::assets::AssetRow;
use frameproof_store::projects::ProjectRow;
use frameproof_store::versions::VersionRow;
use frameproof_store::{Conn, accounts, review as rstore, versions, workspaces};
use serde::{Deserialize, Serialize};

use super::new_uuid;
use crate::access::{self, require};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::model::LockView;
use crate::state::AppState;

/// The timecode of a version's frames and whether a member overrode the source's: start and
/// drop-frame from the override, else the source's timecode tag (`;` means drop-frame), else
/// 00:00:00:00 with drop-frame at 29.97 and 59.94.
pub fn timecode_of(v: &VersionRow) -> Option<(Timecode, bool)> {
    if v.kind != "video" {
        return None;
    }
    let rate = frameproof_domain::FrameRate::new(u64::try_from(v.rate_num?).ok()?, u64::try_from(v.rate_den?).ok()?)?;
    let overridden = v.tc_start.is_some() || v.tc_drop_frame.is_some();
    let start = v.tc_start.as_deref().or(v.start_timecode.as_deref());
    let drop_frame = v.tc_drop_frame.unwrap_or_else(|| match v.start_timecode.as_deref() {
        Some(tag) => tag.contains(';'),
        None => TimecodeFormat::default_for(rate).drop_frame(),
    });
    let format = TimecodeFormat::new(rate, drop_frame).unwrap_or_else(|_| TimecodeFormat::default_for(rate));
    let start = start.map(|s| with_separator(s, format.drop_frame()));
    let tc = Timecode::new(format, start.as_deref()).or_else(|_| Timecode::new(format, None)).ok()?;
    Some((tc, overridden))
}

/// A start label written for the other counting (`01:00:00;00` read without drop-frame, or the
/// reverse) names the same clock time: only the last separator changes.
pub fn with_separator(label: &str, drop_frame: bool) -> String {
    match label.rfind([':', ';']) {
        Some(i) => format!("{}{}{}", &label[..i], if drop_frame { ';' } else { ':' }, &label[i + 1..]),
        None => label.to_owned(),
    }
}

/// Refuses changes to a sealed version with 409 `version-locked`.
pub fn require_unlocked(v: &VersionRow) -> ApiResult<()> {
    if v.locked {
        return Err(ApiError::conflict(
            "version-locked",
            format!("v{} is approved and locked; an owner or admin must unlock it first", v.number),
        ));
    }
    Ok(())
}

/// A decision as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: DecisionId,
    pub version_id: VersionId,
    /// The member who decided (a guest has none).
    pub user_id: Option<UserId>,
    pub name: String,
    /// Decided by a guest through a share link.
    pub guest: bool,
    /// A guest's e-mail (members see it; a guest sees only their own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub decision: Decision,
    pub note: String,
    pub created_at: Timestamp,
    /// Set when an unlock cancelled this approval.
    pub cancelled_at: Option<Timestamp>,
}

impl From<&rstore::DecisionRow> for DecisionView {
    fn from(d: &rstore::DecisionRow) -> Self {
        Self {
            id: d.id,
            version_id: d.version_id,
            user_id: d.user_id.map(UserId),
            name: d.author_name.clone(),
            guest: d.guest_email.is_some(),
            email: d.guest_email.clone(),
            decision: Decision::parse(&d.decision).unwrap_or(Decision::ChangesRequested),
            note: d.note.clone(),
            created_at: Timestamp(d.created_at),
            cancelled_at: d.cancelled_at.map(Timestamp),
        }
    }
}

/// A required approver and where they stand on a version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApproverView {
    /// `user` (a member) or `guest` (named by e-mail, approves through a share link).
    pub kind: &'static str,
    /// The member (guests have none).
    pub user_id: Option<UserId>,
    pub name: String,
    /// Members see every approver's e-mail; a guest sees only their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their current decision on the version asked about (none yet, or cancelled by an unlock).
    pub decision: Option<Decision>,
    pub decided_at: Option<Timestamp>,
}

/// The approval panel of a version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub version_id: VersionId,
    pub asset_id: AssetId,
    /// `in_review`, `approved`, `approved_with_changes`, `changes_requested` or `rejected`.
    pub review_status: String,
    pub locked: bool,
    pub lock: Option<LockView>,
    pub current: bool,
    /// The asset's required approvers and their decisions on this version.
    pub required_approvers: Vec<ApproverView>,
    /// Everyone's current decision (latest per person), oldest first.
    pub decisions: Vec<DecisionView>,
    /// Receipts issued for this version (one per lock), newest first.
    pub receipts: Vec<ReceiptRef>,
}

/// An issued receipt.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptRef {
    pub id: ReceiptId,
    pub issued_at: Timestamp,
}

/// Who decides: a member, or a guest known by their proven e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Who {
    User(uuid::Uuid),
    Guest(String),
}

fn who(d: &rstore::DecisionRow) -> Option<Who> {
    match (&d.user_id, &d.guest_email) {
        (Some(u), _) => Some(Who::User(*u)),
        (None, Some(e)) => Some(Who::Guest(e.clone())),
        _ => None,
    }
}

/// The asset's required approvers, members then guests, each with their current decision on
/// the version whose latest decisions are given.
async fn approver_views(c: &mut Conn, asset: AssetId, latest: &[rstore::DecisionRow]) -> ApiResult<Vec<ApproverView>> {
    let decision_of = |w: &Who| latest.iter().find(|d| who(d).as_ref() == Some(w));
    let mut out = Vec::new();
    for a in rstore::approvers(&mut *c, asset).await? {
        let d = decision_of(&Who::User(a.user_id.0));
        out.push(ApproverView {
            kind: "user",
            user_id: Some(a.user_id),
            name: a.name,
            email: Some(a.email),
            decision: d.and_then(|d| Decision::parse(&d.decision)),
            decided_at: d.map(|d| Timestamp(d.created_at)),
        });
    }
    for g in frameproof_store::shares::guest_approvers(&mut *c, asset).await? {
        let d = decision_of(&Who::Guest(g.email.clone()));
        out.push(ApproverView {
            kind: "guest",
            user_id: None,
            name: d.map(|d| d.author_name.clone()).unwrap_or_else(|| g.email.clone()),
            email: Some(g.email),
            decision: d.and_then(|d| Decision::parse(&d.decision)),
            decided_at: d.map(|d| Timestamp(d.created_at)),
        });
    }
    Ok(out)
}

/// What a guest sees of the approval panel: no one's e-mail but their own (a guest approver not
/// yet seen goes by "Guest approver").
fn hide_from_guest(view: &mut ReviewView, guest: &crate::guests::Guest) {
    hide_approver_emails(&mut view.required_approvers, guest);
    hide_decision_emails(&mut view.decisions, guest);
}

fn hide_approver_emails(approvers: &mut [ApproverView], guest: &crate::guests::Guest) {
    let own = guest.session.email.as_str();
    for a in approvers.iter_mut().filter(|a| a.email.as_deref() != Some(own)) {
        if a.kind == "guest" && a.email.as_deref() == Some(a.name.as_str()) {
            a.name = String::from("Guest approver");
        }
        a.email = None;
    }
}

fn hide_decision_emails(decisions: &mut [DecisionView], guest: &crate::guests::Guest) {
    let own = guest.session.email.as_str();
    decisions.iter_mut().filter(|d| d.email.as_deref() != Some(own)).for_each(|d| d.email = None);
}

async fn review_view(c: &mut Conn, v: &VersionRow, asset: &AssetRow) -> ApiResult<ReviewView> {
    let latest = rstore::latest_decisions(&mut *c, v.id).await?;
    let required = approver_views(&mut *c, asset.id, &latest).await?;
    let receipts = rstore::receipts(&mut *c, v.id).await?;
    Ok(ReviewView {
        version_id: v.id,
        asset_id: asset.id,
        review_status: v.review_status.clone(),
        locked: v.locked,
        lock: LockView::of(v),
        current: asset.current_version_id == Some(v.id.0),
        required_approvers: required,
        decisions: latest.iter().map(DecisionView::from).collect(),
        receipts: receipts
            .into_iter()
            .map(|(id, _, at)| ReceiptRef { id: ReceiptId(id), issued_at: Timestamp(at) })
            .collect(),
    })
}

/// Recomputes a version's review status from everyone's current decisions (a locked version
/// reads `approved`).
async fn refresh_status(c: &mut Conn, v: &VersionRow, now: i64) -> ApiResult<String> {
    if v.locked {
        return Ok(String::from("approved"));
    }
    let latest = rstore::latest_decisions(&mut *c, v.id).await?;
    let status = review::review_status(latest.iter().filter_map(|d| Decision::parse(&d.decision)));
    if status != v.review_status {
        rstore::set_review_status(&mut *c, v.id, status, now).await?;
    }
    Ok(status.to_owned())
}

/// Locks the asset's current version when every required approver has approved it.
pub async fn lock_if_approved(
    state: &AppState,
    c: &mut WriteTx,
    asset: &AssetRow,
    project: &ProjectRow,
    actor: &Actor,
    now: i64,
) -> ApiResult<bool> {
    let Some(current) = versions::current_of(&mut *c, asset.id).await? else {
        return Ok(false);
    };
    let Some(v) = versions::get(&mut *c, current).await? else {
        return Ok(false);
    };
    if v.locked || v.sha256.is_none() {
        return Ok(false);
    }
    let mut required: Vec<Who> =
        rstore::approvers(&mut *c, asset.id).await?.into_iter().map(|a| Who::User(a.user_id.0)).collect();
    required.extend(
        frameproof_store::shares::guest_approvers(&mut *c, asset.id).await?.into_iter().map(|g| Who::Guest(g.email)),
    );
    let latest: Vec<(Who, Decision)> = rstore::latest_decisions(&mut *c, v.id)
        .await?
        .iter()
        .filter_map(|d| Some((who(d)?, Decision::parse(&d.decision)?)))
        .collect();
    if !review::approvals_complete(&required, &latest) {
        return Ok(false);
    }
    seal(state, c, (&v, asset, project), actor, ("approvals", None, "every required approver approved"), now).await?;
    super::workflow::version_locked(c, asset, v.id, actor, now).await?;
    Ok(true)
}

/// Seals a version whose approval stage passed as deemed (no decision by its due time, the
/// stage having opted in): a lock of kind `deemed`, with the reason, and its receipt.
pub async fn seal_deemed(
    state: &AppState,
    c: &mut WriteTx,
    (v, asset, project): (&VersionRow, &AssetRow, &ProjectRow),
    actor: &Actor,
    reason: &str,
    now: i64,
) -> ApiResult<()> {
    seal(state, c, (v, asset, project), actor, ("deemed", None, reason), now).await
}

/// Seals a version: records the lock, signs the audit chain's head, and issues the receipt.
async fn seal(
    state: &AppState,
    c: &mut WriteTx,
    (v, asset, project): (&VersionRow, &AssetRow, &ProjectRow),
    actor: &Actor,
    (kind, by, reason): (&str, Option<UserId>, &str),
    now: i64,
) -> ApiResult<()> {
    if !rstore::lock(&mut *c, v.id, kind, by, now).await? {
        return Err(if v.sha256.is_none() {
            ApiError::conflict("version-processing", "the version's file is still being read; try again in a moment")
        } else {
            ApiError::conflict("version-locked", format!("v{} is already locked", v.number))
        });
    }
    let scope = EventScope::version(project.workspace_id, project.id, asset.id, v.id);
    let payload = serde_json::json!({
        "id": v.id, "asset_id": asset.id, "number": v.number, "kind": kind, "reason": reason,
        "sha256": v.sha256, "review_status": "approved", "locked": true,
    });
    record(&mut *c, event::VERSION_LOCKED, now, actor, scope, &payload).await?;
    let (seq, head) = frameproof_store::audit::head(&mut *c).await?.unwrap_or((0, audit::GENESIS.to_owned()));
    let key = state.keys().current();
    let signature = key.sign(audit::checkpoint_message(seq, &head, now).as_bytes());
    frameproof_store::audit::add_checkpoint(&mut *c, now, seq, &head, key.kid(), &signature).await?;
    let receipt = receipt_body(c, v, asset, project, (kind, by, reason), (seq, &head), now).await?;
    let doc = key.sign_document("receipt", receipt);
    rstore::add_receipt(&mut *c, ReceiptId(new_uuid(Timestamp(now))), v.id, &doc.to_string(), now).await?;
    Ok(())
}

async fn receipt_body(
    c: &mut Conn,
    v: &VersionRow,
    asset: &AssetRow,
    project: &ProjectRow,
    (kind, by, reason): (&str, Option<UserId>, &str),
    head: (i64, &str),
    now: i64,
) -> ApiResult<serde_json::Value> {
    let ws = workspaces::workspace(&mut *c, project.workspace_id).await?.ok_or_else(ApiError::not_found)?;
    let latest = rstore::latest_decisions(&mut *c, v.id).await?;
    let required = rstore::approvers(&mut *c, asset.id).await?;
    let required_guests = frameproof_store::shares::guest_approvers(&mut *c, asset.id).await?;
    let mut approvers = Vec::new();
    for d in latest.iter().filter(|d| d.decision == Decision::Approved.as_str()) {
        let email = match (d.user_id, &d.guest_email) {
            (Some(u), _) => accounts::user_by_id(&mut *c, UserId(u)).await?.map(|u| u.email),
            (None, guest) => guest.clone(),
        };
        let is_required = match (d.user_id, &d.guest_email) {
            (Some(u), _) => required.iter().any(|r| r.user_id.0 == u),
            (None, Some(e)) => required_guests.iter().any(|g| &g.email == e),
            (None, None) => false,
        };
        approvers.push(serde_json::json!({
            "user_id": d.user_id.map(|u| u.to_string()),
            "guest": d.guest_email.is_some(),
            "name": d.author_name,
            "email": email,
            "decision": d.decision,
            "decided_at": Timestamp(d.created_at).to_rfc3339(),
            "required": is_required,
        }));
    }
    let locked_by = match by {
        Some(u) => accounts::user_by_id(&mut *c, u)
            .await?
            .map(|u| serde_json::json!({"user_id": u.id.to_string(), "name": u.name, "email": u.email})),
        None => None,
    };
    // The workflow stage the lock ends, when there is one: its name, round, whether it was
    // deemed, and its checklist as ticked.
    let stage = super::workflow::receipt_stage(&mut *c, asset.id, v.id).await?;
    Ok(serde_json::json!({
        "type": "frameproof.approval-receipt",
        "format": 1,
        "workspace": {"id": ws.id.to_string(), "name": ws.name},
        "project": {"id": project.id.to_string(), "name": project.name},
        "asset": {"id": asset.id.to_string(), "name": asset.name},
        "version": {
            "id": v.id.to_string(), "number": v.number, "filename": v.filename,
            "size_bytes": v.size_bytes, "sha256": v.sha256,
        },
        "approvers": approvers,
        "lock": {"kind": kind, "reason": reason, "locked_at": Timestamp(now).to_rfc3339(), "locked_by": locked_by},
        "audit_head": {"seq": head.0, "hash": head.1},
        "stage": stage,
    }))
}

// ---------------------------------------------------------------------------------------------
// Use cases

/// `POST /api/v1/versions/{id}/decisions`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    pub decision: Decision,
    #[serde(default)]
    pub note: String,
}

pub async fn decide(state: &AppState, caller: &Caller, id: VersionId, req: DecideRequest) -> ApiResult<ReviewView> {
    let note = review::decision_note(&req.note)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, grant) = super::versions::reach_for(&mut tx, caller, id).await?;
    grant.require(Action::Decide)?;
    access::require_not_archived(&project)?;
    require_unlocked(&v)?;
    if v.sha256.is_none() {
        return Err(ApiError::conflict(
            "version-processing",
            "the version's file is still being read; decide in a moment",
        ));
    }
    super::workflow::require_checklist(&mut tx, &asset, &v, caller, req.decision).await?;
    let did = DecisionId(new_uuid(Timestamp(now)));
    rstore::add_decision(
        &mut tx,
        &rstore::NewDecision {
            id: did,
            version_id: v.id,
            user_id: caller.user_id(),
            author_name: caller.name(),
            guest: caller.guest().map(|g| (g.session.id, g.session.email.as_str())),
            decision: req.decision.as_str(),
            note: &note,
            now,
        },
    )
    .await?;
    let status = refresh_status(&mut tx, &v, now).await?;
    let actor = Actor::of(caller);
    let scope = EventScope::version(project.workspace_id, project.id, asset.id, v.id);
    let payload = serde_json::json!({
        "id": did, "version_id": v.id, "user_id": caller.user_id(), "name": caller.name(),
        "guest": caller.guest().is_some(), "decision": req.decision, "note": note, "review_status": status,
    });
    record(&mut tx, event::DECISION_RECORDED, now, &actor, scope, &payload).await?;
    if let Some(g) = caller.guest() {
        let detail = serde_json::json!({"decision": req.decision, "decision_id": did});
        super::shares::log(&mut tx, g, "decided", (Some(asset.id), Some(v.id)), &detail, now).await?;
    }
    // The stage reviewing this version reads the decision first; then the lock rule (which,
    // sealing, passes an approval stage).
    super::workflow::decision_recorded(&mut tx, asset.id, v.id, caller, req.decision, now).await?;
    lock_if_approved(state, &mut tx, &asset, &project, &actor, now).await?;
    let v = versions::get(&mut tx, v.id).await?.ok_or_else(ApiError::not_found)?;
    let asset = frameproof_store::assets::get(&mut tx, asset.id).await?.ok_or_else(ApiError::not_found)?;
    let mut view = review_view(&mut tx, &v, &asset).await?;
    tx.commit().await?;
    if let Some(g) = caller.guest() {
        hide_from_guest(&mut view, g);
    }
    Ok(view)
}

pub async fn get_review(state: &AppState, caller: &Caller, id: VersionId) -> ApiResult<ReviewView> {
    let mut c = state.store().reader().await?;
    let (v, asset, _, grant) = super::versions::reach_for(&mut c, caller, id).await?;
    let mut view = review_view(&mut c, &v, &asset).await?;
    if let Some(g) = grant.guest() {
        hide_from_guest(&mut view, g);
    }
    Ok(view)
}

/// Every decision on a version, newest first (changes and cancelled approvals included).
pub async fn history(state: &AppState, caller: &Caller, id: VersionId) -> ApiResult<Vec<DecisionView>> {
    let mut c = state.store().reader().await?;
    let (v, _, _, grant) = super::versions::reach_for(&mut c, caller, id).await?;
    let mut out: Vec<DecisionView> = rstore::decisions(&mut c, v.id).await?.iter().map(DecisionView::from).collect();
    if let Some(g) = grant.guest() {
        hide_decision_emails(&mut out, g);
    }
    Ok(out)
}

pub async fn approvers(state: &AppState, caller: &Caller, asset: AssetId) -> ApiResult<Vec<ApproverView>> {
    let mut c = state.store().reader().await?;
    let (asset, _, grant) = access::asset_for(&mut c, caller, asset).await?;
    let current = versions::current_of(&mut c, asset.id).await?;
    let latest = match current {
        Some(v) => rstore::latest_decisions(&mut c, v).await?,
        None => Vec::new(),
    };
    let mut list = approver_views(&mut c, asset.id, &latest).await?;
    if let Some(g) = grant.guest() {
        hide_approver_emails(&mut list, g);
    }
    Ok(list)
}

/// `PUT /api/v1/assets/{id}/approvers`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetApprovers {
    /// Workspace members who must approve (each must be able to reach the project).
    pub user_ids: Vec<UserId>,
    /// Guests who must approve, by e-mail (they approve through a share link that grants
    /// `decide`, after proving the address). Absent: the guest approvers stay as they are.
    #[serde(default)]
    pub guest_emails: Option<Vec<String>>,
}

/// The most required approvers one asset may have.
const MAX_APPROVERS: usize = 50;

pub async fn set_approvers(
    state: &AppState,
    p: &Principal,
    id: AssetId,
    req: SetApprovers,
) -> ApiResult<Vec<ApproverView>> {
    let guests = match &req.guest_emails {
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for e in list {
                let e = frameproof_domain::validate::email(e)
                    .map_err(|_| ApiError::bad_request("invalid-email", format!("{e:?} is not an e-mail address")))?;
                if !out.contains(&e) {
                    out.push(e);
                }
            }
            Some(out)
        }
        None => None,
    };
    if req.user_ids.len() + guests.as_ref().map_or(0, Vec::len) > MAX_APPROVERS {
        return Err(ApiError::bad_request(
            "too-many-approvers",
            format!("an asset may have at most {MAX_APPROVERS} required approvers"),
        ));
    }
    let mut users: Vec<UserId> = Vec::new();
    for u in &req.user_ids {
        if !users.contains(u) {
            users.push(*u);
        }
    }
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role) = access::asset(&mut tx, p, id, false).await?;
    require(role, Action::ManageReview)?;
    access::require_not_archived(&project)?;
    for u in &users {
        if !rstore::user_reaches_project(&mut tx, *u, project.id).await? {
            return Err(ApiError::bad_request(
                "approver-not-member",
                format!("{u} is not an active member who can see this project"),
            ));
        }
    }
    let kept_guests = match &guests {
        Some(g) => g.len(),
        None => frameproof_store::shares::guest_approvers(&mut tx, asset.id).await?.len(),
    };
    if users.len() + kept_guests > MAX_APPROVERS {
        return Err(ApiError::bad_request(
            "too-many-approvers",
            format!("an asset may have at most {MAX_APPROVERS} required approvers, members and guests together"),
        ));
    }
    rstore::set_approvers(&mut tx, asset.id, &users, p.user_id, now).await?;
    if let Some(g) = &guests {
        frameproof_store::shares::set_guest_approvers(&mut tx, asset.id, g, p.user_id, now).await?;
    }
    let actor = Actor::user(p);
    // Team-only: guests' e-mails are not for every stream.
    let mut scope = EventScope::asset(project.workspace_id, project.id, asset.id);
    scope.team_only = true;
    let guest_count = frameproof_store::shares::guest_approvers(&mut tx, asset.id).await?.len();
    record(
        &mut tx,
        event::APPROVERS_CHANGED,
        now,
        &actor,
        scope,
        &serde_json::json!({"id": asset.id, "user_ids": users, "guest_approvers": guest_count}),
    )
    .await?;
    // Dropping the one approver who had not approved can complete the approvals.
    lock_if_approved(state, &mut tx, &asset, &project, &actor, now).await?;
    tx.commit().await?;
    approvers(state, &Caller::User(p.clone()), id).await
}

/// `POST /api/v1/versions/{id}/lock` and `/unlock`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LockRequest {
    /// Why (kept in the audit trail).
    pub reason: String,
}

fn reason(raw: &str) -> ApiResult<String> {
    super::reason_text("reason", raw, review::MAX_NOTE_CHARS, true)
}

pub async fn lock(state: &AppState, p: &Principal, id: VersionId, req: LockRequest) -> ApiResult<ReviewView> {
    let why = reason(&req.reason)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, role) = super::versions::reach(&mut tx, p, id).await?;
    require(role, Action::ManageLocks)?;
    access::require_not_archived(&project)?;
    require_unlocked(&v)?;
    seal(state, &mut tx, (&v, &asset, &project), &Actor::user(p), ("manual", Some(p.user_id), &why), now).await?;
    super::workflow::version_locked(&mut tx, &asset, v.id, &Actor::user(p), now).await?;
    let v = versions::get(&mut tx, v.id).await?.ok_or_else(ApiError::not_found)?;
    let view = review_view(&mut tx, &v, &asset).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn unlock(state: &AppState, p: &Principal, id: VersionId, req: LockRequest) -> ApiResult<ReviewView> {
    let why = reason(&req.reason)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, role) = super::versions::reach(&mut tx, p, id).await?;
    require(role, Action::ManageLocks)?;
    access::require_not_archived(&project)?;
    if !v.locked {
        return Err(ApiError::conflict("not-locked", format!("v{} is not locked", v.number)));
    }
    rstore::unlock(&mut tx, v.id, now).await?;
    // The required approvers approve again: their approvals of this version are cancelled.
    let required: Vec<UserId> = rstore::approvers(&mut tx, asset.id).await?.into_iter().map(|a| a.user_id).collect();
    let guests: Vec<String> =
        frameproof_store::shares::guest_approvers(&mut tx, asset.id).await?.into_iter().map(|g| g.email).collect();
    let cancelled = rstore::cancel_approvals(&mut tx, v.id, &required, &guests, now).await?;
    let v = versions::get(&mut tx, v.id).await?.ok_or_else(ApiError::not_found)?;
    let status = refresh_status(&mut tx, &v, now).await?;
    let scope = EventScope::version(project.workspace_id, project.id, asset.id, v.id);
    let payload = serde_json::json!({
        "id": v.id, "asset_id": asset.id, "number": v.number, "reason": why,
        "cancelled_approvals": cancelled, "review_status": status, "locked": false,
    });
    record(&mut tx, event::VERSION_UNLOCKED, now, &Actor::user(p), scope, &payload).await?;
    let v = versions::get(&mut tx, v.id).await?.ok_or_else(ApiError::not_found)?;
    let view = review_view(&mut tx, &v, &asset).await?;
    tx.commit().await?;
    Ok(view)
}

/// `POST /api/v1/versions/{id}/supersede`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupersedeRequest {
    /// The newer version of the same stack that becomes current.
    pub version_id: VersionId,
    pub reason: String,
}

pub async fn supersede(state: &AppState, p: &Principal, id: VersionId, req: SupersedeRequest) -> ApiResult<ReviewView> {
    let why = reason(&req.reason)?;
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, project, role) = super::versions::reach(&mut tx, p, id).await?;
    require(role, Action::ManageLocks)?;
    access::require_not_archived(&project)?;
    if !v.locked {
        return Err(ApiError::conflict("not-locked", "only a locked version is superseded; make the other current"));
    }
    if asset.current_version_id != Some(v.id.0) {
        return Err(ApiError::conflict(
            "not-current",
            format!("v{} is not the current version; supersede the current one", v.number),
        ));
    }
    let newer = versions::get(&mut tx, req.version_id)
        .await?
        .filter(|n| n.asset_id == asset.id)
        .ok_or_else(|| ApiError::bad_request("not-in-stack", "version_id must be a version of the same asset"))?;
    if newer.number <= v.number {
        return Err(ApiError::bad_request(
            "not-newer",
            format!("v{} is not newer than v{}: supersede with a later version", newer.number, v.number),
        ));
    }
    rstore::set_current(&mut tx, asset.id, Some(newer.id), now).await?;
    let scope = EventScope::version(project.workspace_id, project.id, asset.id, v.id);
    let payload = serde_json::json!({
        "id": v.id, "asset_id": asset.id, "number": v.number, "reason": why,
        "current_version_id": newer.id, "current_number": newer.number,
    });
    let actor = Actor::user(p);
    record(&mut tx, event::VERSION_SUPERSEDED, now, &actor, scope, &payload).await?;
    let asset = frameproof_store::assets::get(&mut tx, asset.id).await?.ok_or_else(ApiError::not_found)?;
    lock_if_approved(state, &mut tx, &asset, &project, &actor, now).await?;
    let view = review_view(&mut tx, &v, &asset).await?;
    tx.commit().await?;
    Ok(view)
}

/// The signed receipt of a version's latest lock (or of the one named).
pub async fn receipt(
    state: &AppState,
    p: &Principal,
    id: VersionId,
    receipt: Option<ReceiptId>,
) -> ApiResult<serde_json::Value> {
    let mut c = state.store().reader().await?;
    let (v, _, _, _) = super::versions::reach(&mut c, p, id).await?;
    let all = rstore::receipts(&mut c, v.id).await?;
    let doc = match receipt {
        Some(r) => all.into_iter().find(|(id, _, _)| *id == r.0),
        None if v.locked => all.into_iter().next(),
        None => None,
    }
    .ok_or_else(|| {
        let why = if receipt.is_some() {
            "no such receipt for this version"
        } else {
            "this version has no receipt: it is not locked"
        };
        ApiError::new(axum::http::StatusCode::NOT_FOUND, "no-receipt", why)
    })?;
    serde_json::from_str(&doc.1).map_err(ApiError::internal)
}

/// The server's public signing keys (old ones included).
pub fn keys(state: &AppState) -> Vec<PublicKey> {
    state.keys().public_keys().to_vec()
}
