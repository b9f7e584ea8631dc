-- Outbound webhooks. An event is stored once; each endpoint's request for it
-- is a row of the delivery ledger (kind 'webhook', subscriber_id 0,
-- campaign_id the event's ID, recipient the endpoint's URL), written in the
-- same transaction, so webhooks share the engine's leases and retries.

CREATE TABLE webhook_endpoint (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,                  -- signs the requests; shown once at creation
    events      TEXT    NOT NULL,                  -- event names, comma-separated
    created_at  INTEGER NOT NULL,
    disabled_at INTEGER NOT NULL DEFAULT 0         -- 0: in force
) STRICT;

-- A ledger row names its endpoint by URL, so one endpoint in force per URL.
CREATE UNIQUE INDEX webhook_endpoint_url ON webhook_endpoint (url) WHERE disabled_at = 0;

CREATE TABLE webhook_event (
    id         INTEGER PRIMARY KEY,
    event      TEXT    NOT NULL,
    payload    TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX delivery_webhook ON delivery (campaign_id) WHERE kind = 'webhook';
