#include "order/events/event_stream.h"

#include <cassert>

namespace tinysaga::order {

EventStreamState OpenEventStream(TimestampMs now_ms) {
  EventStreamState state;
  state.opened_ms = now_ms;
  state.last_write_ms = now_ms;
  return state;
}

bool NeedsOrderJson(const EventStreamState& state, const OrderVersion& version) {
  return state.order_sent != version;
}

bool WantsSaga(const EventStreamState& state) {
  // An absent saga may still appear, and a running one changes. A terminal one changes only
  // when another saga starts for the order (the cancel saga of a PLACED order, which the
  // orchestrator then shows instead), and none starts once the order is terminal; but one may
  // have started, and even finished, before the order's terminal change was seen, so the saga
  // is asked for once after every change of the order.
  return state.saga_sent.empty() || !state.saga_settled || !state.order_terminal ||
         state.saga_recheck;
}

namespace {

void ObserveSaga(EventStreamState& state, const SagaObservation& saga, std::string& chunk) {
  if (saga.presence != SagaPresence::kUnknown) state.saga_recheck = false;
  switch (saga.presence) {
    case SagaPresence::kUnknown:
      return;
    case SagaPresence::kAbsent:
      // A saga that was seen and then is not (e.g. a different orchestrator instance lagging)
      // keeps what was sent.
      if (state.saga_sent.empty()) state.saga_settled = true;
      return;
    case SagaPresence::kPresent:
      if (saga.json != state.saga_sent) {
        chunk += FormatServerSentEvent("saga", ++state.last_event_id, saga.json);
        state.saga_sent = saga.json;
      }
      state.saga_settled = saga.terminal;
      return;
  }
}

}  // namespace

EventStreamStep AdvanceEventStream(EventStreamState& state,
                                   const std::optional<OrderObservation>& order,
                                   const SagaObservation& saga, TimestampMs now_ms,
                                   const EventStreamLimits& limits) {
  EventStreamStep step;
  if (order && NeedsOrderJson(state, order->version)) {
    assert(!order->json.empty() && "the watcher loads the JSON of a version a stream needs");
    step.chunk += FormatServerSentEvent("order", ++state.last_event_id, order->json);
    state.order_sent = order->version;
    state.order_terminal = order->terminal;
    // Until a saga is seen from now on (the watcher reads the saga after the order, so one
    // passed in with this change counts).
    state.saga_recheck = true;
  }
  ObserveSaga(state, saga, step.chunk);

  if (state.order_terminal && state.saga_settled) {
    if (!state.settled_since_ms) state.settled_since_ms = now_ms;
  } else {
    state.settled_since_ms.reset();
  }

  if (step.chunk.empty() && now_ms - state.last_write_ms >= limits.keepalive_interval_ms) {
    step.chunk = kKeepaliveComment;
  }
  if (!step.chunk.empty()) state.last_write_ms = now_ms;

  step.close = now_ms - state.opened_ms >= limits.lifetime_max_ms ||
               (state.settled_since_ms &&
                now_ms - *state.settled_since_ms >= limits.close_after_settled_ms);
  return step;
}

std::string FormatServerSentEvent(std::string_view event, uint64_t id, std::string_view data) {
  assert(data.find('\n') == std::string_view::npos && data.find('\r') == std::string_view::npos);
  std::string text;
  text.reserve(event.size() + data.size() + 32);
  text.append("event: ").append(event).append("\nid: ").append(std::to_string(id));
  text.append("\ndata: ").append(data).append("\n\n");
  return text;
}

}  // namespace tinysaga::order
