-- The review core: comments, decisions, required approvers, approval locks and receipts, and
-- the hash-chained audit trail with signed checkpoints.

-- How a version is sealed. `locked` (0002) stays the flag; these say how, when and on which bytes.
ALTER TABLE versions ADD COLUMN locked_at INTEGER;
-- `approvals` (every required approver approved) or `manual` (an owner or admin).
ALTER TABLE versions ADD COLUMN lock_kind TEXT;
ALTER TABLE versions ADD COLUMN locked_by BLOB;
-- The original's SHA-256 at the moment of the lock.
ALTER TABLE versions ADD COLUMN locked_sha256 TEXT;
-- Members may override the timecode the source carried (NULL: use the source's).
ALTER TABLE versions ADD COLUMN tc_start TEXT;
ALTER TABLE versions ADD COLUMN tc_drop_frame INTEGER;

-- Events that only the team may see (team-only comments): streams skip them for reviewers.
ALTER TABLE events ADD COLUMN team_only INTEGER NOT NULL DEFAULT 0;

CREATE TABLE comments (
    id              BLOB PRIMARY KEY NOT NULL,
    version_id      BLOB NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    -- NULL for a thread's first comment; replies point at it.
    parent_id       BLOB REFERENCES comments (id) ON DELETE CASCADE,
    author_id       BLOB REFERENCES users (id),
    author_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- video: frames; audio: milliseconds. Inclusive range [anchor_in, anchor_out].
    anchor_in       INTEGER,
    anchor_out      INTEGER,
    page            INTEGER,
    x               REAL,
    y               REAL,
    annotation      TEXT,
    has_annotation  INTEGER NOT NULL DEFAULT 0,
    team_only       INTEGER NOT NULL DEFAULT 0,
    -- Listing order: frame (or ms, or page), then creation time.
    sort_key        INTEGER NOT NULL,
    resolved_at     INTEGER,
    resolved_by     BLOB,
    carried_from    BLOB,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted_at      INTEGER
);
CREATE INDEX comments_version_order ON comments (version_id, sort_key, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_parent ON comments (parent_id, created_at) WHERE parent_id IS NOT NULL;
CREATE INDEX comments_carried ON comments (carried_from) WHERE carried_from IS NOT NULL;

-- What a comment said before each edit.
CREATE TABLE comment_edits (
    comment_id      BLOB NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    annotation      TEXT,
    edited_at       INTEGER NOT NULL,
    edited_by       BLOB
);
CREATE INDEX comment_edits_comment ON comment_edits (comment_id, edited_at);

CREATE TABLE comment_mentions (
    comment_id      BLOB NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_mentions_user ON comment_mentions (user_id);

-- Every decision ever made; a person's latest row on a version is their decision. Unlocking
-- cancels approvals (cancelled_at), which reads as "no decision" until they decide again.
CREATE TABLE decisions (
    id              BLOB PRIMARY KEY NOT NULL,
    version_id      BLOB NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    user_id         BLOB REFERENCES users (id),
    author_name     TEXT NOT NULL,
    decision        TEXT NOT NULL,
    note            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    cancelled_at    INTEGER
);
CREATE INDEX decisions_version ON decisions (version_id, user_id, created_at);

-- Required approvers of an asset (every version of its stack).
CREATE TABLE asset_approvers (
    asset_id        BLOB NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_by        BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (asset_id, user_id)
);

-- Signed approval receipts, one per lock (a version locked twice has two).
CREATE TABLE receipts (
    id              BLOB PRIMARY KEY NOT NULL,
    version_id      BLOB NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    -- The whole signed document (JSON), exactly as issued.
    document        TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX receipts_version ON receipts (version_id, created_at);

-- The audit trail: append-only, each entry's hash covers the previous entry's hash.
CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY NOT NULL,
    at              INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    details         TEXT NOT NULL,
    workspace_id    BLOB,
    project_id      BLOB,
    asset_id        BLOB,
    version_id      BLOB,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);
CREATE INDEX audit_log_project ON audit_log (project_id, seq);
CREATE INDEX audit_log_asset ON audit_log (asset_id, seq);

-- Signed chain heads: at every lock and at least hourly while the chain grows.
CREATE TABLE audit_checkpoints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    hash            TEXT NOT NULL,
    kid             TEXT NOT NULL,
    signature       TEXT NOT NULL
);
