-- The e-mail outbox (package internal/notify).
--
-- A message is inserted in the same transaction as the business change that
-- causes it, then claimed by a worker (status 'sending' with a lease), sent,
-- and marked 'sent', or put back to 'pending' with a later not_before_ms
-- after a failure, or 'failed' after the last attempt. A lease that expires
-- (the process died while sending) makes the message due again: delivery is
-- at least once. Times are Unix milliseconds (UTC) so that they round-trip
-- identically on SQLite and PostgreSQL; not_before_ms 0 means "now".
-- last_error never holds the body. The table is also the development mailbox.
CREATE TABLE notify_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    lang            TEXT NOT NULL CHECK (lang IN ('fr', 'en')),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    calendar        BLOB,
    calendar_method TEXT NOT NULL DEFAULT '',
    ref             TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    not_before_ms   INTEGER NOT NULL DEFAULT 0,
    lease_until_ms  INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT NOT NULL DEFAULT '',
    created_ms      INTEGER NOT NULL,
    sent_ms         INTEGER
);

-- Finds the pending messages that are due, in due order.
CREATE INDEX notify_outbox_due ON notify_outbox (not_before_ms, id) WHERE status = 'pending';

-- Finds the expired leases (a worker died while sending).
CREATE INDEX notify_outbox_leases ON notify_outbox (lease_until_ms) WHERE status = 'sending';

-- Finds the messages of a business reference (to cancel a reminder, to show them).
CREATE INDEX notify_outbox_ref ON notify_outbox (ref, kind) WHERE ref <> '';
