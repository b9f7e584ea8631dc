-- What the last taker of a window was granted, for limits that hand out
-- several units at once (the send rate shared by every node).
ALTER TABLE rate_window ADD COLUMN granted BIGINT NOT NULL DEFAULT 0;
