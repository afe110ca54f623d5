-- The figures ledger kept up to date from the articles that changed (presswatch/store/ledger_store.py):
-- small aggregates that a run merges the changed articles' figure rows into, instead of re-reading
-- every figure of every touched (quantity, unit) block.

-- Who said what first: per (quantity, unit, subject, value, outlet), the earliest current article
-- reporting it (by coalesce(published_utc, landed_at), then article id) and its wording. These rows are
-- what the ledger's comparison (figures.find_conflicts) reads.
CREATE TABLE ledger_reports (
    quantity    VARCHAR NOT NULL,
    unit        VARCHAR NOT NULL,
    subject     VARCHAR,
    value       DOUBLE NOT NULL,
    outlet      VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    raw         VARCHAR NOT NULL,
    first_at    TIMESTAMPTZ NOT NULL
);

-- Articles (kind 'article') and stories (kind 'story') counted by what they report in one block: the
-- distinct (subject, value) pairs of its figures, as two parallel lists sorted by subject (NULL first),
-- then value; n = how many current articles / stories report exactly that. The ledger's article and
-- story counts are sums over these rows, so a run adds and subtracts the changed articles' and stories'
-- patterns and never recounts the others.
CREATE TABLE ledger_patterns (
    kind      VARCHAR NOT NULL CHECK (kind IN ('article', 'story')),
    quantity  VARCHAR NOT NULL,
    unit      VARCHAR NOT NULL,
    subjects  VARCHAR[] NOT NULL,
    vals      DOUBLE[] NOT NULL,
    n         BIGINT NOT NULL
);

-- The story each counted article (current, with figures) was counted under (its own id when it has no
-- story), so that a story an article left can have its old pattern subtracted.
CREATE TABLE ledger_members (
    article_id  VARCHAR NOT NULL,
    story_id    VARCHAR NOT NULL
);

-- The tables above start empty: the ledger's next run rebuilds it whole, filling them.
DELETE FROM summary_aggregates WHERE aggregate = 'ledger';
