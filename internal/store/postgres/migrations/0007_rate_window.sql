-- Counters for rate limits that must hold across processes: one row per
-- key and fixed window, pruned as windows pass.
CREATE TABLE rate_window (
    key          TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
