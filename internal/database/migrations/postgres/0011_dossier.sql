-- The citizen's file (package internal/dossier): personal fields sealed
-- with AES-256-GCM under a key of the dossier keyring (the sealed text
-- names its key, so rotation leaves old rows readable until
-- `guichet dossier reencrypt` moves them), purposes of access per
-- organization, agents' accesses (each bound to an audit entry), consents
-- with signed receipts, and correction requests.

-- One row per personal field of a citizen: value is sealed.
CREATE TABLE dossier_fields (
    citizen_id TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    field      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (citizen_id, field)
);

-- Cards and documents: the number is sealed; the kind and the expiry date
-- are not (the reminder worker selects on them). reminded_for is the expiry
-- date a reminder was sent for ('' when none).
CREATE TABLE dossier_cards (
    id           TEXT    PRIMARY KEY,
    citizen_id   TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    number       TEXT    NOT NULL,
    expires_on   TEXT    NOT NULL,            -- YYYY-MM-DD
    reminded_for TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL
);
CREATE INDEX dossier_cards_citizen ON dossier_cards (citizen_id);
CREATE INDEX dossier_cards_expiry ON dossier_cards (expires_on);

-- What an organization may open a file for, and on what legal basis.
-- fields is a JSON list; needs_consent: only what the citizen consented to.
CREATE TABLE dossier_purposes (
    organization_id TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    name_fr         TEXT    NOT NULL,
    name_en         TEXT    NOT NULL,
    basis_fr        TEXT    NOT NULL,
    basis_en        TEXT    NOT NULL,
    fields          TEXT    NOT NULL,
    needs_consent   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, id)
);

-- Every read of a file by an agent. The audit entry (audit_id) commits in
-- the same transaction; its details hash covers this row's facts, so an
-- edited row no longer matches the log. justification is sealed.
CREATE TABLE dossier_accesses (
    id              TEXT    PRIMARY KEY,
    citizen_id      TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    agent_id        TEXT    NOT NULL,
    agent_name      TEXT    NOT NULL,
    organization_id TEXT    NOT NULL,
    purpose_id      TEXT    NOT NULL,
    reference       TEXT    NOT NULL,
    fields          TEXT    NOT NULL,          -- JSON list
    break_glass     INTEGER NOT NULL DEFAULT 0,
    justification   TEXT    NOT NULL DEFAULT '',
    audit_id        BIGINT  NOT NULL,
    time_ns         BIGINT  NOT NULL,
    reviewed_at     BIGINT,
    reviewed_by     TEXT    NOT NULL DEFAULT '',
    review_note     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX dossier_accesses_citizen ON dossier_accesses (citizen_id, time_ns);
CREATE INDEX dossier_accesses_review ON dossier_accesses (organization_id, break_glass, reviewed_at);

-- Consents: one live grant per citizen, organization and purpose.
CREATE TABLE dossier_consents (
    id              TEXT    PRIMARY KEY,
    citizen_id      TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    organization_id TEXT    NOT NULL,
    purpose_id      TEXT    NOT NULL,
    fields          TEXT    NOT NULL,          -- JSON list
    granted_at      BIGINT  NOT NULL,          -- ms
    grant_receipt   TEXT    NOT NULL,          -- JWS (ES256)
    revoked_at      BIGINT,
    revoke_receipt  TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX dossier_consents_live ON dossier_consents (citizen_id, organization_id, purpose_id) WHERE revoked_at IS NULL;

-- Requests to correct the file (Law 25), in the organization's queue.
CREATE TABLE dossier_corrections (
    id              TEXT    PRIMARY KEY,       -- CR-XXXXXX, shown to both sides
    citizen_id      TEXT    NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    organization_id TEXT    NOT NULL,
    field           TEXT    NOT NULL,
    message         TEXT    NOT NULL,          -- sealed
    status          TEXT    NOT NULL DEFAULT 'open', -- open | done
    created_at      BIGINT  NOT NULL,
    resolved_at     BIGINT,
    resolved_by     TEXT    NOT NULL DEFAULT '',
    resolution      TEXT    NOT NULL DEFAULT ''      -- sealed
);
CREATE INDEX dossier_corrections_org ON dossier_corrections (organization_id, status, created_at);
CREATE INDEX dossier_corrections_citizen ON dossier_corrections (citizen_id);
