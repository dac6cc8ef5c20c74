-- The walk-in queue (package internal/queue) and appointments at the counter
-- (internal/booking/counter.go).
--
-- Times are Unix milliseconds (UTC). An appointment is "called" while its
-- status is still 'checked_in' and called_at is set; served_at is set when
-- it is served. counter and agent say who called it, at which counter.
ALTER TABLE appointments ADD COLUMN checked_in_at INTEGER;
ALTER TABLE appointments ADD COLUMN called_at INTEGER;
ALTER TABLE appointments ADD COLUMN served_at INTEGER;
ALTER TABLE appointments ADD COLUMN counter TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN agent TEXT NOT NULL DEFAULT '';
CREATE INDEX appointments_point_status ON appointments (point_id, status, start_at);

-- One row per point and local day: the last ticket number given. A ticket
-- takes its number by incrementing this row in its own transaction.
CREATE TABLE queue_counters (
    point_id TEXT    NOT NULL,
    day      TEXT    NOT NULL, -- YYYY-MM-DD in the point's zone
    last_number INTEGER NOT NULL DEFAULT 0 CHECK (last_number >= 0),
    PRIMARY KEY (point_id, day)
);

-- Tickets. code_hash is the SHA-256 (hex) of the code given to the citizen;
-- the code itself is never stored.
CREATE TABLE queue_tickets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    point_id   TEXT    NOT NULL,
    service_id TEXT    NOT NULL,
    day        TEXT    NOT NULL,
    number     INTEGER NOT NULL CHECK (number > 0),
    label      TEXT    NOT NULL,
    code_hash  TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('waiting', 'called', 'served', 'no_show', 'cancelled')),
    taken_at   INTEGER NOT NULL,
    called_at  INTEGER,
    ended_at   INTEGER,
    counter    TEXT    NOT NULL DEFAULT '',
    agent      TEXT    NOT NULL DEFAULT ''
);
-- Numbers are unique per point per day, enforced by the database.
CREATE UNIQUE INDEX queue_tickets_number ON queue_tickets (point_id, day, number);
CREATE INDEX queue_tickets_point_status ON queue_tickets (point_id, day, status, taken_at);

-- What happened in the queues, for analytics: waits (taken or checked in →
-- called) and service times (called → served) in seconds, 0 when unknown.
CREATE TABLE queue_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    type            TEXT    NOT NULL,
    point_id        TEXT    NOT NULL,
    service_id      TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    item_kind       TEXT    NOT NULL,
    item_id         INTEGER NOT NULL,
    wait_seconds    INTEGER NOT NULL DEFAULT 0,
    service_seconds INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_events_point_time ON queue_events (point_id, at);
CREATE INDEX queue_events_served ON queue_events (point_id, service_id, type, at);
