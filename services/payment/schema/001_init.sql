-- Transaction DB: Payment's own money movements, PAYMENT and REFUND rows, each for one order.
-- (Deposits and withdrawals live in the Wallet DB with the balance they change.)
-- Written once for SQLite and PostgreSQL 15; times are milliseconds since the epoch, money is
-- integer cents.
CREATE TABLE transactions (
  transaction_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('PAYMENT', 'REFUND')),
  payment_status TEXT NOT NULL CHECK (payment_status IN ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED')),
  amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
  currency TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);

-- An order is paid at most once and refunded at most once: a redelivered saga command that
-- tries to insert a second row fails here instead of charging twice.
CREATE UNIQUE INDEX transactions_one_per_order_and_type ON transactions (order_id, type);
CREATE INDEX transactions_by_user ON transactions (user_id, created_at_ms, transaction_id);
CREATE INDEX transactions_by_time ON transactions (created_at_ms, transaction_id);
