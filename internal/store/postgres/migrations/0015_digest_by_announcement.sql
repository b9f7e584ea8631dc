-- Digests now take the articles announced since the last digest, so that
-- an article that comes out with an earlier publication time is not left
-- out. Migration 13 counted every article then on the site as announced at
-- that moment; taken as announced when they were published instead, they
-- stay out of the next digest, as they were of digests by publication
-- time.
UPDATE article SET announced_at = published_at WHERE published_at > 0 AND announced_at > published_at;
