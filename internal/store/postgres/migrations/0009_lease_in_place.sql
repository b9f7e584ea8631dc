-- A claimed delivery stays queued while its lease (lease_owner,
-- lease_until, fence) holds. Claiming then changes no indexed column, so
-- PostgreSQL can update the row in place (HOT) when its page has room,
-- which the lower fill factor leaves on pages written from now on. Rows
-- leased under the old scheme keep their lease and become due again when
-- it runs out.
UPDATE delivery SET state = 'queued' WHERE state = 'sending';
DROP INDEX delivery_leased;
ALTER TABLE delivery SET (fillfactor = 80);
