-- Incremental summaries (presswatch/store/summaries_incremental.py, stories_index.py): aggregates follow
-- the articles that changed since they were last brought up to date, not the whole archive.

-- Every article the summaries have seen, and whether it is current (the latest version of its story key).
-- Aggregates are computed from the current members only, so they describe exactly one snapshot.
CREATE TABLE summary_members (
    member_no   INTEGER NOT NULL,              -- small key for the stories' band index
    article_id  VARCHAR NOT NULL,
    story_key   VARCHAR NOT NULL,
    current     BOOLEAN NOT NULL,
    day         DATE,                          -- as summary_articles: stated local publication date
    outlet      VARCHAR NOT NULL,
    language    VARCHAR,
    script      VARCHAR
);

-- What changed in the membership (an article became current, or stopped being current), in order.
-- Each aggregate remembers the last change it applied (summary_aggregates.applied_seq).
CREATE SEQUENCE summary_change_seq START 1;
CREATE TABLE summary_changes (
    seq         BIGINT NOT NULL,
    article_id  VARCHAR NOT NULL,
    change      VARCHAR NOT NULL CHECK (change IN ('added', 'removed', 'story')),
    day         DATE,
    outlet      VARCHAR
);

-- Per aggregate: the last change applied, and the fingerprint of the analyses it was built from (a
-- changed fingerprint, or --rebuild, rebuilds it whole).
CREATE TABLE summary_aggregates (
    aggregate    VARCHAR PRIMARY KEY,
    applied_seq  BIGINT NOT NULL,
    fingerprint  VARCHAR NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Materialised per (day, outlet) cell; the summary_volume / summary_mentions_daily / summary_search_daily
-- views read these.
CREATE TABLE volume_daily (
    day       DATE,
    outlet    VARCHAR NOT NULL,
    language  VARCHAR NOT NULL,
    script    VARCHAR NOT NULL,
    articles  BIGINT NOT NULL
);

CREATE TABLE mentions_daily (
    day          DATE,
    outlet       VARCHAR NOT NULL,
    entity       VARCHAR NOT NULL,
    entity_type  VARCHAR NOT NULL,
    mentions     BIGINT NOT NULL,
    articles     BIGINT NOT NULL
);

CREATE TABLE search_daily (
    search   VARCHAR NOT NULL,
    day      DATE,
    outlet   VARCHAR NOT NULL,
    matches  BIGINT NOT NULL
);

-- Spike days of each saved search as the current articles give them (alerts keep what was announced).
CREATE TABLE search_spikes (
    search    VARCHAR NOT NULL,
    day       DATE NOT NULL,
    count     INTEGER NOT NULL,
    baseline  DOUBLE NOT NULL,
    ratio     DOUBLE
);

-- Stories' LSH band index: one row per current article and band. A new article is looked up here
-- instead of regrouping every signature.
CREATE TABLE story_bands (
    band       UTINYINT NOT NULL,
    bucket     UBIGINT NOT NULL,
    member_no  INTEGER NOT NULL
);
