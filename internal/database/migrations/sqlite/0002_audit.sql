-- The verifiable audit log (package internal/audit).
--
-- An entry is appended with seq NULL (durable once its transaction commits),
-- then integrated: given the next position in the Merkle tree (seq 0, 1, …)
-- and its tree hashes stored in audit_hashes, indexed by tlog.StoredHashIndex.
-- Times are Unix nanoseconds (UTC) so that they round-trip exactly and hash
-- identically on SQLite and PostgreSQL. Rows are never updated after
-- integration and never deleted: `guichet audit verify` detects any change.
CREATE TABLE audit_entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    seq          INTEGER UNIQUE CHECK (seq >= 0),
    time_ns      INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    organization TEXT NOT NULL,
    action       TEXT NOT NULL,
    object       TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    details_hash TEXT NOT NULL
);

-- Finds the entries waiting for integration, oldest first.
CREATE INDEX audit_entries_pending ON audit_entries (id) WHERE seq IS NULL;

-- The Merkle tree: hash id is tlog.StoredHashIndex(level, n).
CREATE TABLE audit_hashes (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);

-- Signed tree heads: note is a sumdb note signing tlog.FormatTree.
CREATE TABLE audit_checkpoints (
    tree_size    INTEGER PRIMARY KEY CHECK (tree_size > 0),
    root_hash    BLOB NOT NULL CHECK (length(root_hash) = 32),
    note         TEXT NOT NULL,
    signed_at_ns INTEGER NOT NULL
);
