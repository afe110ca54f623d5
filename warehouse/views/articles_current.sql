-- The latest version of every article (a changed file adds a version; older ones stay in articles).
CREATE OR REPLACE VIEW articles_current AS
SELECT a.*
FROM articles AS a
QUALIFY row_number() OVER (PARTITION BY a.story_key ORDER BY a.version DESC) = 1;
