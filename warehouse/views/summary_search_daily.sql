-- Matching articles per saved search and publication day (the series spikes are detected on).
CREATE OR REPLACE VIEW summary_search_daily AS
SELECT h.search, a.day, count(*) AS matches
FROM search_hits AS h
JOIN summary_articles AS a USING (article_id)
WHERE a.day IS NOT NULL
GROUP BY ALL
ORDER BY h.search, a.day;
