-- When the article.published event of an article was queued, 0 for not
-- yet. A scheduled article is announced when its time comes, by whichever
-- process's scheduler gets to it first; the conditional update that sets
-- this makes it once. Articles readers can already see are taken as
-- announced.
ALTER TABLE article ADD COLUMN announced_at BIGINT NOT NULL DEFAULT 0;

UPDATE article SET announced_at = (extract(epoch FROM now()) * 1000)::BIGINT
    WHERE status <> 'draft' AND published_at > 0 AND published_at <= (extract(epoch FROM now()) * 1000)::BIGINT;

CREATE INDEX article_unannounced ON article (published_at) WHERE announced_at = 0 AND status <> 'draft';
