-- One wallet per user, created by its first deposit (or credit). Money is integer cents;
-- times are milliseconds since the epoch (UTC).
CREATE TABLE wallets (
  user_id TEXT PRIMARY KEY,
  balance_cents BIGINT NOT NULL CHECK (balance_cents >= 0),
  currency TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);

-- Every balance change, written in the same transaction as the change, so that for every
-- wallet balance_cents = SUM(DEPOSIT, CREDIT) - SUM(WITHDRAWAL, DEBIT).
-- entry_type: DEPOSIT, WITHDRAWAL, DEBIT, CREDIT. entry_id is the public transactionId.
-- operation_id makes the Payment service's debits and credits idempotent (NULL for deposits
-- and withdrawals, which use Idempotency-Key instead; NULLs never collide).
CREATE TABLE wallet_ledger (
  entry_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  entry_type TEXT NOT NULL,
  amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  currency TEXT NOT NULL,
  order_id TEXT NULL,
  operation_id TEXT NULL UNIQUE,
  description TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX wallet_ledger_user_created ON wallet_ledger (user_id, created_at_ms);
CREATE INDEX wallet_ledger_created ON wallet_ledger (created_at_ms);
