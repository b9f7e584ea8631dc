-- Staff accounts: who may sign in to the newsroom, their sessions, their
-- API tokens and the failed sign-ins that throttle guessing. Tokens of both
-- kinds are stored only as SHA-256 hashes (hex).

CREATE TABLE user_account (
    id                  INTEGER PRIMARY KEY,
    email               TEXT    NOT NULL,
    email_key           TEXT    NOT NULL UNIQUE,   -- lowercase, for lookups
    name                TEXT    NOT NULL DEFAULT '',
    role                TEXT    NOT NULL CHECK (role IN ('owner', 'editor', 'author', 'viewer')),
    password_hash       TEXT    NOT NULL,          -- argon2id, encoded with its parameters
    totp_secret         TEXT    NOT NULL DEFAULT '', -- base32; '' when there is no second factor
    totp_last_step      INTEGER NOT NULL DEFAULT 0,  -- the last 30-second step whose code was used
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE session (
    id           TEXT    PRIMARY KEY,              -- SHA-256 of the cookie's token
    user_id      INTEGER NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,                 -- the absolute end; idleness is judged from last_seen_at
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX session_user ON session (user_id);
CREATE INDEX session_expires ON session (expires_at);

-- Sign-in attempts of the last few minutes (a success forgives those from its
-- network); kept in the database so every process on it counts the same.
CREATE TABLE login_attempt (
    id        INTEGER PRIMARY KEY,
    email_key TEXT    NOT NULL,
    ip        TEXT    NOT NULL,                    -- the address, or the /64 for IPv6
    at        INTEGER NOT NULL
) STRICT;

CREATE INDEX login_attempt_account ON login_attempt (email_key, at);
CREATE INDEX login_attempt_ip ON login_attempt (ip, at);
CREATE INDEX login_attempt_at ON login_attempt (at);

CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    scopes       TEXT    NOT NULL,                 -- permissions, space-separated
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX api_token_user ON api_token (user_id, id);
