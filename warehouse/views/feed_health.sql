-- One row per feed: last success and error, failure streak, what the last poll brought, and `silent`:
-- the feed keeps answering but has brought nothing new for much longer than usual (more than 3x the
-- median gap between its polls that found new entries, and at least 12 hours; judged only once
-- 3 such gaps were seen). Silence is measured up to the last successful answer, not to now, so a
-- feed that was simply not polled for a while is not called silent. `poll_interval_minutes` is the
-- adaptive interval (shorter while the feed brings new entries, longer while it does not) and
-- `next_poll_due_at` when a run will poll it next; `kind` is what the URL serves (rss20, sitemap-news...).
CREATE OR REPLACE VIEW feed_health AS
WITH fresh AS (
    SELECT feed_url,
           polled_at - lag(polled_at) OVER (PARTITION BY feed_url ORDER BY polled_at) AS gap
    FROM feed_polls
    WHERE new_entries > 0
),
gaps AS (
    SELECT feed_url,
           median(epoch(gap)) / 3600.0 AS median_gap_hours,
           count(gap) AS gaps_seen
    FROM fresh
    WHERE gap IS NOT NULL
    GROUP BY feed_url
),
polls AS (
    SELECT feed_url, count(*) AS polls, sum(new_entries) AS new_entries_total
    FROM feed_polls
    GROUP BY feed_url
)
SELECT
    f.url,
    f.name,
    f.outlet,
    f.kind,
    f.last_polled_at,
    f.last_success_at,
    f.last_status,
    f.last_error,
    f.consecutive_failures,
    f.entries_last_poll,
    f.new_entries_last_poll,
    f.last_new_entry_at,
    coalesce(p.polls, 0) AS polls,
    coalesce(p.new_entries_total, 0) AS new_entries_total,
    round(g.median_gap_hours, 2) AS median_gap_hours,
    round(epoch(f.last_success_at - f.last_new_entry_at) / 3600.0, 2) AS hours_without_new,
    coalesce(
        g.gaps_seen >= 3
        AND epoch(f.last_success_at - f.last_new_entry_at) / 3600.0 > greatest(3 * g.median_gap_hours, 12),
        false
    ) AS silent,
    f.consecutive_failures >= 3 AS failing,
    f.poll_interval_minutes,
    f.last_polled_at + to_microseconds(CAST(coalesce(f.poll_interval_minutes, 0) * 60e6 AS BIGINT))
        AS next_poll_due_at
FROM feeds f
LEFT JOIN gaps g ON g.feed_url = f.url
LEFT JOIN polls p ON p.feed_url = f.url;
