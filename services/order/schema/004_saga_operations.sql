-- Issue 15, operating choreographed sagas. The facts say which message each was (its id, for
-- the saga's "messages"), and an operator's verbs are facts too, with who and why.
ALTER TABLE saga_facts ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE saga_facts ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE saga_facts ADD COLUMN reason TEXT NOT NULL DEFAULT '';
-- A cancel the deadlines gave up on (announced for too long without an answer: its saga
-- GAVE_UP, for an operator): no longer announced again, until an operator retries it. NULL:
-- not given up.
ALTER TABLE orders ADD COLUMN cancel_gave_up_at_ms BIGINT NULL;
-- The deadlines' scan of unfinished cancels leaves out those given up.
DROP INDEX orders_cancel_requested;
CREATE INDEX orders_cancel_requested ON orders (status, updated_at_ms)
  WHERE cancel_requested_at_ms IS NOT NULL AND cancel_gave_up_at_ms IS NULL;
