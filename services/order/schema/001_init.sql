-- Order DB: the orders and every status change of each (oldest first by id).
-- Written once for SQLite and PostgreSQL 15; times are milliseconds since the epoch, money is
-- integer cents.
CREATE TABLE orders (
  order_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  quantity BIGINT NOT NULL CHECK (quantity > 0),
  price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  status_info TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);

-- Lists are newest first, per user or for everyone, optionally by status.
CREATE INDEX orders_by_user ON orders (user_id, created_at_ms, order_id);
CREATE INDEX orders_by_time ON orders (created_at_ms, order_id);

CREATE TABLE order_history (
  id {{ID_PK}},
  order_id TEXT NOT NULL REFERENCES orders (order_id),
  status TEXT NOT NULL,
  status_info TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);

CREATE INDEX order_history_by_order ON order_history (order_id, id);
