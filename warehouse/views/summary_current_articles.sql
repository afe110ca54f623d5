-- The current articles as of the last summaries run, with their canonical outlet: what summary_articles gives,
-- read from the tables that run keeps (summary_members; desk_article_outlets + outlets) instead of ranking
-- every version of every article and resolving outlets on the fly. The report's per-article sections read
-- it (at 1M articles, summary_articles' window cost seconds per read). Articles landed since that run are not
-- in it until the next one.
CREATE OR REPLACE VIEW summary_current_articles AS
SELECT m.article_id, m.day, m.outlet, coalesce(r.outlet_id, m.outlet) AS outlet_canonical, r.region, r.kind
FROM summary_members AS m
LEFT JOIN (
    SELECT d.article_id, d.outlet_id, o.region, o.kind
    FROM desk_article_outlets AS d JOIN outlets AS o USING (outlet_id)
) AS r USING (article_id)
WHERE m.current;
