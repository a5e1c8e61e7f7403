-- The catalogue. Money is integer cents; times are milliseconds since the epoch (UTC).
CREATE TABLE products (
  product_id TEXT PRIMARY KEY,
  product_name TEXT NOT NULL,
  product_type TEXT NOT NULL,
  price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
  currency TEXT NOT NULL,
  available_count BIGINT NOT NULL CHECK (available_count >= 0),
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);

-- Every change of products.available_count, written in the same transaction as the change,
-- so that available_count = SUM(delta) per product (stock conservation is checkable).
-- kind: INITIAL, RESTOCK, ADJUST, RESERVE, RELEASE. order_id is set for RESERVE and RELEASE;
-- the unique index makes each order reserve and release at most once (NULLs never collide).
CREATE TABLE stock_movements (
  id {{ID_PK}},
  product_id TEXT NOT NULL REFERENCES products (product_id),
  delta BIGINT NOT NULL,
  kind TEXT NOT NULL,
  order_id TEXT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX stock_movements_order_kind ON stock_movements (order_id, kind);
CREATE INDEX stock_movements_product ON stock_movements (product_id);
