-- Times are INTEGER milliseconds since the Unix epoch, UTC.

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE article (
    id             INTEGER PRIMARY KEY,
    slug           TEXT    NOT NULL UNIQUE,
    language       TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    standfirst     TEXT    NOT NULL DEFAULT '',
    body           TEXT    NOT NULL DEFAULT '',
    body_html      TEXT    NOT NULL DEFAULT '',
    section        TEXT    NOT NULL DEFAULT '',
    section_slug   TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at   INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    translation_of TEXT    NOT NULL DEFAULT '',
    -- the slug of the original shared by every translation of a story
    story          TEXT    NOT NULL
) STRICT;

CREATE INDEX article_published ON article (published_at DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX article_section ON article (section_slug, published_at DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX article_story ON article (story);

CREATE TABLE article_author (
    article_id INTEGER NOT NULL REFERENCES article (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    slug       TEXT    NOT NULL,
    PRIMARY KEY (article_id, position)
) STRICT;

CREATE INDEX article_author_slug ON article_author (slug);

CREATE TABLE article_tag (
    article_id INTEGER NOT NULL REFERENCES article (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    slug       TEXT    NOT NULL,
    PRIMARY KEY (article_id, position)
) STRICT;

CREATE INDEX article_tag_slug ON article_tag (slug);

CREATE TABLE newsletter (
    id           INTEGER PRIMARY KEY,
    slug         TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    sender_name  TEXT    NOT NULL DEFAULT '',
    sender_email TEXT    NOT NULL DEFAULT '',
    reply_to     TEXT    NOT NULL DEFAULT '',
    language     TEXT    NOT NULL DEFAULT 'en',
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE subscriber (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL,
    email_key       TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    -- when the last confirmation email was queued, to send at most one an hour
    confirm_sent_at INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE subscription (
    subscriber_id INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    newsletter_id INTEGER NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (subscriber_id, newsletter_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX subscription_newsletter ON subscription (newsletter_id, state, subscriber_id);

CREATE TABLE consent (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    newsletter_id INTEGER NOT NULL,
    action        TEXT    NOT NULL CHECK (action IN ('signup', 'confirm', 'unsubscribe')),
    at            INTEGER NOT NULL,
    source        TEXT    NOT NULL DEFAULT '',
    wording       TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX consent_subscriber ON consent (subscriber_id, id);

-- Addresses that must never be mailed again (hard bounces, complaints).
CREATE TABLE suppression (
    email_key  TEXT    PRIMARY KEY,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The durable send queue and the ledger of what happened to each message.
CREATE TABLE delivery (
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

CREATE INDEX delivery_due ON delivery (priority, next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX delivery_leased ON delivery (lease_until) WHERE state = 'sending';
CREATE INDEX delivery_subscriber ON delivery (subscriber_id, id);

-- Mail caught by the built-in outbox when no SMTP server is configured.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    sender     TEXT    NOT NULL,
    recipient  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

INSERT INTO newsletter (slug, name, description, language, created_at)
VALUES ('news', 'Newsletter', 'Our journalism in your inbox.', 'en', CAST(unixepoch('subsec') * 1000 AS INTEGER));
