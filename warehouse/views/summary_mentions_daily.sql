-- Watchlist mentions per day and outlet: how often each entity was named, and in how many articles.
CREATE OR REPLACE VIEW summary_mentions_daily AS
SELECT a.day, a.outlet, m.entity, m.entity_type, sum(m.mentions)::BIGINT AS mentions, count(*) AS articles
FROM entity_mentions AS m
JOIN summary_articles AS a USING (article_id)
GROUP BY ALL
ORDER BY a.day NULLS LAST, a.outlet, mentions DESC, m.entity;
