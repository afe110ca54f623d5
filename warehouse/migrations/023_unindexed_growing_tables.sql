-- The tables that grow with the archive and that every summaries run writes lose their key indexes.
-- DuckDB keeps a PRIMARY KEY or UNIQUE constraint as an ART index that an insert, update or delete loads
-- into memory, where it stays pinned (DuckDB cannot evict it): at 1M articles a run pinned 208 MiB for
-- alerts and stories alone, and writing the desk's postings of 1,000 articles loaded a 51M-entry index
-- (24 s, 3.3 GB at 10k articles in the summaries bench). No read uses these indexes (DuckDB scans with
-- zone maps instead; a lookup by key is a scan of one column), and each key is unique by construction:
-- stories and alerts are written after an anti-join on their id (presswatch/store/stories_index.py,
-- summaries_keyed.py), a pass's postings are grouped by key (presswatch/desk/gramindex.py), and the
-- desk's per-article tables take only the articles past their mark. tests/test_unique_keys.py checks it.
-- Each table is copied in its row order (the postings' pass order is what their zone maps rely on).

CREATE TABLE alerts_unindexed (
    alert_id VARCHAR NOT NULL, kind VARCHAR NOT NULL CHECK (kind IN ('match', 'spike')), search VARCHAR NOT NULL,
    article_id VARCHAR, day DATE, count INTEGER, baseline DOUBLE, ratio DOUBLE,
    created_at TIMESTAMPTZ NOT NULL, flow_run_id VARCHAR, status VARCHAR NOT NULL DEFAULT 'open',
    status_changed_at TIMESTAMPTZ, status_note VARCHAR, title VARCHAR, outlet VARCHAR, url VARCHAR
);
INSERT INTO alerts_unindexed SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_unindexed RENAME TO alerts;

CREATE TABLE stories_unindexed (
    story_id VARCHAR NOT NULL, title VARCHAR, first_seen TIMESTAMPTZ, last_seen TIMESTAMPTZ,
    n_outlets INTEGER NOT NULL, n_articles INTEGER NOT NULL, outlets VARCHAR[] NOT NULL, original_article_id VARCHAR
);
INSERT INTO stories_unindexed SELECT * FROM stories;
DROP TABLE stories;
ALTER TABLE stories_unindexed RENAME TO stories;

CREATE TABLE desk_postings_unindexed (gram BIGINT NOT NULL, run INTEGER NOT NULL, docs BLOB NOT NULL);
INSERT INTO desk_postings_unindexed SELECT * FROM desk_postings;
DROP TABLE desk_postings;
ALTER TABLE desk_postings_unindexed RENAME TO desk_postings;

CREATE TABLE desk_docs_unindexed (
    doc INTEGER NOT NULL, article_id VARCHAR NOT NULL, story_key VARCHAR NOT NULL, version INTEGER NOT NULL,
    current BOOLEAN NOT NULL, day DATE, published_at VARCHAR, published_utc TIMESTAMPTZ, outlet VARCHAR NOT NULL,
    language VARCHAR, outlet_canonical VARCHAR
);
INSERT INTO desk_docs_unindexed SELECT * FROM desk_docs;
DROP TABLE desk_docs;
ALTER TABLE desk_docs_unindexed RENAME TO desk_docs;

CREATE TABLE desk_article_outlets_unindexed (
    article_id VARCHAR NOT NULL, outlet_id VARCHAR NOT NULL, resolved_by VARCHAR NOT NULL
);
INSERT INTO desk_article_outlets_unindexed SELECT * FROM desk_article_outlets;
DROP TABLE desk_article_outlets;
ALTER TABLE desk_article_outlets_unindexed RENAME TO desk_article_outlets;

CREATE TABLE desk_outlets_done_unindexed (article_id VARCHAR NOT NULL);
INSERT INTO desk_outlets_done_unindexed SELECT * FROM desk_outlets_done;
DROP TABLE desk_outlets_done;
ALTER TABLE desk_outlets_done_unindexed RENAME TO desk_outlets_done;

CREATE TABLE desk_terms_done_unindexed (doc INTEGER NOT NULL);
INSERT INTO desk_terms_done_unindexed SELECT * FROM desk_terms_done;
DROP TABLE desk_terms_done;
ALTER TABLE desk_terms_done_unindexed RENAME TO desk_terms_done;
