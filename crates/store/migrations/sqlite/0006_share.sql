-- Share links, guest reviewers and e-mail.

-- A share link: one random token (only its SHA-256 is kept) scoped to an asset, a version, a
-- folder (live: what is added later shows too), a project, or a hand-picked list of assets.
CREATE TABLE share_links (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    project_id      BLOB NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- `asset`, `version`, `folder`, `project` or `list`.
    scope           TEXT NOT NULL,
    asset_id        BLOB,
    version_id      BLOB,
    folder_id       BLOB,
    token_hash      BLOB NOT NULL,
    name            TEXT NOT NULL,
    message         TEXT NOT NULL,
    can_comment     INTEGER NOT NULL,
    can_decide      INTEGER NOT NULL,
    can_download_proxy INTEGER NOT NULL,
    can_download_original INTEGER NOT NULL,
    -- `current` (each asset's current version only) or `all` (the whole stack).
    versions        TEXT NOT NULL,
    expires_at      INTEGER,
    password_hash   TEXT,
    -- JSON array of lower-case domains; NULL: any e-mail.
    allowed_domains TEXT,
    max_viewers     INTEGER,
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    revoked_by      BLOB
);
CREATE UNIQUE INDEX share_links_token_hash ON share_links (token_hash);
CREATE INDEX share_links_project ON share_links (project_id, created_at);

-- The assets of a review list, in the producer's order.
CREATE TABLE share_link_assets (
    link_id         BLOB NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    asset_id        BLOB NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    PRIMARY KEY (link_id, asset_id)
);

-- A guest's session on one link: who they said they are, whether their e-mail is proven, and
-- the pending one-time code (hashed) while it is not.
CREATE TABLE guest_sessions (
    id              BLOB PRIMARY KEY NOT NULL,
    link_id         BLOB NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    token_hash      BLOB NOT NULL,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    verified_at     INTEGER,
    code_hash       BLOB,
    code_expires_at INTEGER,
    code_attempts   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    ip              TEXT NOT NULL,
    user_agent      TEXT NOT NULL
);
CREATE UNIQUE INDEX guest_sessions_token_hash ON guest_sessions (token_hash);
CREATE INDEX guest_sessions_link ON guest_sessions (link_id, email);

-- Distinct proven e-mails that opened a link (what `max_viewers` counts).
CREATE TABLE share_link_viewers (
    link_id         BLOB NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    first_at        INTEGER NOT NULL,
    PRIMARY KEY (link_id, email)
);

-- Who opened a link, when, from where, and what they did.
CREATE TABLE share_access_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id         BLOB NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    guest_session_id BLOB,
    at              INTEGER NOT NULL,
    ip              TEXT NOT NULL,
    -- `opened`, `password-failed`, `verification-sent`, `verified`, `commented`, `decided`,
    -- `downloaded-proxy`, `downloaded-original`, `viewer-limit`, `ended`.
    action          TEXT NOT NULL,
    name            TEXT,
    email           TEXT,
    asset_id        BLOB,
    version_id      BLOB,
    detail          TEXT NOT NULL
);
CREATE INDEX share_access_log_link ON share_access_log (link_id, id);

-- Named recipient lists a producer re-uses.
CREATE TABLE recipient_lists (
    id              BLOB PRIMARY KEY NOT NULL,
    workspace_id    BLOB NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    -- JSON array of e-mail addresses.
    emails          TEXT NOT NULL,
    created_by      BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX recipient_lists_name ON recipient_lists (workspace_id, name_key);

-- Guests (by e-mail) named as required approvers of an asset, beside members.
CREATE TABLE asset_guest_approvers (
    asset_id        BLOB NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    added_by        BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (asset_id, email)
);

-- A guest's comments and decisions carry their session and proven (or stated) e-mail.
ALTER TABLE comments ADD COLUMN guest_session_id BLOB;
ALTER TABLE comments ADD COLUMN author_email TEXT;
ALTER TABLE decisions ADD COLUMN guest_session_id BLOB;
ALTER TABLE decisions ADD COLUMN guest_email TEXT;
CREATE INDEX decisions_guest ON decisions (version_id, guest_email, created_at) WHERE guest_email IS NOT NULL;

-- Mail waiting to go out (the mailer drains it; a crash loses nothing).
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    -- What it is (`share-link`, `invitation`, `mentions`, `verification-code`), for operators.
    kind            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    send_after      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         INTEGER
);
CREATE INDEX mail_outbox_pending ON mail_outbox (send_after) WHERE sent_at IS NULL;

-- Mentions not yet mailed, gathered into one digest per person every few minutes.
CREATE TABLE mention_queue (
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    comment_id      BLOB NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, comment_id)
);
CREATE TABLE mention_digests (
    user_id         BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_sent_at    INTEGER NOT NULL
);

-- Link changes grant or take away access: open guest streams re-check.
CREATE TRIGGER access_epoch_share_links AFTER UPDATE ON share_links BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_share_links_del AFTER DELETE ON share_links BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_guest_sessions AFTER UPDATE OF revoked_at ON guest_sessions BEGIN UPDATE access_epoch SET n = n + 1; END;
CREATE TRIGGER access_epoch_versions_current AFTER UPDATE OF current_version_id ON assets BEGIN UPDATE access_epoch SET n = n + 1; END;
