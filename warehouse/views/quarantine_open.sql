-- Quarantined inputs not yet released by re-processing, newest first.
CREATE OR REPLACE VIEW quarantine_open AS
SELECT quarantine_id, source, stage, reasons, observed, quarantined_at, flow_run_id
FROM quarantine
WHERE released_at IS NULL
ORDER BY quarantined_at DESC;
