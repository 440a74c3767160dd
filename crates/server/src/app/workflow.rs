//! Campaign workflows: templates, applying one to a campaign, and the stage runs deliverables
//! move through (DESIGN.md "The operations layer"; the model is in docs/adr/0007-workflow.md).
//!
//! Every move happens inside the transaction of what caused it: an upload's new version, a
//! decision, a lock, a skip, or the clock's pass over due runs ([`tick`]). A stage run records
//! when it was entered, its due time, when it ended and how; its seats record who was asked,
//! when they first opened the version, and when they decided.

use frameproof_domain::calendar::Calendar;
use frameproof_domain::review::Decision;
use frameproof_domain::workflow::{
    self, ChecklistPer, Reentry, ReviewerKind, ReviewerSpec, StageKind, StageSpec, Verdict,
};
use frameproof_domain::{Action, AssetId, ProjectId, Role, Timestamp, UserId, VersionId, WorkspaceId, event, validate};
use frameproof_store::assets::AssetRow;
use frameproof_store::projects::ProjectRow;
use frameproof_store::versions::VersionRow;
use frameproof_store::workflows::{
    self as wstore, CampaignRow, DeliverableRow, RunRow, SeatRow, StageRow, TemplateRow,
};
use frameproof_store::{Conn, WriteTx, accounts, assets, calendars, review as rstore, versions, workspaces};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::new_uuid;
use crate::access::{self, require};
use crate::auth::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::events::{Actor, EventScope, record};
use crate::state::AppState;

/// Workflow templates in one workspace.
const MAX_TEMPLATES: usize = 200;

// ---------------------------------------------------------------------------------------------
// Templates

/// A workflow template.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkflowTemplateView {
    pub id: Uuid,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: String,
    pub stages: Vec<StageSpec>,
    /// Where a new version goes after a stage asked for changes: `same_stage` or
    /// `first_review`.
    pub reentry: Reentry,
    pub archived: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn stages_of(json: &str) -> Vec<StageSpec> {
    serde_json::from_str(json).unwrap_or_default()
}

impl From<&TemplateRow> for WorkflowTemplateView {
    fn from(t: &TemplateRow) -> Self {
        Self {
            id: t.id,
            workspace_id: t.workspace_id,
            name: t.name.clone(),
            description: t.description.clone(),
            stages: stages_of(&t.stages),
            reentry: Reentry::parse(&t.reentry),
            archived: t.archived_at.is_some(),
            created_at: Timestamp(t.created_at),
            updated_at: Timestamp(t.updated_at),
        }
    }
}

/// `POST /api/v1/workspaces/{id}/workflow-templates`, `PATCH /api/v1/workflow-templates/{id}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowTemplateRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub stages: Option<Vec<StageSpec>>,
    pub reentry: Option<Reentry>,
    pub archived: Option<bool>,
}

/// Trims names and e-mails the way they are stored.
fn normalise(mut stages: Vec<StageSpec>) -> Vec<StageSpec> {
    for s in &mut stages {
        s.name = s.name.trim().to_owned();
        for r in &mut s.reviewers {
            r.email = r.email.as_deref().map(|e| e.trim().to_lowercase());
            r.backup_email = r.backup_email.as_deref().map(|e| e.trim().to_lowercase());
        }
        for item in &mut s.checklist {
            item.text = item.text.trim().to_owned();
        }
    }
    stages
}

/// Checks stages against the workspace: members active, groups existing with members.
async fn check_stages(c: &mut Conn, ws: WorkspaceId, stages: &[StageSpec]) -> ApiResult<()> {
    // Seats per entry, looked up first (the check itself is pure).
    let mut seats: Vec<(ReviewerSpec, Option<usize>)> = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        for (j, r) in s.reviewers.iter().enumerate() {
            let n = match r.kind {
                ReviewerKind::User => match r.user_id {
                    Some(u) => workspaces::active_role(&mut *c, ws, UserId(u)).await?.map(|_| 1),
                    None => Some(1),
                },
                ReviewerKind::Guest => Some(1),
                ReviewerKind::Group => match r.group_id {
                    Some(g) => match calendars::group(&mut *c, g).await?.filter(|g| g.workspace_id == ws) {
                        Some(_) => Some(calendars::group_members(&mut *c, g).await?.len()).filter(|n| *n > 0),
                        None => None,
                    },
                    None => Some(1),
                },
            };
            if let Some(b) = r.backup_user_id
                && workspaces::active_role(&mut *c, ws, UserId(b)).await?.is_none()
            {
                let field = format!("stages[{i}].reviewers[{j}].backup_user_id");
                return Err(ApiError::bad_request(
                    "stage-reviewer-invalid",
                    format!("{field}: {b} is not an active member of the workspace"),
                )
                .with_fields([field]));
            }
            seats.push((r.clone(), n));
        }
    }
    workflow::check_stages(stages, |r| seats.iter().find(|(x, _)| x == r).and_then(|(_, n)| *n))?;
    Ok(())
}

pub async fn templates(state: &AppState, p: &Principal, ws: WorkspaceId) -> ApiResult<Vec<WorkflowTemplateView>> {
    let mut c = state.store().reader().await?;
    let (_, role) = access::workspace(&mut c, p, ws).await?;
    require(role, Action::EditContent)?;
    Ok(wstore::templates(&mut c, ws).await?.iter().map(WorkflowTemplateView::from).collect())
}

