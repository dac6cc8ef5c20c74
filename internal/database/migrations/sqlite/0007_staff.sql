-- Staff accounts (agents at counters and on the phone) and their sessions.
-- Interim: the identity capability replaces this with full accounts, roles
-- and multi-factor authentication.
CREATE TABLE staff_accounts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    organization_id TEXT    NOT NULL,
    points          TEXT    NOT NULL, -- JSON list of service point ids
    role            TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE TABLE staff_sessions (
    id_hash      TEXT    PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX staff_sessions_account ON staff_sessions (account_id);
