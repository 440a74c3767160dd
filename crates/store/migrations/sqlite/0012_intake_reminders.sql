-- Intake (campaign requests from a form or an intake link) and reminders (asked mail, daily
-- digests, due-soon / due / overdue mail, nudges) and the in-app inbox's read mark.

-- The brief template the intake form shows (none: the workspace's default) and who is told of
-- new requests (a JSON array of user ids; empty: the workspace's owners and admins).
ALTER TABLE workspaces ADD COLUMN intake_template_id BLOB;
ALTER TABLE workspaces ADD COLUMN intake_owner_ids TEXT NOT NULL DEFAULT '[]';
-- The local day (YYYY-MM-DD) whose 08:00 digests were built.
ALTER TABLE workspaces ADD COLUMN digest_day TEXT;

CREATE TABLE intake_links (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    token_hash      BLOB NOT NULL,
    -- JSON array of lower-case domains; NULL: any e-mail.
    allowed_domains TEXT,
    expires_at      INTEGER,
    -- Requests one client address may make through the link per hour.
    per_hour        INTEGER NOT NULL,
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE UNIQUE INDEX intake_links_token ON intake_links (token_hash);
CREATE INDEX intake_links_workspace ON intake_links (workspace_id, created_at);

-- A campaign that arrived as a request: who asked, how, and what the intake owner decided.
CREATE TABLE campaign_requests (
    project_id      BLOB PRIMARY KEY NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    link_id         BLOB,
    requester_id    BLOB,
    requester_email TEXT NOT NULL,
    requester_name  TEXT NOT NULL,
    ip              TEXT NOT NULL,
    requested_at    INTEGER NOT NULL,
    -- `requested`, `accepted` or `declined`.
    state           TEXT NOT NULL,
    decided_by      BLOB,
    decided_at      INTEGER,
    decline_reason  TEXT
);
CREATE INDEX campaign_requests_workspace ON campaign_requests (workspace_id, state, requested_at);
CREATE INDEX campaign_requests_link ON campaign_requests (link_id, ip, requested_at);

-- Reminder marks on a run: when "due tomorrow" falls (one business day before due), and when
-- the due-soon and due mails went out.
ALTER TABLE stage_runs ADD COLUMN due_soon_at INTEGER;
ALTER TABLE stage_runs ADD COLUMN reminded_soon_at INTEGER;
ALTER TABLE stage_runs ADD COLUMN reminded_due_at INTEGER;
CREATE INDEX stage_runs_due_soon ON stage_runs (due_soon_at) WHERE exited_at IS NULL AND reminded_soon_at IS NULL;
CREATE INDEX stage_runs_due_mail ON stage_runs (due_at) WHERE exited_at IS NULL AND reminded_due_at IS NULL;

-- The asked mail of a seat (and of its backup) is sent by the clock's reminder pass; seats
-- from before this migration count as mailed.
ALTER TABLE stage_run_reviewers ADD COLUMN asked_mail_at INTEGER;
ALTER TABLE stage_run_reviewers ADD COLUMN backup_mail_at INTEGER;
UPDATE stage_run_reviewers SET asked_mail_at = asked_at, backup_mail_at = backup_asked_at;
CREATE INDEX stage_run_reviewers_unmailed ON stage_run_reviewers (run_id) WHERE asked_mail_at IS NULL;
CREATE INDEX stage_run_reviewers_backup_unmailed ON stage_run_reviewers (run_id)
    WHERE backup_asked_at IS NOT NULL AND backup_mail_at IS NULL;
-- When the campaign's owner was told that the clock escalated the run.
ALTER TABLE stage_runs ADD COLUMN owner_told_at INTEGER;
-- Runs from before this migration: no "due tomorrow" for them, no "due now" for those already
-- marked overdue, and no escalation mail for those the clock already escalated.
UPDATE stage_runs SET reminded_soon_at = entered_at, reminded_due_at = overdue_at, owner_told_at = clock_done_at;
CREATE INDEX stage_runs_untold ON stage_runs (clock_done_at)
    WHERE clock_done_at IS NOT NULL AND overdue_at IS NOT NULL AND owner_told_at IS NULL AND exited_at IS NULL;

-- One digest per person (`user:<id>` or `email:<address>`) per local day.
CREATE TABLE reminder_digests (
    person          TEXT NOT NULL,
    day             TEXT NOT NULL,
    sent_at         INTEGER NOT NULL,
    PRIMARY KEY (person, day)
);

-- Manual nudges: at most one per reviewer per deliverable per day.
CREATE TABLE nudges (
    asset_id        BLOB NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    person          TEXT NOT NULL,
    at              INTEGER NOT NULL,
    by_user_id      BLOB NOT NULL,
    PRIMARY KEY (asset_id, person, at)
);

-- What the person last read in their inbox.
CREATE TABLE inbox_reads (
    user_id         BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at         INTEGER NOT NULL
);

-- A share link may show its guests the campaign's brief.
ALTER TABLE share_links ADD COLUMN show_brief INTEGER NOT NULL DEFAULT 0;

-- What waits on a person ("My work"): their undecided seats, as reviewer or as an asked backup,
-- without reading the seats they decided long ago.
CREATE INDEX stage_run_reviewers_open_user ON stage_run_reviewers (user_id) WHERE decided_at IS NULL;
CREATE INDEX stage_run_reviewers_open_backup ON stage_run_reviewers (backup_user_id)
    WHERE decided_at IS NULL AND backup_asked_at IS NOT NULL;
-- What a producer owns that is late: open runs carry their campaign's owner (set when a run is
-- entered and when the owner changes), read in due order from one index.
ALTER TABLE stage_runs ADD COLUMN owner_id BLOB;
UPDATE stage_runs SET owner_id = (SELECT p.owner_id FROM projects p WHERE p.id = stage_runs.project_id)
    WHERE exited_at IS NULL;
CREATE INDEX stage_runs_open_owner ON stage_runs (owner_id, due_at, id) WHERE exited_at IS NULL AND owner_id IS NOT NULL;

-- A campaign's whole history at once (its analytics): runs by campaign, deliverable and order.
CREATE INDEX stage_runs_project ON stage_runs (project_id, asset_id, seq);
