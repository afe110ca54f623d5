-- Share of voice: each entity's mentions as a share of all watchlist mentions that day (from the
-- per-cell mentions_daily: an article has one outlet, so its articles add up across outlets).
CREATE OR REPLACE VIEW summary_share_of_voice AS
WITH per_entity AS (
    SELECT day, entity, sum(mentions)::BIGINT AS mentions, sum(articles)::BIGINT AS articles
    FROM mentions_daily
    GROUP BY ALL
)
SELECT
    day,
    entity,
    mentions,
    articles,
    sum(mentions) OVER (PARTITION BY day) AS day_mentions,
    mentions / sum(mentions) OVER (PARTITION BY day) AS share
FROM per_entity
ORDER BY day NULLS LAST, share DESC, entity;
