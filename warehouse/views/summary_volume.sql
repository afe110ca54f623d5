-- Volume: articles per publication day, outlet, language and script (kept per (day, outlet) cell by the
-- summaries run, in volume_daily: as of the last run, not of this instant).
CREATE OR REPLACE VIEW summary_volume AS
SELECT day, outlet, language, script, articles
FROM volume_daily
ORDER BY day NULLS LAST, outlet, language, script;
