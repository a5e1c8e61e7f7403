#pragma once
// GET /api/orders/{orderId}/events as a pure state machine: given what the watcher saw of the
// order and its saga in one round, what to write on the stream and whether to end it. No I/O,
// no clock (time comes in as a value), no threads: order/events/order_watcher.h does those.
//
// The stream (server-sent events, what the web UI is written against):
//   event: order   data: the order JSON as GET /api/orders/{id}, with history; first, and after
//                  every change (a new history line, or a cancel request)
//   event: saga    data: the saga view JSON as GET /api/orders/{id}/saga; when it first exists
//                  and whenever it changes
//   id: <n>        on every event, 1, 2, 3, ... per stream
//   ": keepalive"  a comment when nothing was written for keepalive_interval_ms
// It ends close_after_settled_ms after the order is terminal and the saga is terminal (or
// there is none), or after lifetime_max_ms in any case; the watcher also drops it when the
// client goes. A client that reconnects simply gets the current order and saga again.
//
// Value types; not synchronised.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/clock.h"

namespace tinysaga::order {

struct EventStreamLimits {
  int64_t keepalive_interval_ms = 15'000;
  int64_t close_after_settled_ms = 30'000;
  int64_t lifetime_max_ms = 10 * 60'000;
};

// Identifies one state of an order as the stream shows it.
struct OrderVersion {
  int64_t history_count = 0;  // the history only grows
  bool cancel_requested = false;
  bool operator==(const OrderVersion&) const = default;
};

// The order as seen in one round. `json` is the order's compact JSON for `version`; the
// watcher loads it only when some stream needs it (NeedsOrderJson), else it is empty.
struct OrderObservation {
  OrderVersion version;
  bool terminal = false;
  std::string json;
};

enum class SagaPresence {
  kUnknown,  // not asked this round, or the orchestrator did not answer: nothing changes
  kAbsent,   // no saga for this order (yet), or no orchestrator in this saga mode
  kPresent,
};

struct SagaObservation {
  SagaPresence presence = SagaPresence::kUnknown;
  std::string json;  // kPresent: the saga view, compact
  bool terminal = false;
};

struct EventStreamState {
  TimestampMs opened_ms = 0;
  TimestampMs last_write_ms = 0;
  uint64_t last_event_id = 0;
  std::optional<OrderVersion> order_sent;  // nullopt until the first order event
  bool order_terminal = false;
  std::string saga_sent;      // the saga JSON last sent; empty: none yet
  bool saga_settled = false;  // terminal, or known to be absent
  // The order changed since the saga was last seen: a saga may have started meanwhile (the
  // cancel saga of a PLACED order, perhaps already over), so it is asked for once more.
  bool saga_recheck = false;
  std::optional<TimestampMs> settled_since_ms;  // when order and saga both became settled
};

EventStreamState OpenEventStream(TimestampMs now_ms);

// True when an order at `version` would be news to this stream.
bool NeedsOrderJson(const EventStreamState& state, const OrderVersion& version);

// True when the saga view may still change as this stream sees it, so it is worth asking for:
// unless the order is terminal and its saga too (or there is none), and the saga was seen
// since the order's last change.
bool WantsSaga(const EventStreamState& state);

struct EventStreamStep {
  std::string chunk;  // bytes to write now; empty: nothing
  bool close = false;  // end the stream (after writing `chunk`)
};

// One round. `order` is nullopt when it could not be read this round (nothing changes then).
EventStreamStep AdvanceEventStream(EventStreamState& state,
                                   const std::optional<OrderObservation>& order,
                                   const SagaObservation& saga, TimestampMs now_ms,
                                   const EventStreamLimits& limits = {});

// "event: <event>\nid: <id>\ndata: <data>\n\n". `data` must be one line (compact JSON is).
std::string FormatServerSentEvent(std::string_view event, uint64_t id, std::string_view data);

inline constexpr std::string_view kKeepaliveComment = ": keepalive\n\n";

}  // namespace tinysaga::order
