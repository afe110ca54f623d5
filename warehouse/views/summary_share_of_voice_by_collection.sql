-- Share of voice within each outlet collection: an entity's mentions as a share of all watchlist
-- mentions in that collection's articles that day.
CREATE OR REPLACE VIEW summary_share_of_voice_by_collection AS
WITH per_entity AS (
    SELECT a.day, c.collection, m.entity, sum(m.mentions)::BIGINT AS mentions,
           count(DISTINCT m.article_id) AS articles
    FROM entity_mentions AS m
    JOIN summary_articles AS a USING (article_id)
    JOIN outlet_collections AS c ON c.outlet_id = a.outlet_canonical
    GROUP BY ALL
)
SELECT day, collection, entity, mentions, articles,
       sum(mentions) OVER (PARTITION BY day, collection) AS day_mentions,
       mentions / sum(mentions) OVER (PARTITION BY day, collection) AS share
FROM per_entity
ORDER BY day NULLS LAST, collection, share DESC, entity;
