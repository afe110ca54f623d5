-- One row per expectation per validated batch: what GX checked, whether it held, how many rows failed.
CREATE TABLE validation_results (
    flow_run_id      VARCHAR,
    validated_at     TIMESTAMPTZ NOT NULL,
    suite            VARCHAR NOT NULL,
    expectation      VARCHAR NOT NULL,
    column_name      VARCHAR,
    severity         VARCHAR NOT NULL,         -- block | warn
    success          BOOLEAN NOT NULL,
    unexpected_count BIGINT NOT NULL,
    element_count    BIGINT NOT NULL
);
