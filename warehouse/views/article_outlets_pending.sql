-- The outlet resolution of the current articles not materialised yet (desk_outlets_done), from the
-- outlet directory (seeds/outlets.yaml, loaded into outlets / outlet_aliases / outlet_domains by
-- presswatch/desk/outlets.py), by the rules of outlet_resolution (outlet_resolution.sql). The summaries
-- run stores these rows in desk_article_outlets (presswatch/desk/outlets_map.py), so this view is usually empty.
CREATE OR REPLACE VIEW article_outlets_pending AS
SELECT article_id, outlet_id, region, kind, resolved_by
FROM outlet_resolution(0);
