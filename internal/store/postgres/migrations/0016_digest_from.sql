-- When a changed digest schedule takes effect, so that a digest moved
-- to a later time, day or zone does not come twice in one period.
ALTER TABLE newsletter ADD COLUMN digest_from BIGINT NOT NULL DEFAULT 0;
