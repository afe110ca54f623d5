-- Every run must account for each input: landed + duplicates + quarantined = inputs seen.
CREATE OR REPLACE VIEW run_reconciliation AS
SELECT
    flow_run_id,
    flow_name,
    started_at,
    status,
    inputs_seen,
    landed,
    duplicates,
    quarantined,
    inputs_seen = landed + duplicates + quarantined AS balanced
FROM runs
ORDER BY started_at DESC;
