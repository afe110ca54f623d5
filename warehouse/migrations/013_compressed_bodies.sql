-- Landing cost (issue 13): documents.raw and articles.text stored with ZSTD, chosen once here instead of by
-- DuckDB at every checkpoint. Each landed batch rewrites the table's last, partly filled row group (2,048 rows:
-- store/connections.py), and with automatic compression every rewrite first tries FSST and dictionary
-- encodings on every body again. Measured on 5,000 text inputs landed in batches of 500: the checkpoints
-- took 8.9 CPU s with automatic compression, 0.4 s with these two columns ZSTD, and the file went from 77 MB
-- to 12 MB; on 2,000 HTML pages (where DuckDB already picked ZSTD for raw) 8.6 -> 7.6 s, same size.
-- Same columns in the same order, same keys and defaults, same rows: only the storage changes. DuckDB sets
-- a column's compression only when the table is created, so both tables are rebuilt and renamed.

CREATE TABLE documents_013 (
    doc_sha256    VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    format        VARCHAR,
    encoding      VARCHAR,
    byte_size     BIGINT NOT NULL,
    raw           BLOB USING COMPRESSION zstd,
    url           VARCHAR,
    first_seen    TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR,
    raw_truncated BOOLEAN DEFAULT false
);
INSERT INTO documents_013
SELECT doc_sha256, source, kind, format, encoding, byte_size, raw, url, first_seen, flow_run_id, raw_truncated
FROM documents;
DROP TABLE documents;
ALTER TABLE documents_013 RENAME TO documents;

CREATE TABLE articles_013 (
    article_id        VARCHAR PRIMARY KEY,
    doc_sha256        VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    story_key         VARCHAR NOT NULL,
    version           INTEGER NOT NULL,
    supersedes        VARCHAR,
    title             VARCHAR,
    title_derived     BOOLEAN NOT NULL,
    text              VARCHAR NOT NULL USING COMPRESSION zstd,
    published_at      VARCHAR,
    published_utc     TIMESTAMPTZ,
    authors           VARCHAR[],
    outlet            VARCHAR,
    platform          VARCHAR,
    url               VARCHAR,
    language          VARCHAR,
    script            VARCHAR,
    provenance        JSON,
    attributions      VARCHAR[],
    warnings          JSON,
    extractor_version VARCHAR NOT NULL,
    flow_run_id       VARCHAR,
    landed_at         TIMESTAMPTZ NOT NULL
);
INSERT INTO articles_013
SELECT article_id, doc_sha256, source, story_key, version, supersedes, title, title_derived, text, published_at,
       published_utc, authors, outlet, platform, url, language, script, provenance, attributions, warnings,
       extractor_version, flow_run_id, landed_at
FROM articles;
DROP TABLE articles;
ALTER TABLE articles_013 RENAME TO articles;
