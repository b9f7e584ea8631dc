-- The newsroom app records which staff account created an article, so that
-- an author may edit their own drafts and no one else's, and when its
-- author submitted it for an editor to publish. 0 means none: articles
-- published from the command line, or made before staff accounts existed.
ALTER TABLE article ADD COLUMN created_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE article ADD COLUMN submitted_at BIGINT NOT NULL DEFAULT 0;
