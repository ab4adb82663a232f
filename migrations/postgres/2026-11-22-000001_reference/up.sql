-- Reference data copied from config/units.toml and config/categories.toml at start-up.
CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent TEXT REFERENCES regions (code)
);

CREATE TABLE units (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions (code),
    parent TEXT REFERENCES units (code),
    email TEXT NOT NULL
);
CREATE INDEX units_region_kind ON units (region, kind);

CREATE TABLE categories (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    -- comma-separated kind codes
    kinds TEXT NOT NULL
);
