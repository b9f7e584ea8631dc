-- Subscriber IDs are never given out twice. Without AUTOINCREMENT, SQLite
-- gives a new row the highest ID plus one, so erasing the newest
-- subscriber handed their ID, and with it the links in their emails and
-- whatever webhook listeners keyed by it, to the next person to sign up.
-- The table is rebuilt with AUTOINCREMENT (foreign keys are off while
-- migrations run, and checked before they commit), and the sequence starts
-- above every ID known to have been used: those still stored, and those of
-- erased people, whose ledger rows keep the negated ID.
CREATE TABLE subscriber_rebuilt (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT    NOT NULL,
    email_key       TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    -- when the last confirmation email was queued, to send at most one an hour
    confirm_sent_at INTEGER NOT NULL DEFAULT 0,
    language        TEXT    NOT NULL DEFAULT ''
) STRICT;

INSERT INTO subscriber_rebuilt (id, email, email_key, name, created_at, confirm_sent_at, language)
    SELECT id, email, email_key, name, created_at, confirm_sent_at, language FROM subscriber ORDER BY id;

DROP TABLE subscriber;
ALTER TABLE subscriber_rebuilt RENAME TO subscriber;

DELETE FROM sqlite_sequence WHERE name = 'subscriber';
INSERT INTO sqlite_sequence (name, seq) SELECT 'subscriber', max(
    coalesce((SELECT max(id) FROM subscriber), 0),
    coalesce((SELECT -min(subscriber_id) FROM delivery WHERE subscriber_id < 0), 0));
