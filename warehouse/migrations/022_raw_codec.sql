-- documents.raw is stored compressed by presswatch from now on (presswatch/store/rawcodec.py): DuckDB
-- recompressed every page at each batch's checkpoint until its row group filled. `raw_codec` says how a
-- row's bytes are stored: 'zstd' (one zstd frame of the input's bytes) or NULL (as received, rows landed
-- before this migration). Existing rows are not rewritten.
ALTER TABLE documents ADD COLUMN raw_codec VARCHAR;
