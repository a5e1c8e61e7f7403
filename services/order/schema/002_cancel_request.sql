-- A PLACED order whose owner or an admin asked to cancel it: the cancel saga is giving back
-- its stock and money, and only that saga's MarkCanceled may move it now. NULL: not asked.
ALTER TABLE orders ADD COLUMN cancel_requested_at_ms BIGINT NULL;
