-- SQLite's migration 12 makes its subscriber IDs never given twice, as an
-- identity column's here always were: PostgreSQL's sequences never go
-- back. Nothing changes here; the numbers of the two engines' migrations
-- stay in step, which moving a site from one to the other checks.
SELECT 1;
