-- A match alert keeps its article's title, outlet (coalesce(outlet, platform)) and URL, written when it is
-- raised (presswatch/store/summaries_keyed.py). summary_open_alerts then reads the alerts alone: joining
-- every open alert with the articles before its ORDER BY ... LIMIT took 1.28 s at 1M articles (3.1M open
-- alerts). Articles are never updated in place, so the copy cannot go stale. Spike alerts leave them NULL.
ALTER TABLE alerts ADD COLUMN title VARCHAR;
ALTER TABLE alerts ADD COLUMN outlet VARCHAR;
ALTER TABLE alerts ADD COLUMN url VARCHAR;

-- The match alerts raised before this migration.
UPDATE alerts
SET title = ar.title, outlet = coalesce(ar.outlet, ar.platform), url = ar.url
FROM articles AS ar
WHERE alerts.kind = 'match' AND ar.article_id = alerts.article_id;
