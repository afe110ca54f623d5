-- The desk's search index (presswatch/desk/gramindex.py), materialised outlet resolution, term counts.

-- Dense document numbers for the articles of search_text, in the order they were indexed: postings
-- refer to these, so a posting list is a sorted array of small integers or a bitmap. With each, the
-- article's facts a search groups and filters by (as summary_articles states them; articles never change)
-- and whether it is the current version of its story, so a search reads no view over all articles.
CREATE TABLE desk_docs (
    doc           INTEGER PRIMARY KEY,
    article_id    VARCHAR NOT NULL UNIQUE,
    story_key     VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    current       BOOLEAN NOT NULL,
    day           DATE,                        -- TRY_CAST(substr(published_at, 1, 10) AS DATE)
    published_at  VARCHAR,
    published_utc TIMESTAMPTZ,
    outlet        VARCHAR NOT NULL,            -- coalesce(outlet, platform, '(unknown)')
    language      VARCHAR,
    outlet_canonical VARCHAR                   -- set by presswatch/desk/outlets_map.py, as summary_articles
);

-- Latin/digit words of the search form (runs between \x01 marks), numbered for the postings' keys.
CREATE TABLE desk_words (
    word        VARCHAR PRIMARY KEY,
    word_id     INTEGER NOT NULL UNIQUE
);

-- One indexing pass: the documents [lo, hi) it covered. A pass never changes once written; rebuilding
-- the index deletes every pass and writes new ones.
CREATE TABLE desk_runs (
    run         INTEGER PRIMARY KEY,
    lo          INTEGER NOT NULL,
    hi          INTEGER NOT NULL,
    built_at    TIMESTAMPTZ NOT NULL
);

-- Postings: for each key (a Latin word, a pair of adjacent words, a Han character bigram or trigram,
-- encoded as a BIGINT by presswatch/desk/grams.py) and pass, the documents holding it, as little-endian
-- uint32 document numbers ('A' + bytes) or a bitmap over the pass ('B' + bytes), whichever is smaller.
CREATE TABLE desk_postings (
    gram        BIGINT NOT NULL,
    run         INTEGER NOT NULL,
    docs        BLOB NOT NULL,
    PRIMARY KEY (gram, run)
);

-- The outlet each article resolves to, computed by the summaries run (presswatch/desk/outlets_map.py)
-- with the same rules as the view article_outlets, which reads this table and resolves on the fly only
-- the articles not in it yet. Recomputed whole when the outlet directory changes.
CREATE TABLE desk_article_outlets (
    article_id  VARCHAR PRIMARY KEY,
    outlet_id   VARCHAR NOT NULL,
    resolved_by VARCHAR NOT NULL
);

-- Articles the resolution was tried on (resolved or not), so a run only resolves what is new.
CREATE TABLE desk_outlets_done (
    article_id  VARCHAR PRIMARY KEY
);

-- Small facts the desk keeps between runs (the fingerprint of the directory the map was computed with).
CREATE TABLE desk_state (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL
);

-- The distinctive terms of a search compare a sample of its matches with all articles of the period.
-- desk_doc_terms: article_terms by document number, written in document order so a window of numbers is
-- a few row groups (the sample is read without scanning article_terms); desk_term_days: every indexed
-- article's term counts summed per publication day (NULL: undated), the period's background.
CREATE TABLE desk_doc_terms (
    doc         INTEGER NOT NULL,
    term        VARCHAR NOT NULL,
    n           INTEGER NOT NULL
);
CREATE TABLE desk_term_days (
    day         DATE,
    term        VARCHAR NOT NULL,
    n           BIGINT NOT NULL
);
CREATE TABLE desk_terms_done (
    doc         INTEGER PRIMARY KEY
);
