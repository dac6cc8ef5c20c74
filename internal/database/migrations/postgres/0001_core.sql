-- Settings the platform keeps about itself (e.g. whether the demo data set was loaded).
CREATE TABLE platform_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
