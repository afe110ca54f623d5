-- Sources (issue 16): what kind of document a feed URL serves (rss20, atom10, json11, sitemap-news,
-- sitemapindex...) and its adaptive polling interval. Written by presswatch/store/feeds.py.
-- feed_entries.outcome gains 'disallowed' (robots.txt forbids the page); no schema change needed.

ALTER TABLE feeds ADD COLUMN kind VARCHAR;
-- Minutes between polls, adapted after each poll between the feed's min_interval_minutes and
-- max_interval_minutes: halved when a poll brings new entries, x1.5 when it brings nothing new.
ALTER TABLE feeds ADD COLUMN poll_interval_minutes DOUBLE;
