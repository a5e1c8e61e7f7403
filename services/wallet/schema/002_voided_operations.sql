-- Tombstones of the Payment service's debits that were voided before they happened: a refund
-- asked for a debit operation that has no ledger entry (the debit request was lost, or is still
-- on its way, e.g. stuck in a socket buffer of a stopped wallet). A debit with a voided
-- operation id arriving later is refused, so a payment that gave up can never take money
-- afterwards. Written in the same transaction that checks for the debit, so a debit and the
-- void of its operation are serialised: exactly one of them wins.
-- voided_by is the refund's own operation id, user_id and order_id the refund's request, kept
-- so that a repeated refund can be told from a different one (idempotency mismatch).
CREATE TABLE voided_operations (
  operation_id TEXT PRIMARY KEY,
  voided_by TEXT NOT NULL,
  user_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
