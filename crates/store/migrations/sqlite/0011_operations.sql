-- The operations layer (DESIGN.md "The operations layer"): business calendars, groups, out of
-- office, brief templates and briefs with every revision, workflow templates, and a campaign's
-- copied stages, deliverables and stage runs. A project with no workflow behaves as before.

-- A workspace's calendar beside its time zone: working days (Monday first, as `mon,tue,…`),
-- local working hours, and holidays.
ALTER TABLE workspaces ADD COLUMN working_days TEXT NOT NULL DEFAULT 'mon,tue,wed,thu,fri';
ALTER TABLE workspaces ADD COLUMN day_start TEXT NOT NULL DEFAULT '09:00';
ALTER TABLE workspaces ADD COLUMN day_end TEXT NOT NULL DEFAULT '17:00';
CREATE TABLE workspace_holidays (
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    day             TEXT NOT NULL,
    name            TEXT NOT NULL,
    PRIMARY KEY (workspace_id, day)
);

-- Out of office: from and until (inclusive local dates); while away, stages ask the backup.
ALTER TABLE workspace_members ADD COLUMN away_from TEXT;
ALTER TABLE workspace_members ADD COLUMN away_until TEXT;

-- Named groups of members ("Legal"), reviewers of a stage as one entry.
CREATE TABLE member_groups (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (workspace_id, name_key)
);
CREATE TABLE member_group_members (
    group_id        BLOB NOT NULL REFERENCES member_groups (id) ON DELETE CASCADE,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

-- Brief templates: `fields` is the JSON list of field definitions. One per workspace is the
-- default (the standard fields unless edited).
CREATE TABLE brief_templates (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    fields          TEXT NOT NULL,
    is_default      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    archived_at     INTEGER
);
CREATE INDEX brief_templates_workspace ON brief_templates (workspace_id, name_key);

-- A brief on a campaign (asset_id NULL) or on one deliverable. Its fields are copied from the
-- template when the brief is made, so editing the template never rewrites a brief.
CREATE TABLE briefs (
    id              BLOB PRIMARY KEY NOT NULL,
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    asset_id        BLOB REFERENCES assets (id) ON DELETE CASCADE,
    template_id     BLOB,
    template_name   TEXT NOT NULL,
    fields          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX briefs_campaign ON briefs (project_id) WHERE asset_id IS NULL;
CREATE UNIQUE INDEX briefs_deliverable ON briefs (asset_id) WHERE asset_id IS NOT NULL;

-- Every revision of a brief. The newest is the draft while submitted_at is NULL; a submitted
-- revision is frozen, and editing it makes the next one.
CREATE TABLE brief_revisions (
    brief_id        BLOB NOT NULL REFERENCES briefs (id) ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    field_values    TEXT NOT NULL,
    author_id       BLOB,
    author_name     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    submitted_at    INTEGER,
    submitted_by    TEXT,
    accepted_at     INTEGER,
    accepted_by     TEXT,
    PRIMARY KEY (brief_id, number)
);

-- The revision each person last looked at (`user:<id>` or `guest:<email>`).
CREATE TABLE brief_seen (
    brief_id        BLOB NOT NULL REFERENCES briefs (id) ON DELETE CASCADE,
    viewer          TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    seen_at         INTEGER NOT NULL,
    PRIMARY KEY (brief_id, viewer)
);

-- Workflow templates: `stages` is the JSON list of stage definitions.
CREATE TABLE workflow_templates (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    description     TEXT NOT NULL,
    stages          TEXT NOT NULL,
    reentry         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    archived_at     INTEGER
);
CREATE INDEX workflow_templates_workspace ON workflow_templates (workspace_id, name_key);

-- A project as a campaign: its producer, go-live moment, and the workflow applied to it.
ALTER TABLE projects ADD COLUMN owner_id BLOB;
ALTER TABLE projects ADD COLUMN launch_at INTEGER;
ALTER TABLE projects ADD COLUMN workflow_name TEXT;
ALTER TABLE projects ADD COLUMN workflow_template_id BLOB;
ALTER TABLE projects ADD COLUMN workflow_reentry TEXT;
ALTER TABLE projects ADD COLUMN workflow_applied_at INTEGER;

-- A campaign's stages, copied from the template when it was applied. `spec` is the stage's
-- JSON definition as applied.
CREATE TABLE campaign_stages (
    id              BLOB PRIMARY KEY NOT NULL,
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    spec            TEXT NOT NULL,
    UNIQUE (project_id, position)
);

-- A deliverable: an asset in a campaign with a workflow. It is in exactly one stage; with no
-- open stage run it waits for a version (`awaiting_version`) or is delivered.
CREATE TABLE deliverables (
    asset_id        BLOB PRIMARY KEY NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    stage_id        BLOB NOT NULL REFERENCES campaign_stages (id) ON DELETE CASCADE,
    brief_line      TEXT,
    due_at          INTEGER,
    -- Where the next version goes after changes were requested (the stage that asked).
    return_stage_id BLOB,
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX deliverables_project ON deliverables (project_id, stage_id);

-- One (deliverable, stage, round). Round k reviews version k; a work run's round is the
-- version it will produce.
CREATE TABLE stage_runs (
    id              BLOB PRIMARY KEY NOT NULL,
    asset_id        BLOB NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    stage_id        BLOB NOT NULL REFERENCES campaign_stages (id) ON DELETE CASCADE,
    -- The run's place in its deliverable's history (1, 2, …): runs entered in the same
    -- millisecond keep the order they were entered in.
    seq             INTEGER NOT NULL,
    round           INTEGER NOT NULL,
    version_id      BLOB REFERENCES versions (id) ON DELETE SET NULL,
    entered_at      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    exited_at       INTEGER,
    outcome         TEXT,
    reason          TEXT,
    -- JSON actor of a skip, a move or a delivery.
    ended_by        TEXT,
    overdue_at      INTEGER,
    -- The clock has nothing more to do for this run (overdue marked, backups asked or none).
    clock_done_at   INTEGER
);
CREATE UNIQUE INDEX stage_runs_asset ON stage_runs (asset_id, seq);
CREATE INDEX stage_runs_open ON stage_runs (due_at) WHERE exited_at IS NULL AND clock_done_at IS NULL;

-- A run's seats: who it waits on. A backup, when asked, shares the seat.
CREATE TABLE stage_run_reviewers (
    run_id          BLOB NOT NULL REFERENCES stage_runs (id) ON DELETE CASCADE,
    seat            INTEGER NOT NULL,
    user_id         BLOB,
    email           TEXT,
    name            TEXT NOT NULL,
    asked_at        INTEGER NOT NULL,
    first_seen_at   INTEGER,
    decided_at      INTEGER,
    decision        TEXT,
    decided_by      TEXT,
    backup_user_id  BLOB,
    backup_email    TEXT,
    backup_name     TEXT,
    backup_asked_at INTEGER,
    backup_reason   TEXT,
    PRIMARY KEY (run_id, seat)
);
CREATE INDEX stage_run_reviewers_user ON stage_run_reviewers (user_id);
CREATE INDEX stage_run_reviewers_backup ON stage_run_reviewers (backup_user_id);

-- Checklist ticks: item index, and whose (`stage`, or the seat number for per-reviewer items).
CREATE TABLE checklist_ticks (
    run_id          BLOB NOT NULL REFERENCES stage_runs (id) ON DELETE CASCADE,
    item            INTEGER NOT NULL,
    holder          TEXT NOT NULL,
    by_name         TEXT NOT NULL,
    ticked_at       INTEGER NOT NULL,
    PRIMARY KEY (run_id, item, holder)
);
