-- Fetch/file safety (issue 12): an input over the size cap is stored as a head sample, not whole.
-- `raw` then holds only its first bytes (64 KiB), `byte_size` the real size and `doc_sha256` the sha256 of
-- all its bytes, computed as it streamed by; re-processing skips such rows (there is nothing to re-extract).
ALTER TABLE documents ADD COLUMN raw_truncated BOOLEAN DEFAULT false;
