-- Places taken per slot. The CHECK is the last line of defence; bookings
-- take a place with a conditional UPDATE (taken < capacity) in the same
-- short transaction that records the appointment.
CREATE TABLE booking_slots (
    point_id   TEXT    NOT NULL,
    service_id TEXT    NOT NULL,
    start_at   INTEGER NOT NULL, -- unix seconds
    capacity   INTEGER NOT NULL,
    taken      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (point_id, service_id, start_at),
    CHECK (taken >= 0 AND taken <= capacity)
);

CREATE TABLE appointments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reference     TEXT    NOT NULL UNIQUE,
    nonce         TEXT    NOT NULL,
    point_id      TEXT    NOT NULL,
    service_id    TEXT    NOT NULL,
    start_at      INTEGER NOT NULL,
    end_at        INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    citizen_name  TEXT    NOT NULL,
    citizen_email TEXT    NOT NULL DEFAULT '',
    citizen_phone TEXT    NOT NULL DEFAULT '',
    citizen_key   TEXT    NOT NULL,
    lang          TEXT    NOT NULL,
    channel       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
-- One active booking per person per service, enforced by the database.
CREATE UNIQUE INDEX appointments_one_active ON appointments (service_id, citizen_key) WHERE status = 'booked';
CREATE INDEX appointments_point_time ON appointments (point_id, start_at);

-- Idempotency-Key records: a retried request gets the original answer.
CREATE TABLE idempotency_keys (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    result       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);

-- What happened to appointments, for analytics: channel, waits, outcomes.
CREATE TABLE booking_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    type           TEXT    NOT NULL,
    appointment_id INTEGER NOT NULL,
    point_id       TEXT    NOT NULL,
    service_id     TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    slot_start     INTEGER NOT NULL
);
CREATE INDEX booking_events_point_time ON booking_events (point_id, at);

-- People waiting for a place to free up for a service at a point, on days
-- they chose. A freed place is held for the first in line until
-- offer_expires_at (the hold counts in booking_slots.taken), then passed on.
CREATE TABLE booking_waitlist (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    nonce            TEXT    NOT NULL,
    point_id         TEXT    NOT NULL,
    service_id       TEXT    NOT NULL,
    first_day        TEXT    NOT NULL, -- YYYY-MM-DD, in the point's zone
    last_day         TEXT    NOT NULL,
    citizen_name     TEXT    NOT NULL,
    citizen_email    TEXT    NOT NULL DEFAULT '',
    citizen_phone    TEXT    NOT NULL DEFAULT '',
    lang             TEXT    NOT NULL,
    channel          TEXT    NOT NULL,
    status           TEXT    NOT NULL, -- waiting, offered, booked, expired, left
    offer_start      INTEGER NOT NULL DEFAULT 0,
    offer_expires_at INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);
CREATE INDEX booking_waitlist_line ON booking_waitlist (point_id, service_id, status, id);
