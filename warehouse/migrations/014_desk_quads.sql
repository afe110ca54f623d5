-- The desk's search index II (presswatch/desk/grams.py, gramindex.py): Han character 4-grams as keys.
-- A 4-gram whose four characters are all in the main CJK block (U+4E00-U+9FFF) is a key of its own
-- (tag bit 62), so a 4-character term is answered by its posting list and a longer one verifies only
-- the documents holding all of its 4-grams. Passes written before this migration have no 4-gram keys:
-- the next summaries run adds them pass by pass (gramindex.add_quads) and records each pass here; a
-- search uses 4-gram keys only when every pass of the index is recorded, else it verifies as before.
CREATE TABLE desk_quad_runs (
    run         INTEGER PRIMARY KEY
);
