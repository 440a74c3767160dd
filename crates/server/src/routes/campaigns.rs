//! The operations layer: business calendars, out of office, groups, brief templates and
//! briefs, workflow templates, a campaign's workflow and board, deliverables and their stage
//! runs, checklists, and what waits on the caller.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use frameproof_domain::{AssetId, ProjectId, UserId, VersionId, WorkspaceId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::created;
use crate::app::briefs::{
    self, BriefDiff, BriefTemplateRequest, BriefTemplateView, BriefView, CreateBrief, DiffParams, RevisionView,
    UpdateBrief,
};
use crate::app::calendars::{self, AwayView, CalendarView, GroupRequest, GroupView};
use crate::app::reminders::{self, InboxView, NudgeRequest, NudgeView};
use crate::app::workflow::{
    self, ApplyWorkflow, BoardView, CampaignView, DeliverableView, MoveStage, SkipStage, StageRunView, TickRequest,
    UpdateCampaign, UpdateDeliverable, VersionStageView, WaitingItem, WorkflowTemplateRequest, WorkflowTemplateView,
};
use crate::auth::{Caller, Principal};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::model::Page;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_calendar, put_calendar))
        .routes(routes!(set_away))
        .routes(routes!(list_groups, create_group))
        .routes(routes!(update_group, delete_group))
        .routes(routes!(list_brief_templates, create_brief_template))
        .routes(routes!(get_brief_template, update_brief_template))
        .routes(routes!(list_briefs, create_brief))
        .routes(routes!(get_brief, update_brief))
        .routes(routes!(submit_brief))
        .routes(routes!(accept_brief))
        .routes(routes!(brief_revisions))
        .routes(routes!(brief_diff))
        .routes(routes!(brief_seen))
        .routes(routes!(list_workflow_templates, create_workflow_template))
        .routes(routes!(get_workflow_template, update_workflow_template))
        .routes(routes!(get_campaign, update_campaign))
        .routes(routes!(apply_workflow))
        .routes(routes!(campaign_board))
        .routes(routes!(get_deliverable, update_deliverable))
        .routes(routes!(stage_runs))
        .routes(routes!(skip_stage))
        .routes(routes!(complete_stage))
        .routes(routes!(move_stage))
        .routes(routes!(version_stage))
        .routes(routes!(tick_checklist))
        .routes(routes!(version_seen))
        .routes(routes!(my_work))
        .routes(routes!(nudge_reviewer))
        .routes(routes!(my_inbox))
        .routes(routes!(inbox_read))
        .routes(routes!(campaign_analytics))
        .routes(routes!(deliverable_analytics))
        .routes(routes!(campaign_checkpoints))
        .routes(routes!(campaign_analytics_csv))
        .routes(routes!(workspace_analytics))
}

/// The workspace's business calendar.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/calendar", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = CalendarView), (status = 404, body = ErrorBody)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<CalendarView>> {
    Ok(Json(calendars::get(&state, &p, id).await?))
}

/// Replaces the business calendar (owners and admins). Stages entered from now on count by it.
#[utoipa::path(put, path = "/api/v1/workspaces/{id}/calendar", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    request_body = CalendarView,
    responses((status = 200, body = CalendarView),
        (status = 400, description = "time-zone-unknown, calendar-invalid, holiday-out-of-range (fields names the field)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_calendar(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<CalendarView>,
) -> ApiResult<Json<CalendarView>> {
    Ok(Json(calendars::put(&state, &p, id, req).await?))
}

/// Sets (or clears) a member's time out of office: the member, or an owner or admin.
#[utoipa::path(put, path = "/api/v1/workspaces/{id}/members/{user_id}/away", tag = "campaigns",
    params(("id" = WorkspaceId, Path), ("user_id" = UserId, Path)), request_body = AwayView,
    responses((status = 200, body = AwayView), (status = 400, description = "away-invalid", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_away(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, user)): ApiPath<(WorkspaceId, UserId)>,
    ApiJson(req): ApiJson<AwayView>,
) -> ApiResult<Json<AwayView>> {
    Ok(Json(calendars::set_away(&state, &p, id, user, req).await?))
}

/// Named groups of members (the team).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/groups", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = Page<GroupView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_groups(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<Page<GroupView>>> {
    Ok(Json(Page::all(calendars::groups(&state, &p, id).await?)))
}

