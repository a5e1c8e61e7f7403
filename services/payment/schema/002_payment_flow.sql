-- POST /api/payment and the order saga's commands (README "The payment flow").

-- Why a PAYMENT is FAILED: INSUFFICIENT_FUNDS, UNAVAILABLE (the wallet could not be reached
-- after the retries; a debit may have gone through unseen) or ORDER_REJECTED (the order could
-- not be moved to PAYMENT_PENDING). NULL for every other row.
ALTER TABLE transactions ADD COLUMN failure_reason TEXT NULL;
CREATE INDEX transactions_by_status ON transactions (payment_status, created_at_ms);

-- POST /api/payment's Idempotency-Key, in two phases because the request makes HTTP calls
-- that no database transaction may span: the key is claimed (status_code NULL: in progress)
-- in the transaction that inserts the PENDING payment, and the final response is stored in
-- the one that records the outcome. Keys are per user (user_id: the caller's id, "@service"
-- for services). One claim per order at most, since it commits with the order's PAYMENT row;
-- it also keeps what the payment's events need (product, quantity, trace context), for the
-- reconciler that resolves a payment left PENDING by a crash.
CREATE TABLE payment_requests (
  user_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  order_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  traceparent TEXT NOT NULL,
  status_code INTEGER NULL,
  response_body TEXT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
);
CREATE UNIQUE INDEX payment_requests_by_order ON payment_requests (order_id);

-- Refund commands waiting for the wallet. A saga's Refund runs inside the inbox transaction,
-- which must not wait on HTTP, so the command is queued here (one per order; a resent command
-- replaces the queued one, whose reply the saga would ignore anyway) and a worker thread
-- calls the wallet outside any transaction, then records the REFUND and the reply in one.
CREATE TABLE refund_requests (
  order_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  command_id TEXT NOT NULL,
  command TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX refund_requests_due ON refund_requests (next_attempt_at_ms);
