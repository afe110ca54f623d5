-- The canonical outlet of every article the directory resolves (see article_outlets_pending for the
-- rules): the rows the summaries run materialised (desk_article_outlets; they may include versions no
-- longer current), and the resolution of current articles landed since, computed here. Articles no clue
-- resolves have no row (see outlets_unknown).
CREATE OR REPLACE VIEW article_outlets AS
SELECT m.article_id, m.outlet_id, o.region, o.kind, m.resolved_by
FROM desk_article_outlets AS m
JOIN outlets AS o USING (outlet_id)
UNION ALL
SELECT article_id, outlet_id, region, kind, resolved_by
FROM article_outlets_pending;
