-- Every term's count per publication day and outlet (current articles), kept up from the articles that
-- changed like volume_daily (presswatch/store/summaries_incremental.py). top_terms ranks a touched cell from
-- its rows here: re-joining the cell's members with article_terms scanned 30M rows at 1M articles.
CREATE TABLE cell_terms (
    day       DATE,                            -- NULL: undated articles
    outlet    VARCHAR NOT NULL,
    term      VARCHAR NOT NULL,
    n         BIGINT NOT NULL,                 -- occurrences that day in that outlet
    articles  BIGINT NOT NULL                  -- articles among them using the term
);

-- Built by the next run's full top-terms build, which this forgets.
DELETE FROM summary_aggregates WHERE aggregate = 'top_terms';
