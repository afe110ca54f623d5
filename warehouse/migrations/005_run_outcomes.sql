-- Run outcomes a user can read, and a reconciliation that can fail.
-- Every input of a run becomes one run_inputs row, written in the same transaction as what it became:
-- new, new version, unchanged (already landed under this name), duplicate (same article under another
-- name, encoding or URL), quarantined, or skipped (deliberately not ingested, with the reason).
-- runs.inputs_discovered is counted when inputs are found (files listed plus feed documents), before and
-- independently of landing, so a lost input shows as discovered > recorded.

CREATE TABLE run_inputs (
    flow_run_id  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    doc_sha256   VARCHAR,
    outcome      VARCHAR NOT NULL,             -- new | new version | unchanged | duplicate | quarantined | skipped
    detail       VARCHAR,
    recorded_at  TIMESTAMPTZ NOT NULL
);

ALTER TABLE runs ADD COLUMN inputs_discovered INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN new_articles INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN new_versions INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN unchanged INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN skipped INTEGER DEFAULT 0;
