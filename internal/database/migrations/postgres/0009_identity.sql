-- Accounts of citizens and agents, their sessions, factors and throttling.
-- Replaces the interim staff tables (their accounts carry over as agents,
-- who enrol a second factor at their next sign-in).
CREATE TABLE identity_accounts (
    id                   TEXT    PRIMARY KEY,
    kind                 TEXT    NOT NULL,            -- citizen | agent
    email                TEXT    NOT NULL UNIQUE,     -- lower case
    email_verified_at    BIGINT,                     -- ms; NULL until the link is followed
    given_name           TEXT    NOT NULL DEFAULT '',
    family_name          TEXT    NOT NULL DEFAULT '',
    locale               TEXT    NOT NULL DEFAULT 'fr',
    password_hash        TEXT    NOT NULL,
    identity_verified_at BIGINT,                     -- ms; identity checked by an agent at a counter
    identity_verified_by TEXT    NOT NULL DEFAULT '', -- the agent's account id
    organization_id      TEXT    NOT NULL DEFAULT '', -- agents
    points               TEXT    NOT NULL DEFAULT '[]', -- agents: JSON list of service point ids
    roles                TEXT    NOT NULL DEFAULT '[]', -- agents: JSON list of roles
    created_at           BIGINT  NOT NULL
);

CREATE TABLE identity_sessions (
    id_hash      TEXT    PRIMARY KEY,   -- hash of the cookie's secret; changes at every step
    ref          TEXT    NOT NULL UNIQUE, -- the session's stable public handle (the sid of the OpenID provider)
    account_id   TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    stage        TEXT    NOT NULL,  -- second_factor | enrol | full
    acr          TEXT    NOT NULL,
    amr          TEXT    NOT NULL,  -- JSON list (RFC 8176)
    auth_time    BIGINT  NOT NULL,
    device       TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX identity_sessions_account ON identity_sessions (account_id);

-- One row per throttled key (an account, an address): tries in the current
-- window, and a lock once the limit is reached.
CREATE TABLE identity_throttle (
    key          TEXT    PRIMARY KEY,
    tries        BIGINT  NOT NULL,
    window_start BIGINT  NOT NULL,
    locked_until BIGINT  NOT NULL DEFAULT 0
);

-- Single-use links sent by e-mail (address verification, password reset)
-- and recovery codes handed over at a counter; only their hash is kept.
CREATE TABLE identity_tokens (
    hash       TEXT    PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    issued_by  TEXT    NOT NULL DEFAULT '', -- the agent who handed it over (counter recovery)
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT 
);
CREATE INDEX identity_tokens_account ON identity_tokens (account_id);

CREATE TABLE identity_totp (
    account_id   TEXT    PRIMARY KEY REFERENCES identity_accounts (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,  -- sealed (AES-256-GCM)
    confirmed_at BIGINT,
    last_step    BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE identity_recovery_codes (
    account_id TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (account_id, code_hash)
);

CREATE TABLE identity_passkeys (
    id           TEXT    PRIMARY KEY,  -- credential id, base64url
    account_id   TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    credential   TEXT    NOT NULL,     -- JSON
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX identity_passkeys_account ON identity_passkeys (account_id);

-- A WebAuthn ceremony under way (the challenge the browser must sign),
-- per session and kind (register, login).
CREATE TABLE identity_ceremonies (
    session_hash TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    data         TEXT    NOT NULL,  -- JSON
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (session_hash, kind)
);

INSERT INTO identity_accounts (id, kind, email, email_verified_at, given_name, organization_id, points, roles, password_hash, created_at)
    SELECT 'staff-' || id, 'agent', email, created_at, name, organization_id, points,
           '["' || role || '"]', password_hash, created_at
    FROM staff_accounts;
DROP TABLE staff_sessions;
DROP TABLE staff_accounts;
