-- Matching articles per saved search and publication day (the series spikes are detected on; kept per
-- (day, outlet) cell by the summaries run, in search_daily).
CREATE OR REPLACE VIEW summary_search_daily AS
SELECT search, day, sum(matches)::BIGINT AS matches
FROM search_daily
WHERE day IS NOT NULL
GROUP BY ALL
ORDER BY search, day;
