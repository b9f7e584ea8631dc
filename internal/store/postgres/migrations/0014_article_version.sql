-- How many times the article was saved. A save names the version it was
-- based on and succeeds only while that is still the stored one, so two
-- people editing at once cannot silently undo each other's change.
ALTER TABLE article ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
