-- Feed state: what each feed answered, which entries were seen (deduplicated across feeds and runs),
-- and a log of every poll. Written by flows/feedstore.py.

CREATE TABLE feeds (
    url                   VARCHAR PRIMARY KEY,     -- as configured
    name                  VARCHAR NOT NULL,
    outlet                VARCHAR,
    language              VARCHAR,
    title                 VARCHAR,                 -- as the feed names itself
    etag                  VARCHAR,                 -- sent back as If-None-Match
    last_modified         VARCHAR,                 -- sent back as If-Modified-Since
    last_polled_at        TIMESTAMPTZ,
    last_success_at       TIMESTAMPTZ,             -- last answer that was 200 or 304
    last_new_entry_at     TIMESTAMPTZ,             -- last poll that found an entry new to the warehouse
    last_status           VARCHAR,                 -- ok | not-modified | failed
    last_error            VARCHAR,                 -- kept after recovery: last_error_at tells when
    last_error_at         TIMESTAMPTZ,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    entries_last_poll     INTEGER,                 -- entries in the feed document (0 on 304)
    new_entries_last_poll INTEGER
);

CREATE TABLE feed_entries (
    link          VARCHAR PRIMARY KEY,             -- normalised (tracking parameters, fragment dropped)
    first_feed    VARCHAR NOT NULL,                -- feeds.url of the feed it was first seen in
    first_seen    TIMESTAMPTZ NOT NULL,
    raw_link      VARCHAR NOT NULL,                -- as that feed spelled it
    final_url     VARCHAR,                         -- after redirects
    title         VARCHAR,
    published_at  VARCHAR,                         -- ISO 8601 as the feed stated it
    outcome       VARCHAR NOT NULL,                -- page | feed-content | failed | retry
    doc_sha256    VARCHAR,                         -- documents.doc_sha256 of what was ingested
    error         VARCHAR,
    attempts      INTEGER NOT NULL DEFAULT 1,
    last_attempt_at TIMESTAMPTZ NOT NULL,
    flow_run_id   VARCHAR
);

CREATE SEQUENCE feed_polls_seq START 1;
CREATE TABLE feed_polls (
    poll_id         BIGINT PRIMARY KEY DEFAULT nextval('feed_polls_seq'),
    feed_url        VARCHAR NOT NULL,
    polled_at       TIMESTAMPTZ NOT NULL,
    status          VARCHAR NOT NULL,              -- ok | not-modified | failed
    http_status     INTEGER,
    entries_in_feed INTEGER NOT NULL DEFAULT 0,
    new_entries     INTEGER NOT NULL DEFAULT 0,    -- entries new to the warehouse that gave a document
    failed_entries  INTEGER NOT NULL DEFAULT 0,
    bozo            BOOLEAN NOT NULL DEFAULT false,
    bozo_reason     VARCHAR,
    error           VARCHAR,
    elapsed_s       DOUBLE,
    flow_run_id     VARCHAR
);
