-- File states (issue 13): what each input file looked like when it was last read and landed, so a re-run
-- skips files whose path, size and mtime are unchanged without reading or hashing them again.
-- Written in the landing transaction of the batch that read the file. `read_ns` is when it was stat-ed:
-- an mtime within a few seconds of it may hide a later same-size edit in the same clock tick ("racy"), so
-- such an entry is not trusted and the file is hashed again next time.
CREATE TABLE file_index (
    path        VARCHAR PRIMARY KEY,
    size        BIGINT NOT NULL,
    mtime_ns    BIGINT NOT NULL,
    read_ns     BIGINT NOT NULL,
    doc_sha256  VARCHAR NOT NULL,
    indexed_at  TIMESTAMPTZ NOT NULL
);
