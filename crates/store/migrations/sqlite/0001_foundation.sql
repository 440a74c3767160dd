-- Foundation: accounts, workspaces, projects, folders, assets, events.
-- Portable conventions (so the PostgreSQL backend can follow): ids are UUIDv7 made in Rust
-- (BLOB(16) here, uuid there), times are epoch milliseconds (INTEGER / BIGINT), booleans are
-- 0/1 integers, JSON is TEXT (jsonb there) and never queried with dialect operators.

CREATE TABLE users (
    id              BLOB PRIMARY KEY NOT NULL,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE sessions (
    id              BLOB PRIMARY KEY NOT NULL,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    ip              TEXT NOT NULL,
    user_agent      TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id              BLOB PRIMARY KEY NOT NULL,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    token_hash      BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    expires_at      INTEGER,
    revoked_at      INTEGER
);
CREATE UNIQUE INDEX api_tokens_token_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed sign-in attempts, counted per IP and per account so limits hold across restarts.
CREATE TABLE login_failures (
    scope_key       TEXT NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (scope_key, at);

-- The one-time set-up link of a server that has no users yet (at most one row).
CREATE TABLE setup_tokens (
    token_hash      BLOB PRIMARY KEY NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE TABLE workspaces (
    id              BLOB PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    quota_bytes     INTEGER NOT NULL,
    originals_bytes INTEGER NOT NULL DEFAULT 0,
    derived_bytes   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX workspaces_name_key ON workspaces (name_key);

CREATE TABLE workspace_members (
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    deactivated_at  INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);

CREATE TABLE invites (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL,
    project_ids     TEXT NOT NULL,
    token_hash      BLOB NOT NULL,
    invited_by      BLOB NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    accepted_at     INTEGER,
    revoked_at      INTEGER
);
CREATE UNIQUE INDEX invites_token_hash ON invites (token_hash);
CREATE INDEX invites_workspace ON invites (workspace_id);

CREATE TABLE projects (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    description     TEXT NOT NULL,
    root_folder_id  BLOB NOT NULL,
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    archived_at     INTEGER,
    deleted_at      INTEGER
);
CREATE INDEX projects_workspace ON projects (workspace_id);

-- Reviewers see only the projects they were added to.
CREATE TABLE project_members (
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);

CREATE TABLE folders (
    id              BLOB PRIMARY KEY NOT NULL,
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id       BLOB REFERENCES folders (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER,
    -- The id of the folder or asset whose deletion hid this row; restoring it restores the batch.
    deleted_batch   BLOB
);
CREATE INDEX folders_project ON folders (project_id);
CREATE INDEX folders_parent ON folders (parent_id);

CREATE TABLE assets (
    id              BLOB PRIMARY KEY NOT NULL,
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    folder_id       BLOB NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    description     TEXT NOT NULL,
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER,
    deleted_batch   BLOB
);
CREATE INDEX assets_project ON assets (project_id);
CREATE INDEX assets_folder ON assets (folder_id);

-- Every state change writes one row here in the same transaction; the SSE stream replays
-- from it. The id is the stream position (SQLite has one writer, so id order is commit order).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    type            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    workspace_id    BLOB NOT NULL,
    project_id      BLOB,
    asset_id        BLOB,
    version_id      BLOB,
    payload         TEXT NOT NULL
);
CREATE INDEX events_workspace ON events (workspace_id, id);
CREATE INDEX events_project ON events (project_id, id);
CREATE INDEX events_asset ON events (asset_id, id);
