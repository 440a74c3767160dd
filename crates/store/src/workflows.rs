//! Workflow templates, a campaign's applied stages, its deliverables, their stage runs, the
//! runs' seats (who each waits on) and checklist ticks.

use frameproof_domain::{AssetId, ProjectId, UserId, WorkspaceId};
use sqlx::FromRow;
use uuid::Uuid;

use crate::list::name_key;
use crate::{Conn, Result};

/// A workflow template; `stages` is its JSON stage list.
#[derive(Clone, Debug, FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: String,
    pub stages: String,
    pub reentry: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived_at: Option<i64>,
}

const TEMPLATE_COLS: &str = "id, workspace_id, name, description, stages, reentry, created_at, updated_at, archived_at";

pub async fn templates(c: &mut Conn, ws: WorkspaceId) -> Result<Vec<TemplateRow>> {
    let sql = format!(
        "SELECT {TEMPLATE_COLS} FROM workflow_templates WHERE workspace_id = $1 ORDER BY archived_at IS NOT NULL, name_key, id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(ws.0).fetch_all(c).await?)
}

pub async fn template(c: &mut Conn, id: Uuid) -> Result<Option<TemplateRow>> {
    let sql = format!("SELECT {TEMPLATE_COLS} FROM workflow_templates WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await?)
}

pub async fn put_template(c: &mut Conn, t: &TemplateRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO workflow_templates (id, workspace_id, name, name_key, description, stages, reentry, created_at, updated_at, archived_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, description = excluded.description,
            stages = excluded.stages, reentry = excluded.reentry, updated_at = excluded.updated_at, archived_at = excluded.archived_at",
    )
    .bind(t.id)
    .bind(t.workspace_id.0)
    .bind(&t.name)
    .bind(name_key(&t.name))
    .bind(&t.description)
    .bind(&t.stages)
    .bind(&t.reentry)
    .bind(t.created_at)
    .bind(t.updated_at)
    .bind(t.archived_at)
    .execute(c)
    .await?;
    Ok(())
}

/// A project's campaign settings.
#[derive(Clone, Debug, FromRow)]
pub struct CampaignRow {
    pub owner_id: Option<Uuid>,
    pub launch_at: Option<i64>,
    pub workflow_name: Option<String>,
    pub workflow_template_id: Option<Uuid>,
    pub workflow_reentry: Option<String>,
    pub workflow_applied_at: Option<i64>,
}

pub async fn campaign(c: &mut Conn, project: ProjectId) -> Result<Option<CampaignRow>> {
    Ok(sqlx::query_as(
        "SELECT owner_id, launch_at, workflow_name, workflow_template_id, workflow_reentry, workflow_applied_at
         FROM projects WHERE id = $1",
    )
    .bind(project.0)
    .fetch_optional(c)
    .await?)
}

pub async fn set_campaign_people(
    c: &mut Conn,
    project: ProjectId,
    owner: Option<Option<UserId>>,
    launch_at: Option<Option<i64>>,
    now: i64,
) -> Result<()> {
    if let Some(o) = owner {
        sqlx::query("UPDATE projects SET owner_id = $2, updated_at = $3 WHERE id = $1")
            .bind(project.0)
            .bind(o.map(|u| u.0))
            .bind(now)
            .execute(&mut *c)
            .await?;
        // Open runs carry their campaign's owner (what the owner has running late).
        sqlx::query("UPDATE stage_runs SET owner_id = $2 WHERE project_id = $1 AND exited_at IS NULL")
            .bind(project.0)
            .bind(o.map(|u| u.0))
            .execute(&mut *c)
            .await?;
    }
    if let Some(l) = launch_at {
        sqlx::query("UPDATE projects SET launch_at = $2, updated_at = $3 WHERE id = $1")
            .bind(project.0)
            .bind(l)
            .bind(now)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Records that a workflow was applied; false when the project already has one.
pub async fn set_workflow(
    c: &mut Conn,
    project: ProjectId,
    (name, template, reentry): (&str, Option<Uuid>, &str),
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE projects SET workflow_name = $2, workflow_template_id = $3, workflow_reentry = $4, workflow_applied_at = $5,
            updated_at = $5 WHERE id = $1 AND workflow_applied_at IS NULL",
    )
    .bind(project.0)
    .bind(name)
    .bind(template)
    .bind(reentry)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A campaign's stage; `spec` is its JSON definition as applied.
#[derive(Clone, Debug, FromRow)]
pub struct StageRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    pub position: i64,
    pub name: String,
    pub kind: String,
    pub spec: String,
}

pub async fn insert_stage(c: &mut Conn, s: &StageRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO campaign_stages (id, project_id, position, name, kind, spec) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.id)
    .bind(s.project_id.0)
    .bind(s.position)
    .bind(&s.name)
    .bind(&s.kind)
    .bind(&s.spec)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn stages(c: &mut Conn, project: ProjectId) -> Result<Vec<StageRow>> {
    Ok(sqlx::query_as(
        "SELECT id, project_id, position, name, kind, spec FROM campaign_stages WHERE project_id = $1 ORDER BY position",
    )
    .bind(project.0)
    .fetch_all(c)
    .await?)
}

/// A deliverable.
#[derive(Clone, Debug, FromRow)]
pub struct DeliverableRow {
    #[sqlx(try_from = "Uuid")]
    pub asset_id: AssetId,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    pub stage_id: Uuid,
    pub brief_line: Option<String>,
    pub due_at: Option<i64>,
    pub return_stage_id: Option<Uuid>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const DELIVERABLE_COLS: &str =
    "asset_id, project_id, stage_id, brief_line, due_at, return_stage_id, delivered_at, created_at, updated_at";

pub async fn insert_deliverable(c: &mut Conn, d: &DeliverableRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO deliverables (asset_id, project_id, stage_id, brief_line, due_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(d.asset_id.0)
    .bind(d.project_id.0)
    .bind(d.stage_id)
    .bind(&d.brief_line)
    .bind(d.due_at)
    .bind(d.created_at)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn deliverable(c: &mut Conn, asset: AssetId) -> Result<Option<DeliverableRow>> {
    let sql = format!("SELECT {DELIVERABLE_COLS} FROM deliverables WHERE asset_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(asset.0).fetch_optional(c).await?)
}

/// A campaign's deliverables whose assets are live, by asset name.
pub async fn deliverables(c: &mut Conn, project: ProjectId) -> Result<Vec<DeliverableRow>> {
    let sql = format!(
        "SELECT {} FROM deliverables d JOIN assets a ON a.id = d.asset_id
         WHERE d.project_id = $1 AND a.deleted_at IS NULL ORDER BY a.name_key, a.id",
        DELIVERABLE_COLS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(c).await?)
}

/// Moves a deliverable to a stage (and sets or clears where the next version goes).
pub async fn set_stage(c: &mut Conn, asset: AssetId, stage: Uuid, return_stage: Option<Uuid>, now: i64) -> Result<()> {
    sqlx::query("UPDATE deliverables SET stage_id = $2, return_stage_id = $3, updated_at = $4 WHERE asset_id = $1")
        .bind(asset.0)
        .bind(stage)
        .bind(return_stage)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_delivered(c: &mut Conn, asset: AssetId, at: Option<i64>, now: i64) -> Result<()> {
    sqlx::query("UPDATE deliverables SET delivered_at = $2, updated_at = $3 WHERE asset_id = $1")
        .bind(asset.0)
        .bind(at)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_deliverable_plan(
    c: &mut Conn,
    asset: AssetId,
    due_at: Option<Option<i64>>,
    brief_line: Option<Option<&str>>,
    now: i64,
) -> Result<()> {
    if let Some(d) = due_at {
        sqlx::query("UPDATE deliverables SET due_at = $2, updated_at = $3 WHERE asset_id = $1")
            .bind(asset.0)
            .bind(d)
            .bind(now)
            .execute(&mut *c)
            .await?;
    }
    if let Some(b) = brief_line {
        sqlx::query("UPDATE deliverables SET brief_line = $2, updated_at = $3 WHERE asset_id = $1")
            .bind(asset.0)
            .bind(b)
            .bind(now)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// A stage run.
#[derive(Clone, Debug, FromRow)]
pub struct RunRow {
    pub id: Uuid,
    #[sqlx(try_from = "Uuid")]
    pub asset_id: AssetId,
    #[sqlx(try_from = "Uuid")]
    pub project_id: ProjectId,
    pub stage_id: Uuid,
    pub round: i64,
    pub version_id: Option<Uuid>,
    pub entered_at: i64,
    pub due_at: i64,
    pub exited_at: Option<i64>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub ended_by: Option<String>,
    pub overdue_at: Option<i64>,
}

pub(crate) const RUN_COLS: &str = "id, asset_id, project_id, stage_id, round, version_id, entered_at, due_at, exited_at, outcome, reason, ended_by, overdue_at";

pub async fn insert_run(c: &mut Conn, r: &RunRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO stage_runs (id, asset_id, project_id, stage_id, seq, round, version_id, entered_at, due_at, owner_id)
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM stage_runs WHERE asset_id = $2), $5, $6, $7, $8,
            (SELECT owner_id FROM projects WHERE id = $3))",
    )
    .bind(r.id)
    .bind(r.asset_id.0)
    .bind(r.project_id.0)
    .bind(r.stage_id)
    .bind(r.round)
    .bind(r.version_id)
    .bind(r.entered_at)
    .bind(r.due_at)
    .execute(c)
    .await?;
    Ok(())
}

/// The deliverable's open run, if any.
pub async fn open_run(c: &mut Conn, asset: AssetId) -> Result<Option<RunRow>> {
    let sql = format!("SELECT {RUN_COLS} FROM stage_runs WHERE asset_id = $1 AND exited_at IS NULL");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(asset.0).fetch_optional(c).await?)
}

/// Every run of a deliverable, oldest first.
pub async fn runs(c: &mut Conn, asset: AssetId) -> Result<Vec<RunRow>> {
    let sql = format!("SELECT {RUN_COLS} FROM stage_runs WHERE asset_id = $1 ORDER BY seq");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(asset.0).fetch_all(c).await?)
}

/// Open runs due at or before `at` that the clock still has work for.
pub async fn open_runs_due(c: &mut Conn, at: i64, limit: i64) -> Result<Vec<RunRow>> {
    let sql = format!(
        "SELECT {RUN_COLS} FROM stage_runs WHERE exited_at IS NULL AND clock_done_at IS NULL AND due_at <= $1
         ORDER BY due_at, id LIMIT $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(at).bind(limit).fetch_all(c).await?)
}

/// Ends a run; false when it had already ended.
pub async fn exit_run(
    c: &mut Conn,
    id: Uuid,
    outcome: &str,
    (reason, ended_by): (Option<&str>, Option<&str>),
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE stage_runs SET exited_at = $2, outcome = $3, reason = $4, ended_by = $5 WHERE id = $1 AND exited_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(outcome)
    .bind(reason)
    .bind(ended_by)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The clock is done with a run: it is not read again while open.
pub async fn mark_clock_done(c: &mut Conn, id: Uuid, now: i64) -> Result<()> {
    sqlx::query("UPDATE stage_runs SET clock_done_at = $2 WHERE id = $1").bind(id).bind(now).execute(c).await?;
    Ok(())
}

pub async fn mark_overdue(c: &mut Conn, id: Uuid, now: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE stage_runs SET overdue_at = $2 WHERE id = $1 AND overdue_at IS NULL")
        .bind(id)
        .bind(now)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A run's seat.
#[derive(Clone, Debug, FromRow)]
pub struct SeatRow {
    pub run_id: Uuid,
    pub seat: i64,
    pub user_id: Option<Uuid>,
    pub email: Option<String>,
    pub name: String,
    pub asked_at: i64,
    pub first_seen_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub decision: Option<String>,
    /// Who filled the seat: `reviewer` or `backup`.
    pub decided_by: Option<String>,
    pub backup_user_id: Option<Uuid>,
    pub backup_email: Option<String>,
    pub backup_name: Option<String>,
    pub backup_asked_at: Option<i64>,
    /// `overdue` or `away`.
    pub backup_reason: Option<String>,
}

pub(crate) const SEAT_COLS: &str = "run_id, seat, user_id, email, name, asked_at, first_seen_at, decided_at, decision, decided_by, \
    backup_user_id, backup_email, backup_name, backup_asked_at, backup_reason";

/// A column list with each column qualified by a table alias (`r.id, r.asset_id, …`).
pub(crate) fn prefixed(cols: &str, alias: &str) -> String {
    cols.split(", ").map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

pub async fn insert_seat(c: &mut Conn, s: &SeatRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO stage_run_reviewers (run_id, seat, user_id, email, name, asked_at, backup_user_id, backup_email,
            backup_name, backup_asked_at, backup_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(s.run_id)
    .bind(s.seat)
    .bind(s.user_id)
    .bind(&s.email)
    .bind(&s.name)
    .bind(s.asked_at)
    .bind(s.backup_user_id)
    .bind(&s.backup_email)
    .bind(&s.backup_name)
    .bind(s.backup_asked_at)
    .bind(&s.backup_reason)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn seats(c: &mut Conn, run: Uuid) -> Result<Vec<SeatRow>> {
    let sql = format!("SELECT {SEAT_COLS} FROM stage_run_reviewers WHERE run_id = $1 ORDER BY seat");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(run).fetch_all(c).await?)
}

/// Every run of a campaign, by deliverable and order (the analytics of a whole campaign).
pub async fn runs_of_project(c: &mut Conn, project: ProjectId) -> Result<Vec<RunRow>> {
    let sql = format!("SELECT {RUN_COLS} FROM stage_runs WHERE project_id = $1 ORDER BY asset_id, seq");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(c).await?)
}

/// Every seat of every run of a campaign, in seat order.
pub async fn seats_of_project(c: &mut Conn, project: ProjectId) -> Result<Vec<SeatRow>> {
    let sql = format!(
        "SELECT {} FROM stage_runs r CROSS JOIN stage_run_reviewers s WHERE r.project_id = $1 AND s.run_id = r.id
         ORDER BY r.asset_id, r.seq, s.seat",
        prefixed(SEAT_COLS, "s")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project.0).fetch_all(c).await?)
}

pub async fn set_seat_decision(c: &mut Conn, run: Uuid, seat: i64, decision: &str, by: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE stage_run_reviewers SET decision = $3, decided_by = $4, decided_at = $5 WHERE run_id = $1 AND seat = $2",
    )
    .bind(run)
    .bind(seat)
    .bind(decision)
    .bind(by)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// The first time the seat's reviewer (or backup) opened the version; false when already seen.
pub async fn set_seat_seen(c: &mut Conn, run: Uuid, seat: i64, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE stage_run_reviewers SET first_seen_at = $3 WHERE run_id = $1 AND seat = $2 AND first_seen_at IS NULL",
    )
    .bind(run)
    .bind(seat)
    .bind(now)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Asks a seat's backup; false when it already was.
pub async fn ask_backup(c: &mut Conn, run: Uuid, seat: i64, reason: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE stage_run_reviewers SET backup_asked_at = $3, backup_reason = $4
         WHERE run_id = $1 AND seat = $2 AND backup_asked_at IS NULL AND (backup_user_id IS NOT NULL OR backup_email IS NOT NULL)",
    )
    .bind(run)
    .bind(seat)
    .bind(now)
    .bind(reason)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The open runs a member is asked in (as reviewer, or as a backup already asked), with the
/// seat.
/// An undecided seat of a person, with what "My work" shows of it.
#[derive(Clone, Debug)]
pub struct WaitingRow {
    pub run: RunRow,
    pub seat: SeatRow,
    pub asset_name: String,
    pub project_name: String,
    pub workspace_id: WorkspaceId,
    pub stage_name: String,
}

/// Undecided seats of open runs in live campaigns waiting on `user` (as reviewer, or as an
/// asked backup), soonest due first, with their asset, campaign and stage names.
pub async fn waiting_on(c: &mut Conn, user: UserId) -> Result<Vec<WaitingRow>> {
    // Two index lookups (as reviewer, as an asked backup) rather than one OR, which SQLite
    // answers by reading every seat.
    let cols = format!("{}, {}", prefixed(RUN_COLS, "r"), prefixed(SEAT_COLS, "s"));
    let from = "FROM stage_run_reviewers s JOIN stage_runs r ON r.id = s.run_id JOIN assets a ON a.id = r.asset_id
         JOIN projects p ON p.id = r.project_id JOIN campaign_stages st ON st.id = r.stage_id";
    let names = "a.name AS asset_name, p.name AS project_name, p.workspace_id AS workspace_id, st.name AS stage_name";
    let live = "s.decided_at IS NULL AND r.exited_at IS NULL AND a.deleted_at IS NULL AND p.deleted_at IS NULL";
    let sql = format!(
        "SELECT {cols}, {names} {from} WHERE s.user_id = $1 AND {live}
         UNION ALL
         SELECT {cols}, {names} {from}
         WHERE s.backup_user_id = $1 AND s.backup_asked_at IS NOT NULL AND (s.user_id IS NULL OR s.user_id <> $1) AND {live}
         ORDER BY 8, 1"
    );
    let rows: Vec<sqlx::sqlite::SqliteRow> = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.0).fetch_all(c).await?;
    rows.iter()
        .map(|r| {
            use sqlx::Row;
            Ok(WaitingRow {
                run: RunRow::from_row(r)?,
                seat: SeatRow::from_row(r)?,
                asset_name: r.try_get("asset_name")?,
                project_name: r.try_get("project_name")?,
                workspace_id: WorkspaceId(r.try_get("workspace_id")?),
                stage_name: r.try_get("stage_name")?,
            })
        })
        .collect()
}

/// The names of who each of `runs` still waits on: `(run, name)` in seat order.
pub async fn undecided_names(c: &mut Conn, runs: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=runs.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT run_id, name FROM stage_run_reviewers WHERE decided_at IS NULL AND run_id IN ({}) ORDER BY run_id, seat",
        marks.join(", ")
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for r in runs {
        q = q.bind(*r);
    }
    Ok(q.fetch_all(c).await?)
}

/// Checklist ticks of a run: `(item, holder, by_name, ticked_at)`.
pub async fn ticks(c: &mut Conn, run: Uuid) -> Result<Vec<(i64, String, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT item, holder, by_name, ticked_at FROM checklist_ticks WHERE run_id = $1 ORDER BY item, holder",
    )
    .bind(run)
    .fetch_all(c)
    .await?)
}

pub async fn set_tick(c: &mut Conn, run: Uuid, item: i64, holder: &str, by: Option<&str>, now: i64) -> Result<()> {
    match by {
        Some(name) => {
            sqlx::query(
                "INSERT INTO checklist_ticks (run_id, item, holder, by_name, ticked_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (run_id, item, holder) DO NOTHING",
            )
            .bind(run)
            .bind(item)
            .bind(holder)
            .bind(name)
            .bind(now)
            .execute(c)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM checklist_ticks WHERE run_id = $1 AND item = $2 AND holder = $3")
                .bind(run)
                .bind(item)
                .bind(holder)
                .execute(c)
                .await?;
        }
    }
    Ok(())
}