/// Creates a group (owners and admins).
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/groups", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    request_body = GroupRequest,
    responses((status = 201, body = GroupView), (status = 400, description = "group-member-unknown", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "group-name-taken", body = ErrorBody)))]
pub async fn create_group(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<GroupRequest>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    Ok(created(calendars::create_group(&state, &p, id, req).await?))
}

/// Renames a group or sets its members.
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "campaigns", params(("id" = Uuid, Path)), request_body = GroupRequest,
    responses((status = 200, body = GroupView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_group(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<GroupRequest>,
) -> ApiResult<Json<GroupView>> {
    Ok(Json(calendars::update_group(&state, &p, id, req).await?))
}

/// Deletes a group.
#[utoipa::path(delete, path = "/api/v1/groups/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_group(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    calendars::delete_group(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The workspace's brief templates (the team).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/brief-templates", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = Page<BriefTemplateView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_brief_templates(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<Page<BriefTemplateView>>> {
    Ok(Json(Page::all(briefs::templates(&state, &p, id).await?)))
}

/// Creates a brief template (owners and admins); without `fields`, the standard ones.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/brief-templates", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    request_body = BriefTemplateRequest,
    responses((status = 201, body = BriefTemplateView),
        (status = 400, description = "template-fields-empty, template-field-invalid, template-too-large (fields names the field)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_brief_template(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<BriefTemplateRequest>,
) -> ApiResult<(StatusCode, Json<BriefTemplateView>)> {
    Ok(created(briefs::create_template(&state, &p, id, req).await?))
}

/// A brief template.
#[utoipa::path(get, path = "/api/v1/brief-templates/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = BriefTemplateView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_brief_template(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BriefTemplateView>> {
    Ok(Json(briefs::get_template(&state, &p, id).await?))
}

/// Edits a brief template; briefs already made keep their fields.
#[utoipa::path(patch, path = "/api/v1/brief-templates/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    request_body = BriefTemplateRequest,
    responses((status = 200, body = BriefTemplateView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update_brief_template(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<BriefTemplateRequest>,
) -> ApiResult<Json<BriefTemplateView>> {
    Ok(Json(briefs::update_template(&state, &p, id, req).await?))
}

/// A campaign's briefs: its own, then its deliverables'.
#[utoipa::path(get, path = "/api/v1/projects/{id}/briefs", tag = "campaigns", params(("id" = ProjectId, Path)),
    responses((status = 200, body = Page<BriefView>), (status = 404, body = ErrorBody)))]
pub async fn list_briefs(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<Page<BriefView>>> {
    Ok(Json(Page::all(briefs::list(&state, &p, id).await?)))
}

/// Starts a brief (revision 1, a draft) on the campaign or one of its deliverables.
#[utoipa::path(post, path = "/api/v1/projects/{id}/briefs", tag = "campaigns", params(("id" = ProjectId, Path)),
    request_body = CreateBrief,
    responses((status = 201, body = BriefView),
        (status = 400, description = "brief-field-unknown, brief-field-invalid, template-unknown, asset-unknown", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "brief-exists", body = ErrorBody)))]
pub async fn create_brief(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<CreateBrief>,
) -> ApiResult<(StatusCode, Json<BriefView>)> {
    Ok(created(briefs::create(&state, &p, id, req).await?))
}

