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
-- The deadlines' scans: orders in a state by when they last moved, and (partial, so that the
-- many PLACED orders waiting to be shipped are not scanned every second) unfinished cancels.
CREATE INDEX orders_by_status_time ON orders (status, updated_at_ms);
CREATE INDEX orders_cancel_requested ON orders (status, updated_at_ms)
  WHERE cancel_requested_at_ms IS NOT NULL;
