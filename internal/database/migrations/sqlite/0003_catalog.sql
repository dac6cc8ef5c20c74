-- Postal-code areas (forward sortation areas) with their centroids.
CREATE TABLE geo_fsas (
    code  TEXT PRIMARY KEY,
    place TEXT NOT NULL DEFAULT '',
    lat   REAL NOT NULL,
    lon   REAL NOT NULL
);

-- Municipalities (MAMH directory).
CREATE TABLE geo_municipalities (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL DEFAULT '',
    population INTEGER NOT NULL DEFAULT 0,
    lat        REAL NOT NULL,
    lon        REAL NOT NULL,
    precision  TEXT NOT NULL DEFAULT ''
);

-- Public bodies, their services and service points. The documents are JSON
-- (the domain types of internal/catalog); the columns beside them are what
-- queries and constraints need.
CREATE TABLE catalog_organizations (
    id   TEXT PRIMARY KEY,
    doc  TEXT NOT NULL
);

CREATE TABLE catalog_services (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES catalog_organizations (id),
    doc             TEXT NOT NULL
);

CREATE TABLE catalog_service_points (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES catalog_organizations (id),
    source          TEXT NOT NULL,
    doc             TEXT NOT NULL
);

-- Which service each point offers, with how many counters serve it.
CREATE TABLE catalog_offers (
    point_id   TEXT NOT NULL REFERENCES catalog_service_points (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES catalog_services (id),
    counters   INTEGER NOT NULL CHECK (counters > 0),
    PRIMARY KEY (point_id, service_id)
);
CREATE INDEX catalog_offers_service ON catalog_offers (service_id);