/// A brief as it now stands, and whether it changed since the caller last looked.
#[utoipa::path(get, path = "/api/v1/briefs/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = BriefView), (status = 404, body = ErrorBody)))]
pub async fn get_brief(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BriefView>> {
    Ok(Json(briefs::get(&state, &p, id).await?))
}

/// Edits the draft; after a submission, starts the next revision.
#[utoipa::path(patch, path = "/api/v1/briefs/{id}", tag = "campaigns", params(("id" = Uuid, Path)), request_body = UpdateBrief,
    responses((status = 200, body = BriefView), (status = 400, description = "brief-field-unknown, brief-field-invalid", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_brief(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateBrief>,
) -> ApiResult<Json<BriefView>> {
    Ok(Json(briefs::update(&state, &p, id, req).await?))
}

/// Submits the draft (it is frozen from then on).
#[utoipa::path(post, path = "/api/v1/briefs/{id}/submit", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = BriefView), (status = 400, description = "brief-incomplete (fields lists the empty required fields)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "brief-not-draft", body = ErrorBody)))]
pub async fn submit_brief(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BriefView>> {
    Ok(Json(briefs::submit(&state, &p, id).await?))
}

/// Accepts the submitted revision (the campaign's owner, or a workspace owner or admin).
#[utoipa::path(post, path = "/api/v1/briefs/{id}/accept", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = BriefView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "brief-not-submitted", body = ErrorBody)))]
pub async fn accept_brief(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BriefView>> {
    Ok(Json(briefs::accept(&state, &p, id).await?))
}

/// Every revision of a brief, newest first.
#[utoipa::path(get, path = "/api/v1/briefs/{id}/revisions", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Page<RevisionView>), (status = 404, body = ErrorBody)))]
pub async fn brief_revisions(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Page<RevisionView>>> {
    Ok(Json(Page::all(briefs::revisions(&state, &p, id).await?)))
}

/// What changed between two revisions, field by field.
#[utoipa::path(get, path = "/api/v1/briefs/{id}/diff", tag = "campaigns", params(("id" = Uuid, Path), DiffParams),
    responses((status = 200, body = BriefDiff), (status = 400, description = "revision-unknown", body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn brief_diff(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<DiffParams>,
) -> ApiResult<Json<BriefDiff>> {
    Ok(Json(briefs::diff(&state, &p, id, q).await?))
}

/// Records that the caller read the brief as it stands (clears "changed since you last looked").
#[utoipa::path(post, path = "/api/v1/briefs/{id}/seen", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = BriefView), (status = 404, body = ErrorBody)))]
pub async fn brief_seen(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BriefView>> {
    Ok(Json(briefs::mark_seen(&state, &p, id).await?))
}

/// The workspace's workflow templates (the team).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/workflow-templates", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    responses((status = 200, body = Page<WorkflowTemplateView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_workflow_templates(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
) -> ApiResult<Json<Page<WorkflowTemplateView>>> {
    Ok(Json(Page::all(workflow::templates(&state, &p, id).await?)))
}

/// Creates a workflow template (owners and admins).
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/workflow-templates", tag = "campaigns", params(("id" = WorkspaceId, Path)),
    request_body = WorkflowTemplateRequest,
    responses((status = 201, body = WorkflowTemplateView),
        (status = 400, description = "workflow-stages-invalid, stage-name-invalid, stage-duration-invalid, stage-reviewers-missing, \
stage-reviewers-not-allowed, stage-reviewer-invalid, stage-quorum-invalid, stage-quorum-too-large, stage-rule-invalid, \
stage-checklist-invalid, stage-escalation-invalid (fields names the field)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_workflow_template(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiJson(req): ApiJson<WorkflowTemplateRequest>,
) -> ApiResult<(StatusCode, Json<WorkflowTemplateView>)> {
    Ok(created(workflow::create_template(&state, &p, id, req).await?))
}

/// A workflow template.
#[utoipa::path(get, path = "/api/v1/workflow-templates/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = WorkflowTemplateView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_workflow_template(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WorkflowTemplateView>> {
    Ok(Json(workflow::get_template(&state, &p, id).await?))
}

/// Edits a workflow template; campaigns it was applied to keep their copy.
#[utoipa::path(patch, path = "/api/v1/workflow-templates/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    request_body = WorkflowTemplateRequest,
    responses((status = 200, body = WorkflowTemplateView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update_workflow_template(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<WorkflowTemplateRequest>,
) -> ApiResult<Json<WorkflowTemplateView>> {
    Ok(Json(workflow::update_template(&state, &p, id, req).await?))
}

/// A project's campaign settings: owner, launch, applied workflow.
#[utoipa::path(get, path = "/api/v1/projects/{id}/campaign", tag = "campaigns", params(("id" = ProjectId, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<CampaignView>> {
    Ok(Json(workflow::get_campaign(&state, &p, id).await?))
}

/// Sets the campaign's owner (the producer) and launch time.
#[utoipa::path(patch, path = "/api/v1/projects/{id}/campaign", tag = "campaigns", params(("id" = ProjectId, Path)),
    request_body = UpdateCampaign,
    responses((status = 200, body = CampaignView), (status = 400, description = "campaign-owner-invalid", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_campaign(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<UpdateCampaign>,
) -> ApiResult<Json<CampaignView>> {
    Ok(Json(workflow::update_campaign(&state, &p, id, req).await?))
}

/// Applies a workflow template to the campaign: its stages are copied, and every asset starts
/// in the first stage, in one transaction.
#[utoipa::path(post, path = "/api/v1/projects/{id}/workflow", tag = "campaigns", params(("id" = ProjectId, Path)),
    request_body = ApplyWorkflow,
    responses((status = 201, body = CampaignView), (status = 400, description = "template-unknown, or the template no longer checks", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "workflow-exists", body = ErrorBody)))]
pub async fn apply_workflow(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiJson(req): ApiJson<ApplyWorkflow>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    Ok(created(workflow::apply(&state, &p, id, req).await?))
}

/// The campaign's board: each stage with its deliverables, what they wait on, due and overdue.
#[utoipa::path(get, path = "/api/v1/projects/{id}/board", tag = "campaigns", params(("id" = ProjectId, Path)),
    responses((status = 200, body = BoardView), (status = 404, body = ErrorBody), (status = 409, description = "no-workflow", body = ErrorBody)))]
pub async fn campaign_board(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<BoardView>> {
    Ok(Json(workflow::board(&state, &p, id).await?))
}

/// An asset as a deliverable: its stage, open run and due time.
#[utoipa::path(get, path = "/api/v1/assets/{id}/deliverable", tag = "campaigns", params(("id" = AssetId, Path)),
    responses((status = 200, body = DeliverableView), (status = 404, body = ErrorBody), (status = 409, description = "not-a-deliverable", body = ErrorBody)))]
pub async fn get_deliverable(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<DeliverableView>> {
    Ok(Json(workflow::get_deliverable(&state, &p, id).await?))
}

/// Sets a deliverable's own due time and brief line.
#[utoipa::path(patch, path = "/api/v1/assets/{id}/deliverable", tag = "campaigns", params(("id" = AssetId, Path)),
    request_body = UpdateDeliverable,
    responses((status = 200, body = DeliverableView), (status = 400, description = "due-in-past, brief-line-invalid", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_deliverable(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<UpdateDeliverable>,
) -> ApiResult<Json<DeliverableView>> {
    Ok(Json(workflow::update_deliverable(&state, &p, id, req).await?))
}

/// Every stage run of a deliverable, oldest first, with each reviewer's timestamps.
#[utoipa::path(get, path = "/api/v1/assets/{id}/stage-runs", tag = "campaigns", params(("id" = AssetId, Path)),
    responses((status = 200, body = Page<StageRunView>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn stage_runs(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<Page<StageRunView>>> {
    Ok(Json(Page::all(workflow::runs(&state, &p, id).await?)))
}

/// Skips the open stage with a reason (the campaign's owner, or a workspace owner or admin).
#[utoipa::path(post, path = "/api/v1/assets/{id}/stage/skip", tag = "campaigns", params(("id" = AssetId, Path)), request_body = SkipStage,
    responses((status = 200, body = DeliverableView), (status = 400, description = "reason-required", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "no-open-stage", body = ErrorBody)))]
pub async fn skip_stage(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<SkipStage>,
) -> ApiResult<Json<DeliverableView>> {
    Ok(Json(workflow::skip(&state, &p, id, req).await?))
}

/// Completes a work stage (with the current version) or a delivery stage (delivered).
#[utoipa::path(post, path = "/api/v1/assets/{id}/stage/complete", tag = "campaigns", params(("id" = AssetId, Path)),
    responses((status = 200, body = DeliverableView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "no-open-stage, version-needed, stage-decided-by-reviewers", body = ErrorBody)))]
pub async fn complete_stage(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<DeliverableView>> {
    Ok(Json(workflow::complete(&state, &p, id).await?))
}

/// Where a version stands in its workflow: the stage reviewing it, who has and has not decided,
/// the checklist, and what the caller must still tick. Guests through a share link too.
#[utoipa::path(get, path = "/api/v1/versions/{id}/stage", tag = "campaigns", params(("id" = VersionId, Path)),
    responses((status = 200, body = VersionStageView), (status = 404, body = ErrorBody)))]
pub async fn version_stage(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<Json<VersionStageView>> {
    Ok(Json(workflow::version_stage(&state, &p, id).await?))
}

/// Ticks or unticks a checklist item of the stage reviewing this version.
#[utoipa::path(put, path = "/api/v1/versions/{id}/stage/checklist/{item}", tag = "campaigns",
    params(("id" = VersionId, Path), ("item" = usize, Path)), request_body = TickRequest,
    responses((status = 200, body = VersionStageView), (status = 400, description = "checklist-item-unknown", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "no-open-stage, version-locked", body = ErrorBody)))]
pub async fn tick_checklist(
    State(state): State<AppState>,
    p: Caller,
    ApiPath((id, item)): ApiPath<(VersionId, usize)>,
    ApiJson(req): ApiJson<TickRequest>,
) -> ApiResult<Json<VersionStageView>> {
    Ok(Json(workflow::tick_item(&state, &p, id, item, req).await?))
}

/// Records that the caller opened the version (a reviewer's first look is timed).
#[utoipa::path(post, path = "/api/v1/versions/{id}/seen", tag = "campaigns", params(("id" = VersionId, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn version_seen(
    State(state): State<AppState>,
    p: Caller,
    ApiPath(id): ApiPath<VersionId>,
) -> ApiResult<StatusCode> {
    workflow::seen(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What waits on the caller across workspaces, soonest due first.
#[utoipa::path(get, path = "/api/v1/account/waiting", tag = "campaigns",
    responses((status = 200, body = Page<WaitingItem>), (status = 401, body = ErrorBody)))]
pub async fn my_work(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Page<WaitingItem>>> {
    Ok(Json(Page::all(workflow::waiting_on(&state, &p).await?)))
}

/// Mails one reviewer the deliverable's open stage waits on (team members who manage review);
/// at most once a day per reviewer per deliverable.
#[utoipa::path(post, path = "/api/v1/assets/{id}/nudge", tag = "campaigns", params(("id" = AssetId, Path)),
    request_body = NudgeRequest,
    responses((status = 200, body = NudgeView),
        (status = 400, description = "nudge-target-invalid, field-too-long, invalid-characters", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "nudge-too-soon, not-waiting, no-open-stage (fields names the field)", body = ErrorBody)))]
pub async fn nudge_reviewer(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<NudgeRequest>,
) -> ApiResult<Json<NudgeView>> {
    Ok(Json(reminders::nudge(&state, &p, id, req).await?))
}

/// The caller's inbox: what waits on them, what they own that is late, mentions, and unread
/// counts (the events stream's `reviewer.asked`, `stage.overdue` and `comment.created` say when
/// to fetch it again).
#[utoipa::path(get, path = "/api/v1/account/inbox", tag = "campaigns",
    responses((status = 200, body = InboxView), (status = 401, body = ErrorBody)))]
pub async fn my_inbox(State(state): State<AppState>, p: Principal) -> ApiResult<Json<InboxView>> {
    Ok(Json(reminders::inbox(&state, &p).await?))
}

/// Marks the caller's inbox read up to now.
#[utoipa::path(post, path = "/api/v1/account/inbox/read", tag = "campaigns",
    responses((status = 200, body = InboxView), (status = 401, body = ErrorBody)))]
