-- For curating seeds/outlets.yaml: outlet names seen on current articles that the directory does not
-- resolve (by outlet string, byline, domain or platform), with how often and an example URL and host.
CREATE OR REPLACE VIEW outlets_unknown AS
SELECT
    coalesce(ac.outlet, ac.platform, '(unknown)') AS outlet,
    ac.platform,
    lower(regexp_extract(any_value(ac.url), '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)', 1)) AS example_host,
    any_value(ac.url) AS example_url,
    any_value(ac.source) AS example_source,
    count(*) AS articles,
    min(ac.published_at) AS first_published,
    max(ac.published_at) AS last_published
FROM articles_current AS ac
WHERE NOT EXISTS (SELECT 1 FROM article_outlets AS ao WHERE ao.article_id = ac.article_id)
GROUP BY ALL
ORDER BY articles DESC, outlet;
