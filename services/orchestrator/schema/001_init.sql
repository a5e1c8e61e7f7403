-- Saga DB: one row per saga instance. state_json (libs/saga state_json.h) is the whole state;
-- the other columns copy a few of its fields for the unique key and the indexes, and are
-- written together with it. Times are milliseconds since the epoch (UTC).
--   status       RUNNING, COMPENSATING, COMPLETED, FAILED or GAVE_UP
--   deadline_ms  when the timer must call the engine (reply deadline or end of a backoff);
--                NULL once the saga is terminal, so finished sagas leave the timer's index
--   version      bumped by every update: writers compare-and-set on it
CREATE TABLE sagas (
  saga_id TEXT PRIMARY KEY,
  saga_type TEXT NOT NULL,
  order_id TEXT NOT NULL,
  status TEXT NOT NULL,
  state_json TEXT NOT NULL,
  deadline_ms BIGINT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);

-- One saga of each type per order: a redelivered start event cannot start a second one.
CREATE UNIQUE INDEX sagas_order_type ON sagas (order_id, saga_type);

-- The timer's scan: unfinished sagas by deadline.
CREATE INDEX sagas_deadline ON sagas (deadline_ms) WHERE deadline_ms IS NOT NULL;

-- GET /api/sagas: newest first, all of them or of one status.
CREATE INDEX sagas_by_time ON sagas (created_at_ms, saga_id);
CREATE INDEX sagas_by_status_time ON sagas (status, created_at_ms, saga_id);
