-- Volume: articles per publication day, outlet, language and script.
CREATE OR REPLACE VIEW summary_volume AS
SELECT day, outlet, coalesce(language, '?') AS language, coalesce(script, '?') AS script, count(*) AS articles
FROM summary_articles
GROUP BY ALL
ORDER BY day NULLS LAST, outlet, language, script;