pub async fn create_template(
    state: &AppState,
    p: &Principal,
    ws: WorkspaceId,
    req: WorkflowTemplateRequest,
) -> ApiResult<WorkflowTemplateView> {
    let name = validate::name("name", req.name.as_deref().unwrap_or(""))?;
    let description = validate::description(req.description.as_deref().unwrap_or(""))?;
    let stages = normalise(req.stages.ok_or_else(|| {
        ApiError::bad_request("workflow-stages-invalid", "stages: a workflow template needs its stages")
            .with_fields(["stages".to_owned()])
    })?);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (_, role) = access::workspace(&mut tx, p, ws).await?;
    require(role, Action::ManageWorkspace)?;
    check_stages(&mut tx, ws, &stages).await?;
    if wstore::templates(&mut tx, ws).await?.len() >= MAX_TEMPLATES {
        return Err(ApiError::conflict(
            "too-many-templates",
            format!("a workspace has at most {MAX_TEMPLATES} workflow templates"),
        ));
    }
    let t = TemplateRow {
        id: new_uuid(now),
        workspace_id: ws,
        name,
        description,
        stages: serde_json::to_string(&stages).map_err(ApiError::internal)?,
        reentry: req.reentry.unwrap_or_default().as_str().to_owned(),
        created_at: now.0,
        updated_at: now.0,
        archived_at: None,
    };
    wstore::put_template(&mut tx, &t).await?;
    let view = WorkflowTemplateView::from(&t);
    record(&mut tx, event::WORKFLOW_TEMPLATE_CREATED, now.0, &Actor::user(p), EventScope::workspace(ws), &view).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn get_template(state: &AppState, p: &Principal, id: Uuid) -> ApiResult<WorkflowTemplateView> {
    let mut c = state.store().reader().await?;
    let t = wstore::template(&mut c, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut c, p, t.workspace_id).await?;
    require(role, Action::EditContent)?;
    Ok(WorkflowTemplateView::from(&t))
}

/// Editing a template never changes campaigns it was applied to: they hold a copy.
pub async fn update_template(
    state: &AppState,
    p: &Principal,
    id: Uuid,
    req: WorkflowTemplateRequest,
) -> ApiResult<WorkflowTemplateView> {
    let name = req.name.as_deref().map(|n| validate::name("name", n)).transpose()?;
    let description = req.description.as_deref().map(validate::description).transpose()?;
    let stages = req.stages.map(normalise);
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let mut t = wstore::template(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    let (_, role) = access::workspace(&mut tx, p, t.workspace_id).await?;
    require(role, Action::ManageWorkspace)?;
    if let Some(s) = &stages {
        check_stages(&mut tx, t.workspace_id, s).await?;
        t.stages = serde_json::to_string(s).map_err(ApiError::internal)?;
    }
    if let Some(n) = name {
        t.name = n;
    }
    if let Some(d) = description {
        t.description = d;
    }
    if let Some(r) = req.reentry {
        t.reentry = r.as_str().to_owned();
    }
    match req.archived {
        Some(true) if t.archived_at.is_none() => t.archived_at = Some(now),
        Some(false) => t.archived_at = None,
        _ => {}
    }
    t.updated_at = now;
    wstore::put_template(&mut tx, &t).await?;
    let view = WorkflowTemplateView::from(&t);
    record(
        &mut tx,
        event::WORKFLOW_TEMPLATE_UPDATED,
        now,
        &Actor::user(p),
        EventScope::workspace(t.workspace_id),
        &view,
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// A campaign's workflow

/// A stage as applied to a campaign.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignStageView {
    pub id: Uuid,
    pub position: i64,
    #[serde(flatten)]
    pub spec: StageSpec,
}

/// A project's campaign settings and applied workflow.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub project_id: ProjectId,
    /// The producer: accepts the brief, is told when stages run late.
    pub owner: Option<PersonRef>,
    /// The go-live moment.
    pub launch_at: Option<Timestamp>,
    /// None until a workflow is applied (the project then behaves as a plain project).
    pub workflow: Option<AppliedWorkflow>,
    /// The request it came from (intake), if it did: `requested` until accepted or declined.
    pub request: Option<super::intake::RequestView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppliedWorkflow {
    pub name: String,
    pub template_id: Option<Uuid>,
    pub reentry: Reentry,
    pub applied_at: Timestamp,
    pub stages: Vec<CampaignStageView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    pub user_id: UserId,
    pub name: String,
}

/// A stage of the applied workflow, parsed.
#[derive(Debug, Clone)]
struct Stage {
    row: StageRow,
    spec: StageSpec,
}

/// What the engine needs of a campaign with a workflow.
struct Flow {
    project: ProjectRow,
    campaign: CampaignRow,
    stages: Vec<Stage>,
    cal: Calendar,
}

impl Flow {
    fn stage(&self, id: Uuid) -> Option<(usize, &Stage)> {
        self.stages.iter().enumerate().find(|(_, s)| s.row.id == id)
    }

    fn reentry(&self) -> Reentry {
        Reentry::parse(self.campaign.workflow_reentry.as_deref().unwrap_or(""))
    }
}

/// The campaign's workflow, if one was applied.
async fn flow(c: &mut Conn, project: &ProjectRow) -> ApiResult<Option<Flow>> {
    let Some(campaign) = wstore::campaign(&mut *c, project.id).await? else {
        return Ok(None);
    };
    if campaign.workflow_applied_at.is_none() {
        return Ok(None);
    }
    let stages = wstore::stages(&mut *c, project.id)
        .await?
        .into_iter()
        .filter_map(|row| Some(Stage { spec: serde_json::from_str(&row.spec).ok()?, row }))
        .collect();
    let cal = super::calendars::calendar_of(&mut *c, project.workspace_id).await?;
    Ok(Some(Flow { project: project.clone(), campaign, stages, cal }))
}

async fn person(c: &mut Conn, id: Option<Uuid>) -> ApiResult<Option<PersonRef>> {
    Ok(match id {
        Some(u) => accounts::user_by_id(c, UserId(u)).await?.map(|u| PersonRef { user_id: u.id, name: u.name }),
        None => None,
    })
}

async fn campaign_view(c: &mut Conn, project: &ProjectRow) -> ApiResult<CampaignView> {
    let campaign = wstore::campaign(&mut *c, project.id).await?.ok_or_else(ApiError::not_found)?;
    let workflow = match campaign.workflow_applied_at {
        Some(at) => Some(AppliedWorkflow {
            name: campaign.workflow_name.clone().unwrap_or_default(),
            template_id: campaign.workflow_template_id,
            reentry: Reentry::parse(campaign.workflow_reentry.as_deref().unwrap_or("")),
            applied_at: Timestamp(at),
            stages: wstore::stages(&mut *c, project.id)
                .await?
                .into_iter()
                .filter_map(|s| {
                    Some(CampaignStageView {
                        id: s.id,
                        position: s.position,
                        spec: serde_json::from_str(&s.spec).ok()?,
                    })
                })
                .collect(),
        }),
        None => None,
    };
    Ok(CampaignView {
        project_id: project.id,
        owner: person(&mut *c, campaign.owner_id).await?,
        launch_at: campaign.launch_at.map(Timestamp),
        workflow,
        request: super::intake::request_view(&mut *c, project).await?,
    })
}

/// A campaign as [`get_campaign`] answers it.
pub(crate) async fn campaign_of(c: &mut Conn, project: &ProjectRow) -> ApiResult<CampaignView> {
    campaign_view(c, project).await
}

pub async fn get_campaign(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<CampaignView> {
    let mut c = state.store().reader().await?;
    let (project, _) = access::project(&mut c, p, id, false).await?;
    campaign_view(&mut c, &project).await
}

/// `PATCH /api/v1/projects/{id}/campaign`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaign {
    /// The producer (a team member); null clears.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<UserId>)]
    pub owner_id: Option<Option<UserId>>,
    /// The go-live moment; null clears.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<Timestamp>)]
    pub launch_at: Option<Option<Timestamp>>,
}

pub async fn update_campaign(
    state: &AppState,
    p: &Principal,
    id: ProjectId,
    req: UpdateCampaign,
) -> ApiResult<CampaignView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    access::require_not_archived(&project)?;
    if let Some(Some(owner)) = req.owner_id
        && !workspaces::active_role(&mut tx, project.workspace_id, owner).await?.is_some_and(Role::is_team)
    {
        return Err(ApiError::bad_request(
            "campaign-owner-invalid",
            format!("owner_id: {owner} is not a team member of the workspace"),
        )
        .with_fields(["owner_id".to_owned()]));
    }
    wstore::set_campaign_people(&mut tx, id, req.owner_id, req.launch_at.map(|l| l.map(|t| t.0)), now).await?;
    let view = campaign_view(&mut tx, &project).await?;
    let scope = EventScope::project(project.workspace_id, project.id);
    record(&mut tx, event::CAMPAIGN_UPDATED, now, &Actor::user(p), scope, &view).await?;
    tx.commit().await?;
    Ok(view)
}

/// `POST /api/v1/projects/{id}/workflow`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyWorkflow {
    pub template_id: Uuid,
}

/// Applies a template: copies its stages onto the campaign and starts every live asset in the
/// first stage, all in one transaction.
pub async fn apply(state: &AppState, p: &Principal, id: ProjectId, req: ApplyWorkflow) -> ApiResult<CampaignView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (project, role) = access::project(&mut tx, p, id, false).await?;
    require(role, Action::EditContent)?;
    access::require_not_archived(&project)?;
    if frameproof_store::intake::request(&mut tx, id).await?.is_some_and(|r| r.state == "requested") {
        return Err(ApiError::conflict(
            "campaign-requested",
            "this campaign is a request: accept it (which applies a workflow) or decline it",
        ));
    }
    let view = apply_in(&mut tx, &project, req.template_id, &Actor::user(p), now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Applies template `template_id` inside `tx` (see [`apply`]).
pub(crate) async fn apply_in(
    tx: &mut WriteTx,
    project: &ProjectRow,
    template_id: Uuid,
    actor: &Actor,
    now: i64,
) -> ApiResult<CampaignView> {
    let id = project.id;
    let t = wstore::template(&mut *tx, template_id)
        .await?
        .filter(|t| t.workspace_id == project.workspace_id && t.archived_at.is_none())
        .ok_or_else(|| {
            ApiError::bad_request(
                "template-unknown",
                format!("template_id: no workflow template {} in the workspace", template_id),
            )
            .with_fields(["template_id".to_owned()])
        })?;
    let stages = stages_of(&t.stages);
    // People may have left since the template was written.
    check_stages(&mut *tx, project.workspace_id, &stages).await?;
    if !wstore::set_workflow(&mut *tx, id, (&t.name, Some(t.id), &t.reentry), now).await? {
        return Err(ApiError::conflict("workflow-exists", "this campaign already has a workflow"));
    }
    for (i, s) in stages.iter().enumerate() {
        let row = StageRow {
            id: new_uuid(Timestamp(now)),
            project_id: id,
            position: i64::try_from(i).unwrap_or(0),
            name: s.name.clone(),
            kind: s.kind.as_str().to_owned(),
            spec: serde_json::to_string(s).map_err(ApiError::internal)?,
        };
        wstore::insert_stage(&mut *tx, &row).await?;
    }
    let view = campaign_view(&mut *tx, project).await?;
    let scope = EventScope::project(project.workspace_id, project.id);
    record(&mut *tx, event::WORKFLOW_APPLIED, now, actor, scope, &view).await?;
    let flow =
        flow(&mut *tx, project).await?.ok_or_else(|| ApiError::internal("the workflow just applied is missing"))?;
    let live = assets::list(
        &mut *tx,
        frameproof_store::assets::Scope::Project(project.id),
        None,
        &frameproof_store::ListQuery {
            sort: frameproof_store::SortKey::Name,
            descending: false,
            limit: 10_000,
            after: None,
        },
    )
    .await?;
    for asset in live.items {
        let current = match asset.current_version_id {
            Some(v) => versions::get(&mut *tx, VersionId(v)).await?,
            None => None,
        };
        start(tx, &flow, &asset, current.as_ref(), actor, now).await?;
    }
    Ok(view)
}

/// Makes an asset a deliverable at the first stage, with `version` to review (none: the first
/// stage's work produces it, or a review stage waits for it).
async fn start(
    tx: &mut WriteTx,
    flow: &Flow,
    asset: &AssetRow,
    version: Option<&VersionRow>,
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    let Some(first) = flow.stages.first() else {
        return Ok(());
    };
    if wstore::deliverable(&mut *tx, asset.id).await?.is_some() {
        return Ok(());
    }
    wstore::insert_deliverable(
        &mut *tx,
        &DeliverableRow {
            asset_id: asset.id,
            project_id: flow.project.id,
            stage_id: first.row.id,
            brief_line: None,
            due_at: None,
            return_stage_id: None,
            delivered_at: None,
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    enter(tx, flow, asset, 0, version, None, actor, now).await
}

/// A new asset in a campaign with a workflow becomes a deliverable.
pub async fn asset_added(
    tx: &mut WriteTx,
    asset: &AssetRow,
    project: &ProjectRow,
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    if let Some(flow) = flow(&mut *tx, project).await? {
        start(tx, &flow, asset, None, actor, now).await?;
    }
    Ok(())
}

fn scope_of(flow: &Flow, asset: AssetId, version: Option<Uuid>) -> EventScope {
    let mut s = EventScope::asset(flow.project.workspace_id, flow.project.id, asset);
    s.version_id = version.map(VersionId);
    s
}

fn run_payload(flow: &Flow, run: &RunRow) -> serde_json::Value {
    let stage = flow.stage(run.stage_id).map(|(_, s)| s);
    serde_json::json!({
        "run_id": run.id, "asset_id": run.asset_id, "stage_id": run.stage_id,
        "stage": stage.map(|s| s.spec.name.clone()), "kind": stage.map(|s| s.spec.kind),
        "round": run.round, "version_id": run.version_id,
        "entered_at": Timestamp(run.entered_at), "due_at": Timestamp(run.due_at),
        "exited_at": run.exited_at.map(Timestamp), "outcome": run.outcome, "reason": run.reason,
    })
}

/// A seat to fill: who, and their backup.
struct Seat {
    user_id: Option<Uuid>,
    email: Option<String>,
    name: String,
    backup: Option<(Option<Uuid>, Option<String>, String)>,
}

async fn name_of(c: &mut Conn, u: Uuid) -> ApiResult<Option<String>> {
    Ok(accounts::user_by_id(c, UserId(u)).await?.map(|u| u.name))
}

async fn seats_for(c: &mut Conn, ws: WorkspaceId, spec: &StageSpec) -> ApiResult<Vec<Seat>> {
    let mut out: Vec<Seat> = Vec::new();
    for r in &spec.reviewers {
        let backup = match (r.backup_user_id, &r.backup_email) {
            (Some(u), _) => name_of(&mut *c, u).await?.map(|n| (Some(u), None, n)),
            (None, Some(e)) => Some((None, Some(e.clone()), e.clone())),
            _ => None,
        };
        match r.kind {
            ReviewerKind::User => {
                let Some(u) = r.user_id else { continue };
                if workspaces::active_role(&mut *c, ws, UserId(u)).await?.is_none() {
                    continue;
                }
                if let Some(name) = name_of(&mut *c, u).await? {
                    out.push(Seat { user_id: Some(u), email: None, name, backup });
                }
            }
            ReviewerKind::Guest => {
                let Some(e) = &r.email else { continue };
                out.push(Seat { user_id: None, email: Some(e.clone()), name: e.clone(), backup });
            }
            ReviewerKind::Group => {
                let Some(g) = r.group_id else { continue };
                for (u, name, _) in calendars::group_members(&mut *c, g).await? {
                    out.push(Seat { user_id: Some(u), email: None, name, backup: None });
                }
            }
        }
    }
    // One seat per person, whichever entry named them first.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|s| seen.insert((s.user_id, s.email.clone())));
    Ok(out)
}

/// Enters stage `idx` with `version` (none: a work stage producing the first version, or a
/// review stage waiting for one).
#[allow(clippy::too_many_arguments)]
async fn enter(
    tx: &mut WriteTx,
    flow: &Flow,
    asset: &AssetRow,
    idx: usize,
    version: Option<&VersionRow>,
    return_stage: Option<Uuid>,
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    let Some(stage) = flow.stages.get(idx) else {
        return Ok(());
    };
    wstore::set_stage(&mut *tx, asset.id, stage.row.id, return_stage, now).await?;
    let round = match (stage.spec.kind, version) {
        (StageKind::Work, v) => v.map_or(1, |v| v.number + 1),
        (_, Some(v)) => v.number,
        // A review stage with nothing to review yet: it starts when a version arrives.
        (_, None) => return Ok(()),
    };
    let days = u32::try_from(stage.spec.duration_days).unwrap_or(1);
    let run = RunRow {
        id: new_uuid(Timestamp(now)),
        asset_id: asset.id,
        project_id: flow.project.id,
        stage_id: stage.row.id,
        round,
        version_id: if stage.spec.kind == StageKind::Work { None } else { version.map(|v| v.id.0) },
        entered_at: now,
        due_at: flow.cal.due_after(now, days),
        exited_at: None,
        outcome: None,
        reason: None,
        ended_by: None,
        overdue_at: None,
    };
    wstore::insert_run(&mut *tx, &run).await?;
    let scope = scope_of(flow, asset.id, run.version_id);
    record(&mut *tx, event::STAGE_ENTERED, now, actor, scope, &run_payload(flow, &run)).await?;
    if !stage.spec.kind.has_reviewers() {
        return Ok(());
    }
    // "Due tomorrow" goes out on the working morning before the due day, unless the stage
    // began after it.
    let soon = flow.cal.reminder_before(run.due_at);
    frameproof_store::reminders::set_due_soon(&mut *tx, run.id, (soon > now).then_some(soon)).await?;
    let seats = seats_for(&mut *tx, flow.project.workspace_id, &stage.spec).await?;
    for (i, s) in seats.iter().enumerate() {
        let away = match s.user_id {
            Some(u) => {
                super::calendars::is_away(&mut *tx, flow.project.workspace_id, UserId(u), &flow.cal, now).await?
            }
            None => false,
        };
        let ask_backup = away && s.backup.is_some();
        let row = SeatRow {
            run_id: run.id,
            seat: i64::try_from(i).unwrap_or(0),
            user_id: s.user_id,
            email: s.email.clone(),
            name: s.name.clone(),
            asked_at: now,
            first_seen_at: None,
            decided_at: None,
            decision: None,
            decided_by: None,
            backup_user_id: s.backup.as_ref().and_then(|b| b.0),
            backup_email: s.backup.as_ref().and_then(|b| b.1.clone()),
            backup_name: s.backup.as_ref().map(|b| b.2.clone()),
            backup_asked_at: ask_backup.then_some(now),
            backup_reason: ask_backup.then(|| String::from("away")),
        };
        wstore::insert_seat(&mut *tx, &row).await?;
        let mut payload = run_payload(flow, &run);
        payload["reviewer"] = serde_json::json!({"user_id": s.user_id, "name": s.name, "guest": s.email.is_some()});
        record(&mut *tx, event::REVIEWER_ASKED, now, actor, scope, &payload).await?;
        if ask_backup && let Some(b) = &s.backup {
            payload["reviewer"] = serde_json::json!({"user_id": b.0, "name": b.2, "guest": b.1.is_some(), "backup_for": s.name, "reason": "away"});
            record(&mut *tx, event::REVIEWER_ASKED, now, actor, scope, &payload).await?;
        }
    }
    if stage.spec.kind == StageKind::Approval {
        let seats = wstore::seats(&mut *tx, run.id).await?;
        set_required_approvers(tx, flow, asset, &seats, actor, now).await?;
    }
    Ok(())
}

/// An approval stage's reviewers are the asset's required approvers: each seat's reviewer, or
/// the backup once the backup was asked in their place.
async fn set_required_approvers(
    tx: &mut WriteTx,
    flow: &Flow,
    asset: &AssetRow,
    seats: &[SeatRow],
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    let (mut users, mut guests) = (Vec::new(), Vec::new());
    for s in seats {
        let (u, e) = match s.backup_asked_at {
            Some(_) => (s.backup_user_id, s.backup_email.clone()),
            None => (s.user_id, s.email.clone()),
        };
        if let Some(u) = u {
            users.push(UserId(u));
        }
        if let Some(e) = e {
            guests.push(e);
        }
    }
    let by = flow.campaign.owner_id.map(UserId).unwrap_or(flow.project.created_by);
    rstore::set_approvers(&mut *tx, asset.id, &users, by, now).await?;
    frameproof_store::shares::set_guest_approvers(&mut *tx, asset.id, &guests, by, now).await?;
    let payload = serde_json::json!({
        "asset_id": asset.id, "user_ids": users, "guest_emails": guests, "by": "workflow",
    });
    record(&mut *tx, event::APPROVERS_CHANGED, now, actor, scope_of(flow, asset.id, None), &payload).await?;
    Ok(())
}

/// Ends `run` as passed (or deemed, or skipped) and enters the next stage; past the last stage
/// the deliverable is delivered.
async fn advance(
    tx: &mut WriteTx,
    flow: &Flow,
    asset: &AssetRow,
    run: &RunRow,
    (outcome, reason, ended_by): (&str, Option<&str>, Option<&str>),
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    if !wstore::exit_run(&mut *tx, run.id, outcome, (reason, ended_by), now).await? {
        return Ok(());
    }
    let ended = RunRow {
        exited_at: Some(now),
        outcome: Some(outcome.to_owned()),
        reason: reason.map(str::to_owned),
        ..run.clone()
    };
    let kind = match outcome {
        "deemed" => event::STAGE_DEEMED,
        "skipped" => event::STAGE_SKIPPED,
        _ => event::STAGE_PASSED,
    };
    record(&mut *tx, kind, now, actor, scope_of(flow, asset.id, run.version_id), &run_payload(flow, &ended)).await?;
    let idx = flow.stage(run.stage_id).map_or(0, |(i, _)| i);
    let version = match run.version_id {
        Some(v) => versions::get(&mut *tx, VersionId(v)).await?,
        None => match versions::current_of(&mut *tx, asset.id).await? {
            Some(v) => versions::get(&mut *tx, v).await?,
            None => None,
        },
    };
    if idx + 1 < flow.stages.len() {
        enter(tx, flow, asset, idx + 1, version.as_ref(), None, actor, now).await
    } else {
        wstore::set_delivered(&mut *tx, asset.id, Some(now), now).await?;
        let payload =
            serde_json::json!({"asset_id": asset.id, "version_id": run.version_id, "delivered_at": Timestamp(now)});
        record(&mut *tx, event::DELIVERABLE_DELIVERED, now, actor, scope_of(flow, asset.id, run.version_id), &payload)
            .await?;
        Ok(())
    }
}

/// Ends `run` with changes requested: back to the last work stage before it (the next version
/// then goes where the campaign's re-entry rule says), or, with no work stage before it, the
/// deliverable waits here for the next version.
async fn send_back(
    tx: &mut WriteTx,
    flow: &Flow,
    asset: &AssetRow,
    run: &RunRow,
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    if !wstore::exit_run(&mut *tx, run.id, "changes_requested", (None, None), now).await? {
        return Ok(());
    }
    let ended = RunRow { exited_at: Some(now), outcome: Some(String::from("changes_requested")), ..run.clone() };
    record(
        &mut *tx,
        event::STAGE_CHANGES_REQUESTED,
        now,
        actor,
        scope_of(flow, asset.id, run.version_id),
        &run_payload(flow, &ended),
    )
    .await?;
    let idx = flow.stage(run.stage_id).map_or(0, |(i, _)| i);
    let target = match flow.reentry() {
        Reentry::SameStage => run.stage_id,
        Reentry::FirstReview => {
            flow.stages.iter().find(|s| s.spec.kind.has_reviewers()).map_or(run.stage_id, |s| s.row.id)
        }
    };
    let version = match run.version_id {
        Some(v) => versions::get(&mut *tx, VersionId(v)).await?,
        None => None,
    };
    match flow.stages[..idx].iter().rposition(|s| s.spec.kind == StageKind::Work) {
        Some(work) => enter(tx, flow, asset, work, version.as_ref(), Some(target), actor, now).await,
        None => {
            wstore::set_stage(&mut *tx, asset.id, run.stage_id, Some(target), now).await?;
            Ok(())
        }
    }
}

/// A new version of a deliverable: it ends a work stage (going on where the re-entry rule or
/// the stage order says), starts a waiting review stage, or supersedes the version under review
/// (a new round of the same stage). Delivered deliverables and delivery stages are left alone.
pub async fn version_added(
    tx: &mut WriteTx,
    asset: AssetId,
    version: VersionId,
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    let Some(asset) = assets::get(&mut *tx, asset).await? else { return Ok(()) };
    if asset.current_version_id != Some(version.0) {
        return Ok(());
    }
    let Some(project) = frameproof_store::projects::get(&mut *tx, asset.project_id).await? else { return Ok(()) };
    let Some(flow) = flow(&mut *tx, &project).await? else { return Ok(()) };
    // An asset made by this upload becomes a deliverable first: its first stage starts as if
    // before the upload, which then moves it on.
    if wstore::deliverable(&mut *tx, asset.id).await?.is_none() {
        start(tx, &flow, &asset, None, actor, now).await?;
    }
    let Some(d) = wstore::deliverable(&mut *tx, asset.id).await? else { return Ok(()) };
    if d.delivered_at.is_some() {
        return Ok(());
    }
    let Some(v) = versions::get(&mut *tx, version).await? else { return Ok(()) };
    let open = wstore::open_run(&mut *tx, asset.id).await?;
    let here = flow.stage(d.stage_id).map_or(0, |(i, _)| i);
    let kind = flow.stages.get(here).map(|s| s.spec.kind);
    match (open, kind) {
        (Some(run), Some(StageKind::Work)) => {
            if !wstore::exit_run(&mut *tx, run.id, "passed", (None, None), now).await? {
                return Ok(());
            }
            let ended = RunRow { exited_at: Some(now), outcome: Some(String::from("passed")), ..run.clone() };
            record(
                &mut *tx,
                event::STAGE_PASSED,
                now,
                actor,
                scope_of(&flow, asset.id, Some(v.id.0)),
                &run_payload(&flow, &ended),
            )
            .await?;
            let next = match d.return_stage_id.and_then(|s| flow.stage(s)) {
                Some((i, _)) => Some(i),
                None => (here + 1 < flow.stages.len()).then_some(here + 1),
            };
            match next {
                Some(i) => enter(tx, &flow, &asset, i, Some(&v), None, actor, now).await,
                None => {
                    wstore::set_delivered(&mut *tx, asset.id, Some(now), now).await?;
                    Ok(())
                }
            }
        }
        (Some(run), Some(StageKind::Review | StageKind::Approval)) if run.version_id != Some(v.id.0) => {
            if wstore::exit_run(&mut *tx, run.id, "superseded", (None, None), now).await? {
                let ended = RunRow { exited_at: Some(now), outcome: Some(String::from("superseded")), ..run.clone() };
                record(
                    &mut *tx,
                    event::STAGE_SUPERSEDED,
                    now,
                    actor,
                    scope_of(&flow, asset.id, run.version_id),
                    &run_payload(&flow, &ended),
                )
                .await?;
            }
            enter(tx, &flow, &asset, here, Some(&v), None, actor, now).await
        }
        (Some(_), _) => Ok(()),
        (None, _) => {
            let target = d.return_stage_id.and_then(|s| flow.stage(s)).map_or(here, |(i, _)| i);
            enter(tx, &flow, &asset, target, Some(&v), None, actor, now).await
        }
    }
}

/// Which seat of `seats` the caller fills: their own, or one whose backup they are and were
/// asked as.
fn seat_of<'a>(seats: &'a [SeatRow], caller: &Caller) -> Option<(&'a SeatRow, &'static str)> {
    let (user, email) = match caller {
        Caller::User(p) => (Some(p.user_id.0), None),
        Caller::Guest(g) => (None, Some(g.session.email.to_lowercase())),
    };
    let me = |u: Option<Uuid>, e: Option<&str>| {
        (user.is_some() && u == user) || (email.is_some() && e.map(str::to_lowercase) == email)
    };
    seats.iter().find(|s| me(s.user_id, s.email.as_deref())).map(|s| (s, "reviewer")).or_else(|| {
        seats
            .iter()
            .find(|s| s.backup_asked_at.is_some() && me(s.backup_user_id, s.backup_email.as_deref()))
            .map(|s| (s, "backup"))
    })
}

/// The checklist items a seat must have ticked before approving, that are not: `(index, text)`.
fn open_items(spec: &StageSpec, ticks: &[(i64, String, String, i64)], seat: i64) -> Vec<(usize, String)> {
    spec.checklist
        .iter()
        .enumerate()
        .filter(|(i, item)| {
            let holder = match item.per {
                ChecklistPer::Stage => String::from("stage"),
                ChecklistPer::Reviewer => format!("seat:{seat}"),
            };
            let i = i64::try_from(*i).unwrap_or(-1);
            !ticks.iter().any(|(n, h, _, _)| *n == i && *h == holder)
        })
        .map(|(i, item)| (i, item.text.clone()))
        .collect()
}

/// Before an approval is recorded: 409 `checklist-open` while the caller's seat in the stage
/// reviewing this version has unticked items.
pub async fn require_checklist(
    c: &mut Conn,
    asset: &AssetRow,
    v: &VersionRow,
    caller: &Caller,
    decision: Decision,
) -> ApiResult<()> {
    if !workflow::passes(decision) {
        return Ok(());
    }
    let Some(run) = wstore::open_run(&mut *c, asset.id).await?.filter(|r| r.version_id == Some(v.id.0)) else {
        return Ok(());
    };
    let Some(stage) = wstore::stages(&mut *c, run.project_id).await?.into_iter().find(|s| s.id == run.stage_id) else {
        return Ok(());
    };
    let Ok(spec) = serde_json::from_str::<StageSpec>(&stage.spec) else { return Ok(()) };
    let seats = wstore::seats(&mut *c, run.id).await?;
    let Some((seat, _)) = seat_of(&seats, caller) else { return Ok(()) };
    let open = open_items(&spec, &wstore::ticks(&mut *c, run.id).await?, seat.seat);
    if open.is_empty() {
        return Ok(());
    }
    Err(ApiError::conflict(
        "checklist-open",
        format!(
            "tick the {} checklist before approving: {}",
            spec.name,
            open.iter().map(|(_, t)| format!("\u{201c}{t}\u{201d}")).collect::<Vec<_>>().join(", ")
        ),
    )
    .with_fields(open.iter().map(|(i, _)| format!("checklist[{i}]"))))
}

/// After a decision is recorded (and the lock rule had its say): fills the caller's seat and
/// lets the stage's rule decide.
pub async fn decision_recorded(
    tx: &mut WriteTx,
    asset: AssetId,
    version: VersionId,
    caller: &Caller,
    decision: Decision,
    now: i64,
) -> ApiResult<()> {
    let Some(run) = wstore::open_run(&mut *tx, asset).await?.filter(|r| r.version_id == Some(version.0)) else {
        return Ok(());
    };
    let Some(asset) = assets::get(&mut *tx, asset).await? else { return Ok(()) };
    let Some(project) = frameproof_store::projects::get(&mut *tx, asset.project_id).await? else { return Ok(()) };
    let Some(flow) = flow(&mut *tx, &project).await? else { return Ok(()) };
    let Some((_, stage)) = flow.stage(run.stage_id) else { return Ok(()) };
    let stage = stage.clone();
    let seats = wstore::seats(&mut *tx, run.id).await?;
    let Some((seat, by)) = seat_of(&seats, caller) else { return Ok(()) };
    wstore::set_seat_decision(&mut *tx, run.id, seat.seat, decision.as_str(), by, now).await?;
    settle(tx, &flow, &asset, &run, &stage, &Actor::of(caller), now).await
}

/// Applies the stage's rule to its seats now.
async fn settle(
    tx: &mut WriteTx,
    flow: &Flow,
    asset: &AssetRow,
    run: &RunRow,
    stage: &Stage,
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    let seats = wstore::seats(&mut *tx, run.id).await?;
    let votes: Vec<Option<Decision>> = seats.iter().map(|s| s.decision.as_deref().and_then(Decision::parse)).collect();
    let verdict = match stage.spec.kind {
        StageKind::Approval => {
            let locked = match run.version_id {
                Some(v) => versions::get(&mut *tx, VersionId(v)).await?.is_some_and(|v| v.locked),
                None => false,
            };
            if locked {
                Verdict::Passed
            } else if votes.iter().flatten().any(|d| !workflow::passes(*d)) {
                Verdict::ChangesRequested
            } else {
                Verdict::Open
            }
        }
        _ => workflow::verdict(workflow::needed(stage.spec.rule, stage.spec.quorum, seats.len()), &votes),
    };
    match verdict {
        Verdict::Open => Ok(()),
        Verdict::Passed => advance(tx, flow, asset, run, ("passed", None, None), actor, now).await,
        Verdict::ChangesRequested => send_back(tx, flow, asset, run, actor, now).await,
    }
}

/// After a version locked (by its approvals or by hand): an approval stage reviewing it passes.
pub async fn version_locked(
    tx: &mut WriteTx,
    asset: &AssetRow,
    version: VersionId,
    actor: &Actor,
    now: i64,
) -> ApiResult<()> {
    let Some(run) = wstore::open_run(&mut *tx, asset.id).await?.filter(|r| r.version_id == Some(version.0)) else {
        return Ok(());
    };
    let Some(project) = frameproof_store::projects::get(&mut *tx, asset.project_id).await? else { return Ok(()) };
    let Some(flow) = flow(&mut *tx, &project).await? else { return Ok(()) };
    let Some((_, stage)) = flow.stage(run.stage_id) else { return Ok(()) };
    if stage.spec.kind == StageKind::Approval {
        let stage = stage.clone();
        settle(tx, &flow, asset, &run, &stage, actor, now).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The clock: overdue, backups, deemed approvals

/// Runs per clock pass.
const TICK_BATCH: i64 = 500;

/// One pass over runs past their due time: each is marked overdue once (the owner is told), an
/// undecided reviewer's backup is asked once they are `escalate_after_hours` business hours
/// late, and a stage with deemed approval passes as `deemed`. Returns the runs it changed.
pub async fn tick(state: &AppState) -> ApiResult<u64> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let due = wstore::open_runs_due(&mut tx, now, TICK_BATCH).await?;
    let mut changed = 0;
    let actor = Actor::system();
    for run in due {
        let Some(asset) = assets::get(&mut tx, run.asset_id).await?.filter(|a| a.deleted_at.is_none()) else {
            continue;
        };
        let Some(project) =
            frameproof_store::projects::get(&mut tx, run.project_id).await?.filter(|p| p.deleted_at.is_none())
        else {
            continue;
        };
        let Some(flow) = flow(&mut tx, &project).await? else { continue };
        let Some((_, stage)) = flow.stage(run.stage_id) else { continue };
        let stage = stage.clone();
        let scope = scope_of(&flow, asset.id, run.version_id);
        let seats = wstore::seats(&mut tx, run.id).await?;
        let waiting: Vec<&SeatRow> = seats.iter().filter(|s| s.decided_at.is_none()).collect();
        if wstore::mark_overdue(&mut tx, run.id, now).await? {
            changed += 1;
            let mut payload = run_payload(&flow, &run);
            payload["waiting_on"] =
                waiting.iter().map(|s| serde_json::json!({"name": s.name, "user_id": s.user_id})).collect();
            payload["owner_id"] = serde_json::json!(flow.campaign.owner_id);
            record(&mut tx, event::STAGE_OVERDUE, now, &actor, scope, &payload).await?;
        }
        if !stage.spec.kind.has_reviewers() {
            // Work and delivery stages wait on no one: marking them overdue is all.
            wstore::mark_clock_done(&mut tx, run.id, now).await?;
            continue;
        }
        if stage.spec.deemed_approval {
            if deem(state, &mut tx, &flow, &asset, &run, &stage, &actor, now).await? {
                changed += 1;
            }
            continue;
        }
        let late_ms = flow.cal.business_ms(run.due_at, now);
        if late_ms < i64::from(stage.spec.escalate_after_hours) * 3_600_000 {
            continue;
        }
        let mut asked_any = false;
        for s in waiting {
            if wstore::ask_backup(&mut tx, run.id, s.seat, "overdue", now).await? {
                asked_any = true;
                let mut payload = run_payload(&flow, &run);
                payload["reviewer"] = serde_json::json!({
                    "user_id": s.backup_user_id, "name": s.backup_name, "guest": s.backup_email.is_some(),
                    "backup_for": s.name, "reason": "overdue",
                });
                record(&mut tx, event::REVIEWER_ASKED, now, &actor, scope, &payload).await?;
            }
        }
        if asked_any {
            changed += 1;
            if stage.spec.kind == StageKind::Approval {
                let seats = wstore::seats(&mut tx, run.id).await?;
                set_required_approvers(&mut tx, &flow, &asset, &seats, &actor, now).await?;
            }
        }
        // Every backup there is has been asked: nothing is left for the clock to do.
        wstore::mark_clock_done(&mut tx, run.id, now).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// A stage with deemed approval passes at its due time unless someone objected: recorded as
/// `deemed`; an approval stage seals the version with a lock of kind `deemed` whose receipt
/// says so.
#[allow(clippy::too_many_arguments)]
async fn deem(
    state: &AppState,
    tx: &mut WriteTx,
    flow: &Flow,
    asset: &AssetRow,
    run: &RunRow,
    stage: &Stage,
    actor: &Actor,
    now: i64,
) -> ApiResult<bool> {
    let seats = wstore::seats(&mut *tx, run.id).await?;
    if seats.iter().any(|s| s.decision.as_deref().and_then(Decision::parse).is_some_and(|d| !workflow::passes(d))) {
        return Ok(false);
    }
    let reason = format!("no decision by the due time of {} (deemed approval)", stage.spec.name);
    if stage.spec.kind == StageKind::Approval {
        let Some(v) = run.version_id else { return Ok(false) };
        let Some(v) = versions::get(&mut *tx, VersionId(v)).await? else { return Ok(false) };
        if !v.locked {
            if v.sha256.is_none() {
                return Ok(false);
            }
            super::review::seal_deemed(state, tx, (&v, asset, &flow.project), actor, &reason, now).await?;
        }
    }
    advance(tx, flow, asset, run, ("deemed", Some(&reason), None), actor, now).await?;
    Ok(true)
}

/// What a receipt says of the stage that locked a version: its name, round, whether it was
/// deemed, and the checklist as ticked.
pub async fn receipt_stage(c: &mut Conn, asset: AssetId, version: VersionId) -> ApiResult<Option<serde_json::Value>> {
    let Some(run) = wstore::open_run(&mut *c, asset).await?.filter(|r| r.version_id == Some(version.0)) else {
        return Ok(None);
    };
    let Some(stage) = wstore::stages(&mut *c, run.project_id).await?.into_iter().find(|s| s.id == run.stage_id) else {
        return Ok(None);
    };
    let Ok(spec) = serde_json::from_str::<StageSpec>(&stage.spec) else { return Ok(None) };
    let ticks = wstore::ticks(&mut *c, run.id).await?;
    let seats = wstore::seats(&mut *c, run.id).await?;
    let checklist: Vec<serde_json::Value> = spec
        .checklist
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let i = i64::try_from(i).unwrap_or(-1);
            let ticked: Vec<serde_json::Value> = ticks
                .iter()
                .filter(|(n, _, _, _)| *n == i)
                .map(|(_, _, by, at)| serde_json::json!({"by": by, "at": Timestamp(*at).to_rfc3339()}))
                .collect();
            let done = match item.per {
                ChecklistPer::Stage => !ticked.is_empty(),
                // Ticked at all, and by every seat that decided (a deemed stage no one decided
                // in shows its items as they were: unticked).
                ChecklistPer::Reviewer => {
                    !ticked.is_empty()
                        && seats
                            .iter()
                            .filter(|s| s.decision.is_some())
                            .all(|s| ticks.iter().any(|(n, h, _, _)| *n == i && *h == format!("seat:{}", s.seat)))
                }
            };
            serde_json::json!({"text": item.text, "per": item.per, "done": done, "ticked": ticked})
        })
        .collect();
    Ok(Some(serde_json::json!({
        "name": spec.name, "kind": spec.kind, "round": run.round,
        "entered_at": Timestamp(run.entered_at).to_rfc3339(), "due_at": Timestamp(run.due_at).to_rfc3339(),
        "deemed_approval": spec.deemed_approval, "checklist": checklist,
    })))
}

// ---------------------------------------------------------------------------------------------
// Views and actions on a deliverable

/// Who a run waits on and what they did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeatView {
    pub seat: i64,
    pub user_id: Option<UserId>,
    pub name: String,
    pub guest: bool,
    /// Members see e-mails; a guest sees only their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub asked_at: Timestamp,
    pub first_seen_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub decision: Option<Decision>,
    /// `reviewer` or `backup`: who filled the seat.
    pub decided_by: Option<String>,
    pub backup: Option<BackupView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BackupView {
    pub user_id: Option<UserId>,
    pub name: String,
    pub guest: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When the backup was asked (none: not yet); `reason` says why (`overdue` or `away`).
    pub asked_at: Option<Timestamp>,
    pub reason: Option<String>,
}

/// A checklist item and where it stands in a run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecklistView {
    pub index: usize,
    pub text: String,
    pub per: ChecklistPer,
    pub ticks: Vec<TickView>,
    /// The caller has ticked it (for a stage item: anyone has).
    pub ticked_by_me: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TickView {
    /// `stage`, or `seat:N` for a reviewer's own tick.
    pub holder: String,
    pub by: String,
    pub at: Timestamp,
}

/// One (deliverable, stage, round).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageRunView {
    pub id: Uuid,
    pub asset_id: AssetId,
    pub stage_id: Uuid,
    pub stage: String,
    pub kind: StageKind,
    pub round: i64,
    pub version_id: Option<VersionId>,
    pub entered_at: Timestamp,
    pub due_at: Timestamp,
    pub exited_at: Option<Timestamp>,
    /// `passed`, `changes_requested`, `deemed`, `skipped` or `superseded` (a newer version
    /// arrived before the stage decided); none while open.
    pub outcome: Option<String>,
    pub reason: Option<String>,
    /// Past due and still open.
    pub overdue: bool,
    pub reviewers: Vec<SeatView>,
    pub checklist: Vec<ChecklistView>,
    /// How many seats must pass.
    pub needed: usize,
    pub deemed_approval: bool,
}

fn seat_view(s: &SeatRow, show_emails: bool) -> SeatView {
    SeatView {
        seat: s.seat,
        user_id: s.user_id.map(UserId),
        name: s.name.clone(),
        guest: s.email.is_some(),
        email: if show_emails { s.email.clone() } else { None },
        asked_at: Timestamp(s.asked_at),
        first_seen_at: s.first_seen_at.map(Timestamp),
        decided_at: s.decided_at.map(Timestamp),
        decision: s.decision.as_deref().and_then(Decision::parse),
        decided_by: s.decided_by.clone(),
        backup: s.backup_name.as_ref().map(|n| BackupView {
            user_id: s.backup_user_id.map(UserId),
            name: n.clone(),
            guest: s.backup_email.is_some(),
            email: if show_emails { s.backup_email.clone() } else { None },
            asked_at: s.backup_asked_at.map(Timestamp),
            reason: s.backup_reason.clone(),
        }),
    }
}

async fn run_view(
    c: &mut Conn,
    run: &RunRow,
    stages: &[StageRow],
    caller: Option<&Caller>,
    now: i64,
) -> ApiResult<StageRunView> {
    let row = stages.iter().find(|s| s.id == run.stage_id);
    let spec: Option<StageSpec> = row.and_then(|r| serde_json::from_str(&r.spec).ok());
    let seats = wstore::seats(&mut *c, run.id).await?;
    let ticks = wstore::ticks(&mut *c, run.id).await?;
    let my_seat = caller.and_then(|c| seat_of(&seats, c)).map(|(s, _)| s.seat);
    let show_emails = !matches!(caller, Some(Caller::Guest(_)));
    let checklist = spec
        .as_ref()
        .map(|spec| {
            spec.checklist
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let n = i64::try_from(i).unwrap_or(-1);
                    let mine = match item.per {
                        ChecklistPer::Stage => String::from("stage"),
                        ChecklistPer::Reviewer => format!("seat:{}", my_seat.unwrap_or(-1)),
                    };
                    ChecklistView {
                        index: i,
                        text: item.text.clone(),
                        per: item.per,
                        ticked_by_me: ticks.iter().any(|(x, h, _, _)| *x == n && *h == mine),
                        ticks: ticks
                            .iter()
                            .filter(|(x, _, _, _)| *x == n)
                            .map(|(_, h, by, at)| TickView { holder: h.clone(), by: by.clone(), at: Timestamp(*at) })
                            .collect(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut reviewers: Vec<SeatView> = seats.iter().map(|s| seat_view(s, show_emails)).collect();
    if let Some(Caller::Guest(g)) = caller {
        let own = g.session.email.to_lowercase();
        for (v, s) in reviewers.iter_mut().zip(&seats) {
            if s.email.as_deref() == Some(own.as_str()) {
                v.email = s.email.clone();
            }
        }
    }
    Ok(StageRunView {
        id: run.id,
        asset_id: run.asset_id,
        stage_id: run.stage_id,
        stage: row.map(|r| r.name.clone()).unwrap_or_default(),
        kind: row.and_then(|r| StageKind::parse(&r.kind)).unwrap_or(StageKind::Review),
        round: run.round,
        version_id: run.version_id.map(VersionId),
        entered_at: Timestamp(run.entered_at),
        due_at: Timestamp(run.due_at),
        exited_at: run.exited_at.map(Timestamp),
        outcome: run.outcome.clone(),
        reason: run.reason.clone(),
        overdue: run.exited_at.is_none() && now > run.due_at,
        needed: spec.as_ref().map_or(0, |s| match s.kind {
            StageKind::Approval => seats.len(),
            _ => workflow::needed(s.rule, s.quorum, seats.len()),
        }),
        deemed_approval: spec.as_ref().is_some_and(|s| s.deemed_approval),
        checklist,
        reviewers,
    })
}

/// A deliverable: where it is, what it waits on, and when it is due.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliverableView {
    pub asset_id: AssetId,
    pub name: String,
    pub stage_id: Uuid,
    pub stage: String,
    pub kind: StageKind,
    /// The deliverable's own due time (none: only the stages' due times).
    pub due_at: Option<Timestamp>,
    pub brief_line: Option<String>,
    pub delivered_at: Option<Timestamp>,
    /// The open stage run (none: delivered, or waiting for a version).
    pub run: Option<StageRunView>,
    /// Waiting for a new version (changes were requested, or nothing was uploaded yet).
    pub awaiting_version: bool,
    /// Past its own due time, or its stage's, and not delivered.
    pub overdue: bool,
    /// The current version's number.
    pub version_number: Option<i64>,
}

async fn deliverable_view(
    c: &mut Conn,
    d: &DeliverableRow,
    stages: &[StageRow],
    caller: Option<&Caller>,
    now: i64,
) -> ApiResult<DeliverableView> {
    let asset = assets::get(&mut *c, d.asset_id).await?.ok_or_else(ApiError::not_found)?;
    let stage = stages.iter().find(|s| s.id == d.stage_id);
    let run = match wstore::open_run(&mut *c, d.asset_id).await? {
        Some(r) => Some(run_view(&mut *c, &r, stages, caller, now).await?),
        None => None,
    };
    let overdue =
        d.delivered_at.is_none() && (d.due_at.is_some_and(|t| now > t) || run.as_ref().is_some_and(|r| r.overdue));
    Ok(DeliverableView {
        asset_id: d.asset_id,
        name: asset.name.clone(),
        stage_id: d.stage_id,
        stage: stage.map(|s| s.name.clone()).unwrap_or_default(),
        kind: stage.and_then(|s| StageKind::parse(&s.kind)).unwrap_or(StageKind::Review),
        due_at: d.due_at.map(Timestamp),
        brief_line: d.brief_line.clone(),
        delivered_at: d.delivered_at.map(Timestamp),
        awaiting_version: run.is_none() && d.delivered_at.is_none(),
        overdue,
        version_number: asset.current_number,
        run,
    })
}

/// A campaign's board: its stages in order, each with the deliverables in it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardView {
    pub project_id: ProjectId,
    pub columns: Vec<BoardColumn>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardColumn {
    pub stage_id: Uuid,
    pub name: String,
    pub kind: StageKind,
    pub deliverables: Vec<DeliverableView>,
}

pub async fn board(state: &AppState, caller: &Caller, id: ProjectId) -> ApiResult<BoardView> {
    let Caller::User(p) = caller else { return Err(ApiError::not_found()) };
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let (project, _) = access::project(&mut c, p, id, false).await?;
    let stages = wstore::stages(&mut c, project.id).await?;
    if stages.is_empty() {
        return Err(ApiError::conflict("no-workflow", "this project has no workflow; apply one first"));
    }
    let mut columns: Vec<BoardColumn> = stages
        .iter()
        .map(|s| BoardColumn {
            stage_id: s.id,
            name: s.name.clone(),
            kind: StageKind::parse(&s.kind).unwrap_or(StageKind::Review),
            deliverables: Vec::new(),
        })
        .collect();
    for d in wstore::deliverables(&mut c, project.id).await? {
        let view = deliverable_view(&mut c, &d, &stages, Some(caller), now).await?;
        if let Some(col) = columns.iter_mut().find(|c| c.stage_id == d.stage_id) {
            col.deliverables.push(view);
        }
    }
    Ok(BoardView { project_id: project.id, columns })
}

/// A deliverable with its reach checked: the team and the project's reviewers.
async fn reach_deliverable(
    c: &mut Conn,
    p: &Principal,
    asset: AssetId,
) -> ApiResult<(AssetRow, ProjectRow, Role, DeliverableRow)> {
    let (asset, project, role) = access::asset(&mut *c, p, asset, false).await?;
    let d = wstore::deliverable(&mut *c, asset.id).await?.ok_or_else(|| {
        ApiError::conflict("not-a-deliverable", "this asset is not a deliverable: its project has no workflow")
    })?;
    Ok((asset, project, role, d))
}

/// A deliverable as it stands now, as member `p` sees it.
async fn deliverable_now(
    c: &mut Conn,
    asset: AssetId,
    project: ProjectId,
    p: &Principal,
    now: i64,
) -> ApiResult<DeliverableView> {
    let d = wstore::deliverable(&mut *c, asset).await?.ok_or_else(ApiError::not_found)?;
    let stages = wstore::stages(&mut *c, project).await?;
    deliverable_view(c, &d, &stages, Some(&Caller::User(p.clone())), now).await
}

pub async fn get_deliverable(state: &AppState, p: &Principal, asset: AssetId) -> ApiResult<DeliverableView> {
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let (asset, project, _, _) = reach_deliverable(&mut c, p, asset).await?;
    deliverable_now(&mut c, asset.id, project.id, p, now).await
}

pub async fn runs(state: &AppState, p: &Principal, asset: AssetId) -> ApiResult<Vec<StageRunView>> {
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let (_, project, _, _) = reach_deliverable(&mut c, p, asset).await?;
    let stages = wstore::stages(&mut c, project.id).await?;
    let caller = Caller::User(p.clone());
    let mut out = Vec::new();
    for r in wstore::runs(&mut c, asset).await? {
        out.push(run_view(&mut c, &r, &stages, Some(&caller), now).await?);
    }
    Ok(out)
}

/// `PATCH /api/v1/assets/{id}/deliverable`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeliverable {
    /// The deliverable's own due time; null clears. A time in the past answers 400
    /// `due-in-past`.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<Timestamp>)]
    pub due_at: Option<Option<Timestamp>>,
    /// The key of the brief's deliverable line it fulfils; null clears.
    #[serde(default, deserialize_with = "super::some_or_null")]
    #[schema(value_type = Option<String>)]
    pub brief_line: Option<Option<String>>,
}

pub async fn update_deliverable(
    state: &AppState,
    p: &Principal,
    asset: AssetId,
    req: UpdateDeliverable,
) -> ApiResult<DeliverableView> {
    let now = state.now().0;
    if let Some(Some(t)) = req.due_at
        && t.0 <= now
    {
        return Err(ApiError::bad_request("due-in-past", format!("due_at: {} is not in the future", t.to_rfc3339()))
            .with_fields(["due_at".to_owned()]));
    }
    if let Some(Some(line)) = &req.brief_line
        && (line.is_empty() || line.len() > 64)
    {
        return Err(ApiError::bad_request("brief-line-invalid", "brief_line: a line key has 1 to 64 characters")
            .with_fields(["brief_line".to_owned()]));
    }
    let mut tx = state.store().begin().await?;
    let (asset, project, role, _) = reach_deliverable(&mut tx, p, asset).await?;
    require(role, Action::EditContent)?;
    access::require_not_archived(&project)?;
    wstore::set_deliverable_plan(
        &mut tx,
        asset.id,
        req.due_at.map(|d| d.map(|t| t.0)),
        req.brief_line.as_ref().map(|b| b.as_deref()),
        now,
    )
    .await?;
    let view = deliverable_now(&mut tx, asset.id, project.id, p, now).await?;
    let payload = serde_json::json!({"asset_id": asset.id, "due_at": view.due_at, "brief_line": view.brief_line});
    record(
        &mut tx,
        event::DELIVERABLE_UPDATED,
        now,
        &Actor::user(p),
        EventScope::asset(project.workspace_id, project.id, asset.id),
        &payload,
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// `POST /api/v1/assets/{id}/stage/skip`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkipStage {
    /// Why (kept in the run and the audit trail).
    pub reason: String,
}

/// Skips the open stage (a manager: the campaign's owner, or a workspace owner or admin), with
/// a reason; the deliverable goes on to the next stage.
pub async fn skip(state: &AppState, p: &Principal, asset: AssetId, req: SkipStage) -> ApiResult<DeliverableView> {
    let reason = super::reason_text("reason", &req.reason, 2000, true)?;
    let reason = reason.as_str();
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role, _) = reach_deliverable(&mut tx, p, asset).await?;
    let flow = flow(&mut tx, &project).await?.ok_or_else(ApiError::not_found)?;
    if flow.campaign.owner_id != Some(p.user_id.0) && !role.allows(Action::ManageLocks) {
        return Err(ApiError::forbidden("only the campaign's owner, or a workspace owner or admin, skips a stage"));
    }
    access::require_not_archived(&project)?;
    let run = wstore::open_run(&mut tx, asset.id).await?.ok_or_else(|| {
        ApiError::conflict(
            "no-open-stage",
            "the deliverable is not in a running stage (delivered, or waiting for a version)",
        )
    })?;
    let by = serde_json::json!({"user_id": p.user_id, "name": p.name}).to_string();
    advance(&mut tx, &flow, &asset, &run, ("skipped", Some(reason), Some(&by)), &Actor::user(p), now).await?;
    let view = deliverable_now(&mut tx, asset.id, project.id, p, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// `POST /api/v1/assets/{id}/stage/move`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveStage {
    /// A stage of the campaign's workflow.
    pub stage_id: Uuid,
    /// Why (kept in the runs it ends and the audit trail).
    pub reason: String,
}

/// Moves a deliverable on the board (a manager, as for skipping): back to an earlier stage
/// (the open run ends with changes requested, and the earlier stage is entered with the
/// current version; a delivered deliverable is taken back), or forward (each stage between is
/// skipped with the reason, as [`skip`] does, until the target is reached or a stage waits for
/// a version).
pub async fn move_to(state: &AppState, p: &Principal, asset: AssetId, req: MoveStage) -> ApiResult<DeliverableView> {
    let reason = super::reason_text("reason", &req.reason, 2000, true)?;
    let reason = reason.as_str();
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role, d) = reach_deliverable(&mut tx, p, asset).await?;
    let flow = flow(&mut tx, &project).await?.ok_or_else(ApiError::not_found)?;
    if flow.campaign.owner_id != Some(p.user_id.0) && !role.allows(Action::ManageLocks) {
        return Err(ApiError::forbidden(
            "only the campaign's owner, or a workspace owner or admin, moves a deliverable",
        ));
    }
    access::require_not_archived(&project)?;
    let Some((target, _)) = flow.stage(req.stage_id) else {
        return Err(ApiError::bad_request(
            "stage-unknown",
            format!("stage_id: no stage {} in this workflow", req.stage_id),
        )
        .with_fields(["stage_id".to_owned()]));
    };
    let here = flow.stage(d.stage_id).map_or(0, |(i, _)| i);
    let delivered = d.delivered_at.is_some();
    if target == here && !delivered {
        return Err(ApiError::conflict("stage-unchanged", "stage_id: the deliverable is in that stage already")
            .with_fields(["stage_id".to_owned()]));
    }
    let actor = Actor::user(p);
    let by = serde_json::json!({"user_id": p.user_id, "name": p.name}).to_string();
    if target < here || delivered {
        if let Some(run) = wstore::open_run(&mut tx, asset.id).await?
            && wstore::exit_run(&mut tx, run.id, "changes_requested", (Some(reason), Some(&by)), now).await?
        {
            let ended = RunRow {
                exited_at: Some(now),
                outcome: Some(String::from("changes_requested")),
                reason: Some(reason.to_owned()),
                ..run.clone()
            };
            let scope = scope_of(&flow, asset.id, run.version_id);
            record(&mut tx, event::STAGE_CHANGES_REQUESTED, now, &actor, scope, &run_payload(&flow, &ended)).await?;
        }
        if delivered {
            wstore::set_delivered(&mut tx, asset.id, None, now).await?;
        }
        let version = match versions::current_of(&mut tx, asset.id).await? {
            Some(v) => versions::get(&mut tx, v).await?,
            None => None,
        };
        enter(&mut tx, &flow, &asset, target, version.as_ref(), None, &actor, now).await?;
    } else {
        if wstore::open_run(&mut tx, asset.id).await?.is_none() {
            return Err(ApiError::conflict(
                "no-open-stage",
                "the deliverable waits for a version in its stage: upload one, or move it back",
            )
            .with_fields(["stage_id".to_owned()]));
        }
        while let Some(run) = wstore::open_run(&mut tx, asset.id).await? {
            if flow.stage(run.stage_id).is_none_or(|(i, _)| i >= target) {
                break;
            }
            advance(&mut tx, &flow, &asset, &run, ("skipped", Some(reason), Some(&by)), &actor, now).await?;
        }
    }
    let scope = EventScope::asset(project.workspace_id, project.id, asset.id);
    let payload = serde_json::json!({"asset_id": asset.id, "stage_id": req.stage_id, "reason": reason});
    record(&mut tx, event::DELIVERABLE_UPDATED, now, &actor, scope, &payload).await?;
    let view = deliverable_now(&mut tx, asset.id, project.id, p, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Completes a work or delivery stage by hand (a team member): a work stage goes on with the
/// current version, a delivery stage marks the deliverable delivered. Review and approval
/// stages end by their reviewers' decisions.
pub async fn complete(state: &AppState, p: &Principal, asset: AssetId) -> ApiResult<DeliverableView> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (asset, project, role, _) = reach_deliverable(&mut tx, p, asset).await?;
    require(role, Action::EditContent)?;
    access::require_not_archived(&project)?;
    let flow = flow(&mut tx, &project).await?.ok_or_else(ApiError::not_found)?;
    let run = wstore::open_run(&mut tx, asset.id).await?.ok_or_else(|| {
        ApiError::conflict(
            "no-open-stage",
            "the deliverable is not in a running stage (delivered, or waiting for a version)",
        )
    })?;
    let kind = flow.stage(run.stage_id).map(|(_, s)| s.spec.kind);
    match kind {
        Some(StageKind::Work) if asset.current_version_id.is_none() => {
            return Err(ApiError::conflict("version-needed", "upload a version first: the next stage reviews it"));
        }
        Some(StageKind::Work | StageKind::Delivery) => {}
        _ => {
            return Err(ApiError::conflict(
                "stage-decided-by-reviewers",
                "a review or approval stage ends by its reviewers' decisions (or a manager's skip)",
            ));
        }
    }
    let by = serde_json::json!({"user_id": p.user_id, "name": p.name}).to_string();
    advance(&mut tx, &flow, &asset, &run, ("passed", None, Some(&by)), &Actor::user(p), now).await?;
    let view = deliverable_now(&mut tx, asset.id, project.id, p, now).await?;
    tx.commit().await?;
    Ok(view)
}

/// Where a version stands in its deliverable's workflow, as the review page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionStageView {
    pub version_id: VersionId,
    /// The stage run reviewing this version: the open one, else the latest that did.
    pub run: Option<StageRunView>,
    /// The caller's seat in it (none: not asked).
    pub my_seat: Option<i64>,
    /// Checklist items the caller must still tick before approving.
    pub my_open_items: Vec<usize>,
    /// The deliverable's own due time.
    pub due_at: Option<Timestamp>,
}

pub async fn version_stage(state: &AppState, caller: &Caller, id: VersionId) -> ApiResult<VersionStageView> {
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let (v, asset, project, _) = super::versions::reach_for(&mut c, caller, id).await?;
    let d = wstore::deliverable(&mut c, asset.id).await?;
    let stages = wstore::stages(&mut c, project.id).await?;
    let run = wstore::runs(&mut c, asset.id).await?.into_iter().rev().find(|r| r.version_id == Some(v.id.0));
    let (view, my_seat, open) = match &run {
        Some(r) => {
            let seats = wstore::seats(&mut c, r.id).await?;
            let seat = seat_of(&seats, caller).map(|(s, _)| s.seat);
            let spec = stages
                .iter()
                .find(|s| s.id == r.stage_id)
                .and_then(|s| serde_json::from_str::<StageSpec>(&s.spec).ok());
            let open = match (seat, spec, r.exited_at) {
                (Some(n), Some(spec), None) => {
                    open_items(&spec, &wstore::ticks(&mut c, r.id).await?, n).into_iter().map(|(i, _)| i).collect()
                }
                _ => Vec::new(),
            };
            (Some(run_view(&mut c, r, &stages, Some(caller), now).await?), seat, open)
        }
        None => (None, None, Vec::new()),
    };
    Ok(VersionStageView {
        version_id: v.id,
        run: view,
        my_seat,
        my_open_items: open,
        due_at: d.and_then(|d| d.due_at).map(Timestamp),
    })
}

/// `PUT /api/v1/versions/{id}/stage/checklist/{item}`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickRequest {
    pub ticked: bool,
}

/// Ticks (or unticks) a checklist item of the open stage reviewing this version: a reviewer's
/// own item by a seat holder, a stage item by a seat holder or a team member.
pub async fn tick_item(
    state: &AppState,
    caller: &Caller,
    id: VersionId,
    item: usize,
    req: TickRequest,
) -> ApiResult<VersionStageView> {
    let now = state.now().0;
    {
        let mut tx = state.store().begin().await?;
        let (v, asset, project, grant) = super::versions::reach_for(&mut tx, caller, id).await?;
        access::require_not_archived(&project)?;
        super::review::require_unlocked(&v)?;
        let run = wstore::open_run(&mut tx, asset.id)
            .await?
            .filter(|r| r.version_id == Some(v.id.0))
            .ok_or_else(|| ApiError::conflict("no-open-stage", "no stage is reviewing this version now"))?;
        let stages = wstore::stages(&mut tx, project.id).await?;
        let spec = stages
            .iter()
            .find(|s| s.id == run.stage_id)
            .and_then(|s| serde_json::from_str::<StageSpec>(&s.spec).ok())
            .ok_or_else(ApiError::not_found)?;
        let it = spec.checklist.get(item).ok_or_else(|| {
            ApiError::bad_request("checklist-item-unknown", format!("the {} checklist has no item {item}", spec.name))
                .with_fields([format!("checklist[{item}]")])
        })?;
        let seats = wstore::seats(&mut tx, run.id).await?;
        let seat = seat_of(&seats, caller).map(|(s, _)| s.seat);
        let holder = match (it.per, seat) {
            (ChecklistPer::Reviewer, Some(n)) => format!("seat:{n}"),
            (ChecklistPer::Stage, Some(_)) => String::from("stage"),
            (ChecklistPer::Stage, None) if grant.is_team() => String::from("stage"),
            _ => return Err(ApiError::forbidden("only the stage's reviewers tick its checklist")),
        };
        let n = i64::try_from(item).unwrap_or(-1);
        wstore::set_tick(&mut tx, run.id, n, &holder, req.ticked.then(|| caller.name()), now).await?;
        let payload = serde_json::json!({
            "run_id": run.id, "asset_id": asset.id, "item": item, "text": it.text, "holder": holder, "ticked": req.ticked,
            "by": caller.name(),
        });
        let mut scope = EventScope::asset(project.workspace_id, project.id, asset.id);
        scope.version_id = Some(v.id);
        record(&mut tx, event::CHECKLIST_TICKED, now, &Actor::of(caller), scope, &payload).await?;
        tx.commit().await?;
    }
    version_stage(state, caller, id).await
}

/// Records that the caller opened this version: the first time fills `first_seen_at` of their
/// seat in the stage reviewing it. No content changes, so it is not an event.
pub async fn seen(state: &AppState, caller: &Caller, id: VersionId) -> ApiResult<()> {
    let now = state.now().0;
    let mut tx = state.store().begin().await?;
    let (v, asset, _, _) = super::versions::reach_for(&mut tx, caller, id).await?;
    if let Some(run) = wstore::open_run(&mut tx, asset.id).await?.filter(|r| r.version_id == Some(v.id.0)) {
        let seats = wstore::seats(&mut tx, run.id).await?;
        if let Some((s, _)) = seat_of(&seats, caller) {
            wstore::set_seat_seen(&mut tx, run.id, s.seat, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// What waits on a member, soonest due first: open seats (theirs, or as a backup asked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaitingItem {
    pub asset_id: AssetId,
    pub asset_name: String,
    pub project_id: ProjectId,
    pub project_name: String,
    pub version_id: Option<VersionId>,
    pub stage: String,
    pub round: i64,
    pub asked_at: Timestamp,
    pub due_at: Timestamp,
    pub overdue: bool,
    /// `reviewer`, or `backup` when asked in someone's place.
    pub role: &'static str,
}

pub async fn waiting_on(state: &AppState, p: &Principal) -> ApiResult<Vec<WaitingItem>> {
    let now = state.now().0;
    let mut c = state.store().reader().await?;
    let mut out = Vec::new();
    // One query for the seats and their names; the caller's reach once per campaign.
    let mut reach = access::Reach::default();
    for w in wstore::waiting_on(&mut c, p.user_id).await? {
        let (run, seat) = (&w.run, &w.seat);
        if !reach.project(&mut c, p, w.workspace_id, run.project_id).await? {
            continue;
        }
        out.push(WaitingItem {
            asset_id: run.asset_id,
            asset_name: w.asset_name.clone(),
            project_id: run.project_id,
            project_name: w.project_name.clone(),
            version_id: run.version_id.map(VersionId),
            stage: w.stage_name.clone(),
            round: run.round,
            asked_at: Timestamp(
                seat.backup_asked_at.filter(|_| seat.user_id != Some(p.user_id.0)).unwrap_or(seat.asked_at),
            ),
            due_at: Timestamp(run.due_at),
            overdue: now > run.due_at,
            role: if seat.user_id == Some(p.user_id.0) { "reviewer" } else { "backup" },
        });
    }
    Ok(out)
}
