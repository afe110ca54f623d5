-- The articles summaries count: current versions, with the day and outlet every summary groups by.
-- day: the publication date in the article's own local time (as stated), NULL when undated;
-- outlet: the outlet, else the platform, else '(unknown)' (as in articles_per_day_outlet);
-- outlet_canonical / region / kind: the outlet directory's entry (view article_outlets), else outlet and NULLs.
CREATE OR REPLACE VIEW summary_articles AS
SELECT
    article_id,
    TRY_CAST(substr(published_at, 1, 10) AS DATE) AS day,
    coalesce(outlet, platform, '(unknown)')       AS outlet,
    coalesce(ao.outlet_id, outlet, platform, '(unknown)') AS outlet_canonical,
    ao.region,
    ao.kind,
    language,
    script,
    title,
    published_at,
    published_utc,
    landed_at,
    attributions,
    story_key
FROM articles_current
LEFT JOIN article_outlets AS ao USING (article_id);
