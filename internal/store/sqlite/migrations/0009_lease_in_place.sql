-- A claimed delivery stays queued while its lease (lease_owner,
-- lease_until, fence) holds, so claiming rewrites no index entry. Rows
-- leased under the old scheme keep their lease and become due again when
-- it runs out.
UPDATE delivery SET state = 'queued' WHERE state = 'sending';
DROP INDEX delivery_leased;
