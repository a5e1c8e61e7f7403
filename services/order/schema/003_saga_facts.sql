-- Choreography (tinysaga/saga/choreography.h): the events of each order's sagas as the Order
-- service consumed them, so that it can show the saga without an orchestrator. Written in the
-- inbox transaction of the event, so once per event. Unused in orchestration mode.
CREATE TABLE saga_facts (
  id {{ID_PK}},
  order_id TEXT NOT NULL,
  saga_type TEXT NOT NULL,
  type TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  detail TEXT NOT NULL
);

CREATE INDEX saga_facts_by_order ON saga_facts (order_id, id);
-- The deadlines' scan: orders in a state by when they last moved.
CREATE INDEX orders_by_status_time ON orders (status, updated_at_ms);
