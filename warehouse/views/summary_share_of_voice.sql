-- Share of voice: each entity's mentions as a share of all watchlist mentions that day.
CREATE OR REPLACE VIEW summary_share_of_voice AS
WITH per_entity AS (
    SELECT a.day, m.entity, sum(m.mentions)::BIGINT AS mentions, count(DISTINCT m.article_id) AS articles
    FROM entity_mentions AS m
    JOIN summary_articles AS a USING (article_id)
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
