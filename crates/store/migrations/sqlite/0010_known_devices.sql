-- Browsers that have signed in to an account before: the `fp_device` cookie's SHA-256. A known
-- device passes the per-account ceiling on failed sign-ins (it still has a limit of its own), so
-- guessing an owner's password from elsewhere cannot keep the owner out.
CREATE TABLE known_devices (
    token_hash      BLOB PRIMARY KEY NOT NULL,
    user_id         BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id, last_seen_at);
