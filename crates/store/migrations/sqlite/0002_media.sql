-- Versions, resumable uploads, the durable job queue and derived media.

-- An asset's current version (NULL until its first upload).
ALTER TABLE assets ADD COLUMN current_version_id BLOB;

CREATE TABLE versions (
    id                  BLOB PRIMARY KEY NOT NULL,
    asset_id            BLOB NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    -- v1..vN as people say it; never reused within a stack.
    number              INTEGER NOT NULL,
    -- Order in the stack (reordering changes this, not the number).
    position            INTEGER NOT NULL,
    filename            TEXT NOT NULL,
    filetype            TEXT NOT NULL,
    size_bytes          INTEGER NOT NULL,
    original_key        TEXT NOT NULL,
    -- Hex SHA-256 of the original, computed at ingest.
    sha256              TEXT,
    -- video | audio | image | pdf | unknown (until probed)
    kind                TEXT NOT NULL,
    -- processing | playable | ready | failed
    processing_state    TEXT NOT NULL,
    failure_reason      TEXT,
    progress            INTEGER NOT NULL DEFAULT 0,
    -- What ffprobe found (JSON), and the review facts derived from it.
    probe               TEXT,
    width               INTEGER,
    height              INTEGER,
    rate_num            INTEGER,
    rate_den            INTEGER,
    frame_count         INTEGER,
    duration_us         INTEGER,
    vfr                 INTEGER NOT NULL DEFAULT 0,
    start_timecode      TEXT,
    review_status       TEXT NOT NULL DEFAULT 'in_review',
    locked              INTEGER NOT NULL DEFAULT 0,
    uploaded_by         BLOB NOT NULL REFERENCES users (id),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX versions_asset_number ON versions (asset_id, number);
CREATE INDEX versions_asset_position ON versions (asset_id, position);

-- Derived media of a version: proxies, poster, sprite sheet, waveform, stills.
CREATE TABLE renditions (
    version_id          BLOB NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    blob_key            TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size_bytes          INTEGER NOT NULL,
    width               INTEGER,
    height              INTEGER,
    frame_count         INTEGER,
    meta                TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (version_id, name)
);

-- tus uploads in progress (and, briefly, completed ones: the client may HEAD them).
CREATE TABLE uploads (
    id                  BLOB PRIMARY KEY NOT NULL,
    workspace_id        BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    project_id          BLOB NOT NULL,
    folder_id           BLOB,
    asset_id            BLOB,
    created_by          BLOB NOT NULL REFERENCES users (id),
    filename            TEXT NOT NULL,
    filetype            TEXT NOT NULL,
    length              INTEGER NOT NULL,
    upload_offset       INTEGER NOT NULL DEFAULT 0,
    metadata            TEXT NOT NULL,
    staging_key         TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    completed_at        INTEGER,
    version_id          BLOB,
    lock_owner          TEXT,
    lock_until          INTEGER
);
CREATE INDEX uploads_workspace ON uploads (workspace_id, completed_at);
CREATE INDEX uploads_expiry ON uploads (completed_at, expires_at);

-- The durable job queue. A job is claimed with a lease that heartbeats extend; a lease that
-- runs out puts the job back in the queue (or fails it after max_attempts).
CREATE TABLE jobs (
    id                  BLOB PRIMARY KEY NOT NULL,
    kind                TEXT NOT NULL,
    payload             TEXT NOT NULL,
    -- queued | running | succeeded | failed | cancelled
    state               TEXT NOT NULL,
    priority            INTEGER NOT NULL,
    run_at              INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    max_attempts        INTEGER NOT NULL,
    lease_owner         TEXT,
    lease_expires_at    INTEGER,
    heartbeat_at        INTEGER,
    progress            INTEGER NOT NULL DEFAULT 0,
    cancel_requested    INTEGER NOT NULL DEFAULT 0,
    unique_key          TEXT,
    last_error          TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX jobs_claim ON jobs (state, priority, run_at);
CREATE UNIQUE INDEX jobs_unique_active ON jobs (unique_key) WHERE state IN ('queued', 'running');
