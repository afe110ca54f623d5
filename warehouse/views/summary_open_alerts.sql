-- Open alerts, newest first, with the article they point to (match) or the day that spiked. The article's
-- title, outlet and URL are stored with the alert when it is raised (migration 018): no join with articles.
CREATE OR REPLACE VIEW summary_open_alerts AS
SELECT alert_id, kind, search, day, count, baseline, ratio, created_at, flow_run_id, article_id, title, outlet, url
FROM alerts
WHERE status = 'open'
ORDER BY created_at DESC, kind, search, day DESC NULLS LAST;
