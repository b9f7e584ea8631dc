-- How many times the article was saved. A save names the version it was
-- based on and succeeds only while that is still the stored one, so two
-- people editing at once cannot silently undo each other's change.
ALTER TABLE article ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The webhook endpoint a webhook request was queued for; 0 on other rows.
-- The request goes to that endpoint alone and is skipped once it is
-- deleted, even when a new endpoint has the same URL: that one has another
-- secret and never asked for events from before it existed. Only webhook
-- rows are filled in, so the subscriber_id of a row keeps meaning a
-- subscriber, whom the ledger is searched and erased by.
ALTER TABLE delivery ADD COLUMN endpoint_id INTEGER NOT NULL DEFAULT 0;

-- Requests queued before named their endpoint by URL alone. Of the
-- endpoints that had the URL, theirs is the first one not deleted before
-- the request was queued; when it was deleted since, the request is
-- skipped.
UPDATE delivery SET endpoint_id = coalesce((SELECT e.id FROM webhook_endpoint e
        WHERE e.url = delivery.recipient AND (e.disabled_at = 0 OR e.disabled_at >= delivery.created_at)
        ORDER BY e.id LIMIT 1), 0)
    WHERE kind = 'webhook';
