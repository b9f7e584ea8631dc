-- What the last taker of a window was granted, for limits that hand out
-- several units at once (the send rate shared by every process).
ALTER TABLE rate_window ADD COLUMN granted INTEGER NOT NULL DEFAULT 0;
