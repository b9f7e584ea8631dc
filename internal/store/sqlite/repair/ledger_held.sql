-- The ledger as migrations 0001 to 0011 leave it, rebuilt for a database
-- whose state check predates 'held', the state of a paused campaign's rows.
CREATE TABLE delivery_repaired (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    priority         INTEGER NOT NULL DEFAULT 0,
    subscriber_id    INTEGER NOT NULL,
    campaign_id      INTEGER NOT NULL DEFAULT 0,
    recipient        TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('queued', 'held', 'sending', 'sent', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    first_attempt_at INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_until      INTEGER NOT NULL DEFAULT 0,
    fence            INTEGER NOT NULL DEFAULT 0,
    smtp_code        INTEGER NOT NULL DEFAULT 0,
    smtp_status      TEXT    NOT NULL DEFAULT '',
    smtp_text        TEXT    NOT NULL DEFAULT '',
    message_id       TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    done_at          INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO delivery_repaired (id, kind, priority, subscriber_id, campaign_id, recipient, state, attempts,
    next_attempt_at, first_attempt_at, lease_owner, lease_until, fence, smtp_code, smtp_status, smtp_text,
    message_id, created_at, done_at)
SELECT id, kind, priority, subscriber_id, campaign_id, recipient, state, attempts,
    next_attempt_at, first_attempt_at, lease_owner, lease_until, fence, smtp_code, smtp_status, smtp_text,
    message_id, created_at, done_at
FROM delivery;

DROP TABLE delivery;
ALTER TABLE delivery_repaired RENAME TO delivery;

CREATE INDEX delivery_due ON delivery (priority, next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX delivery_subscriber ON delivery (subscriber_id, id);
CREATE UNIQUE INDEX delivery_campaign ON delivery (campaign_id, subscriber_id) WHERE kind = 'campaign';
CREATE INDEX delivery_campaign_state ON delivery (campaign_id, state) WHERE kind = 'campaign';
CREATE INDEX delivery_done ON delivery (done_at) WHERE state = 'sent';
CREATE INDEX delivery_webhook ON delivery (campaign_id) WHERE kind = 'webhook';
