-- Volume by outlet collection (seeds/outlets.yaml): articles per publication day, collection, language and
-- script. An outlet in several collections counts in each; outlets outside the directory in none.
CREATE OR REPLACE VIEW summary_volume_by_collection AS
SELECT a.day, c.collection, coalesce(a.language, '?') AS language, coalesce(a.script, '?') AS script,
       count(*) AS articles
FROM summary_articles AS a
JOIN outlet_collections AS c ON c.outlet_id = a.outlet_canonical
GROUP BY ALL
ORDER BY a.day NULLS LAST, c.collection, language, script;
