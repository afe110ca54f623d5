-- The analyst's desk (presswatch/desk/): the outlet directory, the search text index, alert handling.

-- The outlet directory (seeds/outlets.yaml), reloaded whole by every summaries run: the YAML file is the
-- source of truth, these tables are its current copy for joins.
CREATE TABLE outlets (
    outlet_id   VARCHAR PRIMARY KEY,           -- the canonical name
    region      VARCHAR NOT NULL,              -- mainland | hongkong | taiwan | overseas
    kind        VARCHAR NOT NULL,              -- state | commercial | foreign | portal
    aliases     VARCHAR[] NOT NULL,            -- as written in the directory
    domains     VARCHAR[] NOT NULL
);

-- Every spelling an outlet string, platform or byline may take: lower-cased, without spaces, in simplified
-- and traditional script (the loader adds the other script's forms), so a plain equi-join resolves them.
CREATE TABLE outlet_aliases (
    alias_key   VARCHAR PRIMARY KEY,
    outlet_id   VARCHAR NOT NULL
);

-- Registered domains: a URL's host resolves to the longest domain it ends with (cn.nytimes.com -> nytimes.com).
CREATE TABLE outlet_domains (
    domain      VARCHAR PRIMARY KEY,
    outlet_id   VARCHAR NOT NULL
);

-- Named groups of outlets (state media, Hong Kong press, portals ...); an outlet may be in several.
CREATE TABLE outlet_collections (
    collection  VARCHAR NOT NULL,
    outlet_id   VARCHAR NOT NULL,
    PRIMARY KEY (collection, outlet_id)
);

-- The text `presswatch search` scans: title + text in search form (presswatch/desk/textindex.py:
-- full-width -> ASCII, case folded, OpenCC t2s character table, whitespace runs as one space, and every
-- Latin/digit run wrapped in \x01 so whole-word matching is a plain substring test). One row per article
-- id; filled incrementally by the summaries run. Stored uncompressed: decompressing DuckDB's FSST strings
-- took ~80% of a scan (10k articles: 1.16 s compressed, 0.22 s uncompressed, same query), at about twice
-- the disk space of the compressed column.
CREATE TABLE search_text (
    article_id  VARCHAR PRIMARY KEY,
    body        VARCHAR NOT NULL USING COMPRESSION uncompressed
);

-- When and by whom an alert left the open state (presswatch alerts ack | close).
ALTER TABLE alerts ADD COLUMN status_changed_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN status_note VARCHAR;
