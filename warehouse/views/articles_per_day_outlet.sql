-- First summary: articles per publication day and outlet. Undated articles have day NULL:
-- their landing day is not a publication day.
CREATE OR REPLACE VIEW articles_per_day_outlet AS
SELECT
    TRY_CAST(substr(published_at, 1, 10) AS DATE) AS day,
    coalesce(outlet, platform, '(unknown)')       AS outlet,
    count(*)                                      AS articles
FROM articles_current
GROUP BY ALL
ORDER BY day NULLS LAST, outlet;
