"""The per-article rows a report section cannot get from an aggregate, read from what the summaries run keeps.

summary_articles (articles_current + article_outlets) ranks every version of every article and resolves the
outlets of articles not yet materialised on the fly: a window and a resolution pass over the whole archive
each time it is read. The report describes the warehouse as of the last summaries run (its charts read the
aggregates that run fills), and that run leaves the same facts in tables: summary_members (current articles
with day and outlet, as summary_articles states them) and desk_article_outlets + outlets (the canonical
outlet, region and kind, by article_outlets' rules). Sections join those instead.
"""

from __future__ import annotations

# A CTE: prefix a query with "WITH " + CURRENT_ARTICLES. Columns as in summary_articles.
CURRENT_ARTICLES = """
current_articles AS (
    SELECT m.article_id, m.day, m.outlet, coalesce(r.outlet_id, m.outlet) AS outlet_canonical, r.region, r.kind
    FROM summary_members AS m
    LEFT JOIN (
        SELECT d.article_id, d.outlet_id, o.region, o.kind
        FROM desk_article_outlets AS d JOIN outlets AS o USING (outlet_id)
    ) AS r USING (article_id)
    WHERE m.current
)
"""