pub async fn inbox_read(State(state): State<AppState>, p: Principal) -> ApiResult<Json<InboxView>> {
    Ok(Json(reminders::mark_read(&state, &p).await?))
}

/// Moves a deliverable on the board (the campaign's owner, or a workspace owner or admin): back
/// to an earlier stage, or forward with every stage between skipped, with a reason.
#[utoipa::path(post, path = "/api/v1/assets/{id}/stage/move", tag = "campaigns", params(("id" = AssetId, Path)),
    request_body = MoveStage,
    responses((status = 200, body = DeliverableView),
        (status = 400, description = "reason-required, field-too-long, invalid-characters, stage-unknown (fields names the field)", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "not-a-deliverable, stage-unchanged, no-open-stage", body = ErrorBody)))]
pub async fn move_stage(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
    ApiJson(req): ApiJson<MoveStage>,
) -> ApiResult<Json<DeliverableView>> {
    Ok(Json(workflow::move_to(&state, &p, id, req).await?))
}

/// A campaign's review-cycle numbers (team members): counts by stage, approved, overdue, lead
/// time and rounds (median, p90), the bottleneck stage and reviewer, comments per round, the
/// anchored share, and each deliverable's numbers. Durations in wall and business seconds.
#[utoipa::path(get, path = "/api/v1/projects/{id}/analytics", tag = "campaigns", params(("id" = ProjectId, Path)),
    responses((status = 200, body = crate::app::analytics::CampaignAnalytics), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn campaign_analytics(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<crate::app::analytics::CampaignAnalytics>> {
    Ok(Json(crate::app::analytics::campaign(&state, &p, id).await?))
}

/// A deliverable's review-cycle numbers (team members): lead time, brief to approval, rounds,
/// time in each stage, waiting per person, on time, stalled (on whom, since when, open items).
#[utoipa::path(get, path = "/api/v1/assets/{id}/analytics", tag = "campaigns", params(("id" = AssetId, Path)),
    responses((status = 200, body = crate::app::analytics::DeliverableAnalytics), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "not-a-deliverable", body = ErrorBody)))]
