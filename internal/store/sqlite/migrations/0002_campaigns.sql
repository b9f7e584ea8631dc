-- Newsletters get their sending identity and an optional digest schedule.
ALTER TABLE newsletter ADD COLUMN digest TEXT NOT NULL DEFAULT '' CHECK (digest IN ('', 'daily', 'weekly'));
ALTER TABLE newsletter ADD COLUMN digest_time TEXT NOT NULL DEFAULT '07:00';      -- HH:MM in timezone
ALTER TABLE newsletter ADD COLUMN digest_weekday INTEGER NOT NULL DEFAULT 1;      -- 0 Sunday … 6 Saturday
ALTER TABLE newsletter ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE newsletter ADD COLUMN last_digest_at INTEGER NOT NULL DEFAULT 0;

ALTER TABLE subscriber ADD COLUMN language TEXT NOT NULL DEFAULT '';

CREATE TABLE subscriber_tag (
    subscriber_id INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    tag           TEXT    NOT NULL,
    PRIMARY KEY (subscriber_id, tag)
) STRICT, WITHOUT ROWID;

CREATE INDEX subscriber_tag_tag ON subscriber_tag (tag, subscriber_id);

-- One issue of a newsletter.
CREATE TABLE campaign (
    id                INTEGER PRIMARY KEY,
    newsletter_id     INTEGER NOT NULL REFERENCES newsletter (id),
    kind              TEXT    NOT NULL DEFAULT 'manual' CHECK (kind IN ('manual', 'digest')),
    subject           TEXT    NOT NULL,
    preheader         TEXT    NOT NULL DEFAULT '',
    markdown          TEXT    NOT NULL DEFAULT '',
    article_mode      TEXT    NOT NULL DEFAULT 'full' CHECK (article_mode IN ('full', 'teaser')),
    audience_tags     TEXT    NOT NULL DEFAULT '',  -- comma-separated; any of them
    audience_language TEXT    NOT NULL DEFAULT '',
    state             TEXT    NOT NULL CHECK (state IN ('draft', 'scheduled', 'sending', 'paused', 'cancelled', 'sent')),
    send_at           INTEGER NOT NULL DEFAULT 0,
    -- the audience is frozen into delivery rows in chunks, in subscriber
    -- order; frozen_at is set once the last chunk is in
    freeze_cursor     INTEGER NOT NULL DEFAULT 0,
    frozen_at         INTEGER NOT NULL DEFAULT 0,
    total             INTEGER NOT NULL DEFAULT 0,
    sent              INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    skipped           INTEGER NOT NULL DEFAULT 0,
    started_at        INTEGER NOT NULL DEFAULT 0,
    finished_at       INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX campaign_state ON campaign (state, send_at);

CREATE TABLE campaign_article (
    campaign_id INTEGER NOT NULL REFERENCES campaign (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES article (id),
    PRIMARY KEY (campaign_id, position)
) STRICT, WITHOUT ROWID;

-- The ledger holds one row per campaign and subscriber, never two. Test
-- sends (kind campaign_test) go to given addresses and are not in it.
CREATE UNIQUE INDEX delivery_campaign ON delivery (campaign_id, subscriber_id) WHERE kind = 'campaign';
CREATE INDEX delivery_campaign_state ON delivery (campaign_id, state) WHERE kind = 'campaign';

-- Quotas count what was sent in a window.
CREATE INDEX delivery_done ON delivery (done_at) WHERE state = 'sent';
