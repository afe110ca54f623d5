-- The outlet resolution rules, as a table macro over the articles from row `lo` on: the articles of
-- those rows that are the current version of their story (versions only grow, so the newest among
-- them is the newest of all), and, when lo is 0, not materialised yet (desk_outlets_done). The summaries
-- run resolves only the rows landed since its last mark (presswatch/desk/outlets_map.py);
-- article_outlets_pending is outlet_resolution(0). The first clue that resolves wins, in this order: the
-- outlet string, a byline naming an outlet (an author that is an outlet's alias), the URL's host (the
-- longest registered domain it ends with), the platform. Articles no clue resolves have no row.
CREATE OR REPLACE MACRO outlet_resolution(lo) AS TABLE
WITH a AS (
    SELECT article_id, outlet, platform, authors,
           lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)', 1)) AS host
    FROM (SELECT * FROM articles WHERE rowid >= lo
          QUALIFY row_number() OVER (PARTITION BY story_key ORDER BY version DESC) = 1) AS ac
    WHERE NOT EXISTS (SELECT 1 FROM desk_outlets_done AS done WHERE lo = 0 AND done.article_id = ac.article_id)
),
clues AS (
    SELECT a.article_id, 1000 AS rank, al.outlet_id, 'outlet' AS resolved_by
    FROM a JOIN outlet_aliases AS al ON al.alias_key = lower(replace(a.outlet, ' ', ''))
    UNION ALL
    SELECT b.article_id, 2000, al.outlet_id, 'byline'
    FROM (SELECT article_id, unnest(authors) AS author FROM a WHERE len(authors) > 0) AS b
    JOIN outlet_aliases AS al ON al.alias_key = lower(replace(b.author, ' ', ''))
    UNION ALL
    SELECT h.article_id, 3000 - length(h.suffix), d.outlet_id, 'domain'
    FROM (
        SELECT article_id, unnest(list_transform(generate_series(1, len(parts)), lambda i: array_to_string(parts[i:], '.'))) AS suffix
        FROM (SELECT article_id, string_split(host, '.') AS parts FROM a WHERE host <> '')
    ) AS h
    JOIN outlet_domains AS d ON d.domain = h.suffix
    UNION ALL
    SELECT a.article_id, 4000, al.outlet_id, 'platform'
    FROM a JOIN outlet_aliases AS al ON al.alias_key = lower(replace(a.platform, ' ', ''))
)
SELECT c.article_id, c.outlet_id, o.region, o.kind, c.resolved_by
FROM (
    SELECT article_id, arg_min(outlet_id, rank) AS outlet_id, arg_min(resolved_by, rank) AS resolved_by
    FROM clues
    GROUP BY article_id
) AS c
JOIN outlets AS o USING (outlet_id);
