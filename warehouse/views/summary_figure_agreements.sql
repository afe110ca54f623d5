-- Figures several outlets agree on: the same value of the same quantity, "reported by N outlets".
CREATE OR REPLACE VIEW summary_figure_agreements AS
SELECT quantity, subject, unit, value, n_outlets, n_articles, outlets, raws, conflicted
FROM figure_values
WHERE n_outlets >= 2
ORDER BY n_outlets DESC, n_articles DESC, quantity, value;
