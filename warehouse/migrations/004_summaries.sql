-- Summaries: data derived from articles by flows/summary_flows.py. No table here is a source of truth:
-- each can be emptied and recomputed from articles (alerts excepted: they remember what was announced).

-- Per-article analyses run once per article and per fingerprint of their rules (config file + code).
CREATE TABLE summary_state (
    step         VARCHAR PRIMARY KEY,          -- mentions | terms | figures | signatures | searches
    fingerprint  VARCHAR NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Articles each step has analysed (an article without mentions leaves no other trace of that).
CREATE TABLE summary_analysed (
    step        VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL
);

-- Watchlist mentions per article (title and text), traditional and simplified counted as one.
CREATE TABLE entity_mentions (
    article_id   VARCHAR NOT NULL,
    entity       VARCHAR NOT NULL,             -- the watchlist name
    entity_type  VARCHAR NOT NULL,             -- org | person | place | product | outlet
    mentions     INTEGER NOT NULL
);

-- The most frequent terms of each article (at most 30: flows/summaries.py TERMS_PER_ARTICLE).
CREATE TABLE article_terms (
    article_id  VARCHAR NOT NULL,
    term        VARCHAR NOT NULL,
    n           INTEGER NOT NULL
);

-- Rebuilt each run from article_terms: the top terms per publication day and outlet.
CREATE TABLE top_terms (
    day       DATE,                            -- NULL: undated articles
    outlet    VARCHAR NOT NULL,
    rank      INTEGER NOT NULL,
    term      VARCHAR NOT NULL,
    n         BIGINT NOT NULL,                 -- occurrences that day in that outlet
    articles  BIGINT NOT NULL                  -- articles among them using the term
);

-- MinHash signature per article text (128 x uint32, little-endian), kept so grouping never re-hashes.
CREATE TABLE article_signatures (
    article_id  VARCHAR NOT NULL,
    signature   BLOB NOT NULL
);

-- Rebuilt each run: near-duplicate articles across outlets grouped into stories.
CREATE TABLE stories (
    story_id            VARCHAR PRIMARY KEY,   -- article_id of the earliest member
    title               VARCHAR,
    first_seen          TIMESTAMPTZ,           -- earliest publication (landing time when undated)
    last_seen           TIMESTAMPTZ,
    n_outlets           INTEGER NOT NULL,
    n_articles          INTEGER NOT NULL,
    outlets             VARCHAR[] NOT NULL,
    original_article_id VARCHAR                -- the member the others copy
);

CREATE TABLE story_members (
    story_id            VARCHAR NOT NULL,
    article_id          VARCHAR NOT NULL,
    similarity          DOUBLE NOT NULL,       -- estimated Jaccard to the original
    original_article_id VARCHAR,
    link_reason         VARCHAR                -- attribution_source | attribution_title | earliest
);

-- Ledger of figures: every number with a unit found in an article.
CREATE TABLE figures (
    article_id  VARCHAR NOT NULL,
    outlet      VARCHAR,
    quantity    VARCHAR NOT NULL,              -- what it counts: training_cost, downloads ... or other
    subject     VARCHAR,                       -- the entity it is about, when known
    value       DOUBLE NOT NULL,               -- in base units (557.6万 -> 5576000)
    unit        VARCHAR NOT NULL,
    approx      BOOLEAN NOT NULL,
    qualifier   VARCHAR,                       -- approx | over | under
    raw         VARCHAR NOT NULL,              -- as written
    sentence    VARCHAR,
    start       INTEGER                        -- offset in the article text
);

-- Rebuilt each run: each reported value with the outlets that reported it ("reported by N outlets").
CREATE TABLE figure_values (
    quantity     VARCHAR NOT NULL,
    subject      VARCHAR,
    unit         VARCHAR NOT NULL,
    value        DOUBLE NOT NULL,
    n_articles   INTEGER NOT NULL,
    n_outlets    INTEGER NOT NULL,
    n_stories    INTEGER,                      -- distinct stories among them: copies of one story count once
    outlets      VARCHAR[] NOT NULL,
    article_ids  VARCHAR[] NOT NULL,           -- the first article of each outlet that reported it
    raws         VARCHAR[] NOT NULL,
    conflicted   BOOLEAN NOT NULL              -- other outlets report another value for the same quantity
);

-- Rebuilt each run: one quantity reported with different values, and by whom.
CREATE TABLE figure_conflicts (
    quantity     VARCHAR NOT NULL,
    subject      VARCHAR,
    unit         VARCHAR NOT NULL,
    value_list   DOUBLE[] NOT NULL,
    min_value    DOUBLE NOT NULL,
    max_value    DOUBLE NOT NULL,
    spread       DOUBLE,                       -- (max - min) / min; NULL when min is 0
    n_values     INTEGER NOT NULL,
    n_articles   INTEGER NOT NULL,
    n_outlets    INTEGER NOT NULL,
    outlets      VARCHAR[] NOT NULL,
    article_ids  VARCHAR[] NOT NULL
);

-- Which saved search (seeds/searches.yaml) matches which article.
CREATE TABLE search_hits (
    search      VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL
);

-- Alerts: a new article matching a saved search, or a day when a search's matches spiked. The id is
-- derived from (kind, search, article or day), so an alert is raised once however often flows re-run.
CREATE TABLE alerts (
    alert_id     VARCHAR PRIMARY KEY,
    kind         VARCHAR NOT NULL CHECK (kind IN ('match', 'spike')),
    search       VARCHAR NOT NULL,
    article_id   VARCHAR,                      -- match alerts
    day          DATE,                         -- spike alerts (and the article's day for matches)
    count        INTEGER,                      -- spike: matching articles that day
    baseline     DOUBLE,                       -- spike: mean per day over the window before
    ratio        DOUBLE,                       -- spike: count / baseline (NULL when baseline is 0)
    created_at   TIMESTAMPTZ NOT NULL,
    flow_run_id  VARCHAR,
    status       VARCHAR NOT NULL DEFAULT 'open'   -- open | acknowledged | closed
);
