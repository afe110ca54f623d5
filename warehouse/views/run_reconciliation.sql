-- Does each run account for every input it discovered? Compares the count taken at discovery with the
-- rows the run actually wrote: one run_inputs row per input, and the articles, duplicates and quarantine
-- rows stamped with the run's id against the outcomes claiming them.
CREATE OR REPLACE VIEW run_reconciliation AS
WITH recorded AS (
    SELECT
        flow_run_id,
        count(*) AS inputs_recorded,
        count(*) FILTER (WHERE outcome IN ('new', 'new version')) AS landed_recorded,
        count(*) FILTER (WHERE outcome = 'duplicate') AS duplicates_recorded,
        count(*) FILTER (WHERE outcome = 'quarantined') AS quarantined_recorded
    FROM run_inputs
    GROUP BY flow_run_id
),
written AS (
    SELECT r.flow_run_id,
        (SELECT count(*) FROM articles a WHERE a.flow_run_id = r.flow_run_id) AS article_rows,
        (SELECT count(*) FROM duplicates d WHERE d.flow_run_id = r.flow_run_id) AS duplicate_rows,
        (SELECT count(*) FROM quarantine q WHERE q.flow_run_id = r.flow_run_id) AS quarantine_rows
    FROM runs r
)
SELECT
    r.flow_run_id,
    r.flow_name,
    r.started_at,
    r.status,
    r.inputs_discovered,
    coalesce(c.inputs_recorded, 0) AS inputs_recorded,
    r.new_articles,
    r.new_versions,
    r.unchanged,
    r.duplicates,
    r.quarantined,
    r.skipped,
    w.article_rows,
    w.duplicate_rows,
    w.quarantine_rows,
    r.inputs_discovered = coalesce(c.inputs_recorded, 0)
        AND coalesce(c.landed_recorded, 0) = w.article_rows
        AND coalesce(c.duplicates_recorded, 0) = w.duplicate_rows
        -- a re-processing run leaves what still fails under its original quarantine row
        AND (r.flow_name <> 'presswatch-ingest' OR coalesce(c.quarantined_recorded, 0) = w.quarantine_rows)
        AS balanced
FROM runs r
JOIN written w USING (flow_run_id)
LEFT JOIN recorded c USING (flow_run_id)
ORDER BY r.started_at DESC;
