-- Core tables: raw documents, articles with lineage, known duplicates, quarantine, runs.
-- Applied once and recorded in schema_migrations by flows/warehouse.py.

CREATE TABLE documents (
    doc_sha256   VARCHAR PRIMARY KEY,          -- sha256 of the raw bytes: the content address
    source       VARCHAR NOT NULL,             -- path or URL as given when first seen
    kind         VARCHAR NOT NULL,             -- file | feed-entry
    format       VARCHAR,                      -- markdown | html | text (null when it could not be decoded)
    encoding     VARCHAR,                      -- codec used to decode
    byte_size    BIGINT NOT NULL,
    raw          BLOB,                         -- the input exactly as received, for re-extraction
    url          VARCHAR,
    first_seen   TIMESTAMPTZ NOT NULL,
    flow_run_id  VARCHAR
);

CREATE TABLE articles (
    article_id        VARCHAR PRIMARY KEY,     -- sha256 of the normalised body text
    doc_sha256        VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    story_key         VARCHAR NOT NULL,        -- url when known, else the source path: versions share it
    version           INTEGER NOT NULL,
    supersedes        VARCHAR,                 -- article_id of the previous version
    title             VARCHAR,
    title_derived     BOOLEAN NOT NULL,
    text              VARCHAR NOT NULL,
    published_at      VARCHAR,                 -- ISO 8601 local time as the document states it
    published_utc     TIMESTAMPTZ,
    authors           VARCHAR[],
    outlet            VARCHAR,
    platform          VARCHAR,
    url               VARCHAR,
    language          VARCHAR,
    script            VARCHAR,
    provenance        JSON,
    attributions      VARCHAR[],
    warnings          JSON,                    -- non-blocking validation findings
    extractor_version VARCHAR NOT NULL,
    flow_run_id       VARCHAR,
    landed_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE duplicates (
    doc_sha256   VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    duplicate_of VARCHAR NOT NULL,             -- article_id it repeats
    reason       VARCHAR NOT NULL,             -- same-bytes (another name) | same-text (other bytes, same body)
    first_seen   TIMESTAMPTZ NOT NULL,
    flow_run_id  VARCHAR,
    PRIMARY KEY (doc_sha256, source)
);

CREATE SEQUENCE quarantine_seq START 1;
CREATE TABLE quarantine (
    quarantine_id  BIGINT PRIMARY KEY DEFAULT nextval('quarantine_seq'),
    doc_sha256     VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,           -- read | decode | extract | validate
    reasons        JSON NOT NULL,              -- list of human-readable reasons / expectation names
    observed       JSON,                       -- observed values behind the reasons
    extractor_version VARCHAR,
    quarantined_at TIMESTAMPTZ NOT NULL,
    flow_run_id    VARCHAR,
    released_at    TIMESTAMPTZ,                -- set when re-processing let it land
    released_to    VARCHAR                     -- article_id it became
);

CREATE TABLE runs (
    flow_run_id  VARCHAR PRIMARY KEY,
    flow_name    VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    inputs_seen  INTEGER NOT NULL DEFAULT 0,
    landed       INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    quarantined  INTEGER NOT NULL DEFAULT 0,
    status       VARCHAR NOT NULL,             -- running | completed | failed
    parameters   JSON
);
