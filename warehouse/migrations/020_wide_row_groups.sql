-- The summaries' large tables rewritten in the row groups their writers now use (122,880 rows: a summaries
-- run and the migrations attach the file so; landing keeps 2,048 for its memory, presswatch/store/
-- connections.py). Their rows were appended 2,048 at a time. Measured on copies of three of them at 1M
-- articles (71M rows): the file took 4.35 GB against 0.57 GB, a checkpoint after a run's appends 0.67-0.82 s
-- against 0.03-0.09 s, and after one row 0.5 s against 0.02 s. Rows keyed by member number are stored in
-- its order, so a range of members reads a few row groups; the per-day tables in day order.
-- Each table keeps its definition: emptied and refilled from a copy, inside this migration's transaction.
CREATE TABLE repack AS FROM article_terms;
DELETE FROM article_terms;
INSERT INTO article_terms FROM repack ORDER BY member_no, article_id, term;
DROP TABLE repack;

CREATE TABLE repack AS FROM story_bands;
DELETE FROM story_bands;
INSERT INTO story_bands FROM repack ORDER BY member_no, band;
DROP TABLE repack;

CREATE TABLE repack AS FROM cell_terms;
DELETE FROM cell_terms;
INSERT INTO cell_terms FROM repack ORDER BY day, outlet, term;
DROP TABLE repack;

CREATE TABLE repack AS FROM entity_mentions;
DELETE FROM entity_mentions;
INSERT INTO entity_mentions FROM repack ORDER BY member_no, article_id, entity;
DROP TABLE repack;

CREATE TABLE repack AS FROM summary_analysed;
DELETE FROM summary_analysed;
INSERT INTO summary_analysed FROM repack ORDER BY step, member_no, article_id;
DROP TABLE repack;

CREATE TABLE repack AS FROM search_hits;
DELETE FROM search_hits;
INSERT INTO search_hits FROM repack ORDER BY member_no, article_id, search;
DROP TABLE repack;

CREATE TABLE repack AS FROM figures;
DELETE FROM figures;
INSERT INTO figures FROM repack ORDER BY member_no, article_id, start;
DROP TABLE repack;

CREATE TABLE repack AS FROM article_signatures;
DELETE FROM article_signatures;
INSERT INTO article_signatures FROM repack ORDER BY member_no, article_id;
DROP TABLE repack;

CREATE TABLE repack AS FROM summary_members;
DELETE FROM summary_members;
INSERT INTO summary_members FROM repack ORDER BY member_no;
DROP TABLE repack;

CREATE TABLE repack AS FROM story_members;
DELETE FROM story_members;
INSERT INTO story_members FROM repack ORDER BY ALL;
DROP TABLE repack;

CREATE TABLE repack AS FROM ledger_members;
DELETE FROM ledger_members;
INSERT INTO ledger_members FROM repack ORDER BY ALL;
DROP TABLE repack;

CREATE TABLE repack AS FROM mentions_daily;
DELETE FROM mentions_daily;
INSERT INTO mentions_daily FROM repack ORDER BY day, outlet, entity;
DROP TABLE repack;

CREATE TABLE repack AS FROM top_terms;
DELETE FROM top_terms;
INSERT INTO top_terms FROM repack ORDER BY day, outlet, rank;
DROP TABLE repack;

CREATE TABLE repack AS FROM search_daily;
DELETE FROM search_daily;
INSERT INTO search_daily FROM repack ORDER BY search, day, outlet;
DROP TABLE repack;