pub async fn deliverable_analytics(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<AssetId>,
) -> ApiResult<Json<crate::app::analytics::DeliverableAnalytics>> {
    Ok(Json(crate::app::analytics::deliverable(&state, &p, id).await?))
}

/// The five-checkpoint audit of a campaign (team members): brief written, handoffs in one place,
/// feedback time-stamped, one live version, approvals logged with a name; each `pass`,
/// `partial` or `fail` with its evidence rows.
#[utoipa::path(get, path = "/api/v1/projects/{id}/checkpoints", tag = "campaigns", params(("id" = ProjectId, Path)),
    responses((status = 200, body = crate::app::checkpoints::CampaignAudit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn campaign_checkpoints(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
) -> ApiResult<Json<crate::app::checkpoints::CampaignAudit>> {
    Ok(Json(crate::app::checkpoints::campaign(&state, &p, id).await?))
}

/// One of a campaign's analytics tables as CSV (team members): `deliverables`, `reviewers` or
/// `stages`; RFC 4180 with a header row, and a cell that would start with `=`, `+`, `-`, `@`,
/// tab or CR gets a leading `'` so a spreadsheet shows it as text.
#[utoipa::path(get, path = "/api/v1/projects/{id}/analytics.csv", tag = "campaigns",
    params(("id" = ProjectId, Path), crate::app::analytics::CsvParams),
    responses((status = 200, description = "text/csv, as an attachment"), (status = 400, description = "invalid-table", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn campaign_analytics_csv(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<crate::app::analytics::CsvParams>,
) -> ApiResult<axum::response::Response> {
    use axum::http::{HeaderValue, header};
    let (name, text) = crate::app::analytics::campaign_csv(&state, &p, id, q).await?;
    let mut resp = axum::response::Response::new(axum::body::Body::from(text));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Some(v) = crate::routes::media::attachment(&name) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}

/// A workspace's review-cycle numbers over a range (team members; default: the last 90 days):
/// the sums, by campaign, by reviewer (response p50/p90 in business seconds, decisions, overdue),
/// by stage, approvals per week, what is stalled now, and the audit checkpoint missed most often
/// over the last ten campaigns, in words.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/analytics", tag = "campaigns",
    params(("id" = WorkspaceId, Path), crate::app::analytics::RangeParams),
    responses((status = 200, body = crate::app::analytics::WorkspaceAnalytics), (status = 400, description = "invalid-range", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn workspace_analytics(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<WorkspaceId>,
    ApiQuery(q): ApiQuery<crate::app::analytics::RangeParams>,
) -> ApiResult<Json<crate::app::analytics::WorkspaceAnalytics>> {
    Ok(Json(crate::app::analytics::workspace(&state, &p, id, q).await?))
}
