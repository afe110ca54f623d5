-- Open alerts, newest first, with the article they point to (match) or the day that spiked.
CREATE OR REPLACE VIEW summary_open_alerts AS
SELECT
    al.alert_id, al.kind, al.search, al.day, al.count, al.baseline, al.ratio, al.created_at, al.flow_run_id,
    al.article_id, ar.title, coalesce(ar.outlet, ar.platform) AS outlet, ar.url
FROM alerts AS al
LEFT JOIN articles AS ar ON ar.article_id = al.article_id
WHERE al.status = 'open'
ORDER BY al.created_at DESC, al.kind, al.search, al.day DESC NULLS LAST;
