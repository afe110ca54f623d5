-- Each analysis row carries its article's member number (summary_members.member_no). Members are numbered
-- as they join, so a run's new articles hold the highest numbers and their rows sit in the tables' last row
-- groups: the aggregates find a run's rows by the number, which DuckDB's zone maps narrow to those row
-- groups, where joining the string article_id read the whole column (article_terms: 30M rows, 2.5 s cold
-- at 1M articles, 0.4 s cached). NULL only for rows of an article that is not a member (never expected).
ALTER TABLE summary_analysed ADD COLUMN member_no INTEGER;
ALTER TABLE entity_mentions ADD COLUMN member_no INTEGER;
ALTER TABLE article_terms ADD COLUMN member_no INTEGER;
ALTER TABLE figures ADD COLUMN member_no INTEGER;
ALTER TABLE article_signatures ADD COLUMN member_no INTEGER;
ALTER TABLE search_hits ADD COLUMN member_no INTEGER;

-- The rows analysed before this migration.
UPDATE summary_analysed SET member_no = m.member_no FROM summary_members AS m
WHERE m.article_id = summary_analysed.article_id;
UPDATE entity_mentions SET member_no = m.member_no FROM summary_members AS m
WHERE m.article_id = entity_mentions.article_id;
UPDATE article_terms SET member_no = m.member_no FROM summary_members AS m
WHERE m.article_id = article_terms.article_id;
UPDATE figures SET member_no = m.member_no FROM summary_members AS m
WHERE m.article_id = figures.article_id;
UPDATE article_signatures SET member_no = m.member_no FROM summary_members AS m
WHERE m.article_id = article_signatures.article_id;
UPDATE search_hits SET member_no = m.member_no FROM summary_members AS m
WHERE m.article_id = search_hits.article_id;
