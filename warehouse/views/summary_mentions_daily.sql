-- Watchlist mentions per day and outlet: how often each entity was named, and in how many articles
-- (kept per (day, outlet) cell by the summaries run, in mentions_daily).
CREATE OR REPLACE VIEW summary_mentions_daily AS
SELECT day, outlet, entity, entity_type, mentions, articles
FROM mentions_daily
ORDER BY day NULLS LAST, outlet, mentions DESC, entity;
