-- The OpenID Connect provider (internal/oidc). Times are Unix seconds.
-- 0009 is left to the identity capability's tables.

-- Relying parties. Secrets are stored as a SHA-256 hash (they are random,
-- 256 bits); private_key_jwt clients keep their public JWK set.
CREATE TABLE oidc_clients (
    id                        TEXT    PRIMARY KEY,
    name                      TEXT    NOT NULL,
    secret_hash               TEXT    NOT NULL DEFAULT '',
    auth_method               TEXT    NOT NULL,
    redirect_uris             TEXT    NOT NULL, -- JSON list
    post_logout_redirect_uris TEXT    NOT NULL, -- JSON list
    backchannel_logout_uri    TEXT    NOT NULL DEFAULT '',
    sector                    TEXT    NOT NULL,
    subject_type              TEXT    NOT NULL,
    jwks                      TEXT    NOT NULL DEFAULT '',
    grant_types               TEXT    NOT NULL, -- JSON list
    scopes                    TEXT    NOT NULL, -- JSON list
    created_at                INTEGER NOT NULL
);

-- Signing keys (ES256), shared by every instance. A key signs from
-- created_at until the next key's created_at, and is published until
-- every token it signed has expired (published_until, set when retired).
CREATE TABLE oidc_keys (
    id              TEXT    PRIMARY KEY,
    private_key     TEXT    NOT NULL, -- PKCS #8, base64
    created_at      INTEGER NOT NULL,
    published_until INTEGER NOT NULL DEFAULT 0 -- 0 while it signs
);
CREATE INDEX oidc_keys_created ON oidc_keys (created_at);

-- Provider secrets: the pairwise-subject key, the token encryption key.
CREATE TABLE oidc_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Pending authorization requests and their codes.
CREATE TABLE oidc_auth_requests (
    id           TEXT    PRIMARY KEY,
    client_id    TEXT    NOT NULL,
    request      TEXT    NOT NULL, -- JSON of the validated request
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    account_id   TEXT    NOT NULL DEFAULT '',
    session_id   TEXT    NOT NULL DEFAULT '', -- the sid, derived from the identity session id
    subject      TEXT    NOT NULL DEFAULT '', -- the sub this client sees
    auth_time    INTEGER NOT NULL DEFAULT 0,
    acr          TEXT    NOT NULL DEFAULT '',
    amr          TEXT    NOT NULL DEFAULT '', -- JSON list
    done         INTEGER NOT NULL DEFAULT 0,
    code_hash    TEXT    UNIQUE,
    code_used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

-- Issued tokens. family is the authorization (the auth request id, or a
-- client-credentials grant id) all refresh tokens of a chain share.
CREATE TABLE oidc_tokens (
    id          TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL, -- access or refresh
    token_hash  TEXT    UNIQUE,   -- refresh tokens only
    family      TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    account_id  TEXT    NOT NULL DEFAULT '',
    session_id  TEXT    NOT NULL DEFAULT '', -- the sid
    subject     TEXT    NOT NULL DEFAULT '',
    scopes      TEXT    NOT NULL, -- space-separated
    audience    TEXT    NOT NULL, -- JSON list
    auth_time   INTEGER NOT NULL DEFAULT 0,
    acr         TEXT    NOT NULL DEFAULT '',
    amr         TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    rotated_at  INTEGER NOT NULL DEFAULT 0,
    revoked_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX oidc_tokens_family ON oidc_tokens (family);
CREATE INDEX oidc_tokens_session ON oidc_tokens (session_id);
CREATE INDEX oidc_tokens_account ON oidc_tokens (account_id, client_id);

-- Client assertion ids (jti) already seen, kept until the assertion expires.
CREATE TABLE oidc_assertions (
    client_id  TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);

-- Consents: what a person let a client have.
CREATE TABLE oidc_consents (
    account_id TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    scopes     TEXT    NOT NULL, -- space-separated, sorted
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_id)
);

-- Which clients a person signed in to within an identity session, for
-- back-channel logout.
CREATE TABLE oidc_session_clients (
    session_id TEXT    NOT NULL, -- the sid
    client_id  TEXT    NOT NULL,
    account_id TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, client_id)
);

-- Pushed authorization requests (RFC 9126): the parameters a client sent
-- directly, fetched once by the authorization endpoint through request_uri.
CREATE TABLE oidc_pushed_requests (
    request_uri_hash TEXT    PRIMARY KEY,
    client_id        TEXT    NOT NULL,
    params           TEXT    NOT NULL,  -- the form, URL-encoded
    expires_at       INTEGER NOT NULL
);
