-- Figures several outlets agree on: the same value of the same quantity, "reported by N outlets", in at
-- least two different stories (a copy of one article repeating its numbers is not a second report).
CREATE OR REPLACE VIEW summary_figure_agreements AS
SELECT quantity, subject, unit, value, n_outlets, n_stories, n_articles, outlets, raws, conflicted
FROM figure_values
WHERE n_outlets >= 2 AND n_stories >= 2
ORDER BY n_outlets DESC, n_stories DESC, n_articles DESC, quantity, value;
