// The events stream's pure state machine (order/events/event_stream.h): what is written when,
// and when the stream ends. No threads, no clock: time is a number here.

#include "order/events/event_stream.h"

#include <gtest/gtest.h>

#include "order/orchestrator_client.h"

namespace tinysaga::order {
namespace {

constexpr TimestampMs kStartMs = 1'000'000;

OrderObservation Order(int64_t history_count, bool terminal = false, bool cancel = false) {
  return OrderObservation{OrderVersion{history_count, cancel}, terminal,
                          R"({"history":)" + std::to_string(history_count) + "}"};
}
SagaObservation Saga(std::string json, bool terminal = false) {
  return SagaObservation{SagaPresence::kPresent, std::move(json), terminal};
}
const SagaObservation kNotAsked{};
const SagaObservation kNoSaga{SagaPresence::kAbsent, "", false};

TEST(EventStream, FormatsServerSentEvents) {
  EXPECT_EQ(FormatServerSentEvent("order", 7, R"({"a":1})"), "event: order\nid: 7\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(kKeepaliveComment, ": keepalive\n\n");
}

TEST(EventStream, SendsTheOrderFirstThenOnlyChanges) {
  EventStreamState state = OpenEventStream(kStartMs);
  auto first = AdvanceEventStream(state, Order(1), kNotAsked, kStartMs);
  EXPECT_EQ(first.chunk, FormatServerSentEvent("order", 1, R"({"history":1})"));
  EXPECT_FALSE(first.close);
  EXPECT_FALSE(NeedsOrderJson(state, OrderVersion{1, false}));
  // The watcher skips loading the JSON when nothing is new: an empty JSON means no event.
  OrderObservation same{OrderVersion{1, false}, false, ""};
  EXPECT_EQ(AdvanceEventStream(state, same, kNotAsked, kStartMs + 100).chunk, "");
  EXPECT_TRUE(NeedsOrderJson(state, OrderVersion{2, false}));
  EXPECT_EQ(AdvanceEventStream(state, Order(2), kNotAsked, kStartMs + 200).chunk,
            FormatServerSentEvent("order", 2, R"({"history":2})"));
  // A cancel request is news too, although no history line comes with it.
  EXPECT_TRUE(NeedsOrderJson(state, OrderVersion{2, true}));
  // An order that could not be read this round changes nothing.
  EXPECT_EQ(AdvanceEventStream(state, std::nullopt, kNotAsked, kStartMs + 300).chunk, "");
}

TEST(EventStream, SendsTheSagaWhenItAppearsAndWhenItChanges) {
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(1), kNoSaga, kStartMs);
  EXPECT_TRUE(WantsSaga(state));
  auto appeared = AdvanceEventStream(state, Order(1), Saga(R"({"state":"RUNNING"})"), kStartMs + 250);
  EXPECT_EQ(appeared.chunk, FormatServerSentEvent("saga", 2, R"({"state":"RUNNING"})"));
  EXPECT_EQ(AdvanceEventStream(state, Order(1), Saga(R"({"state":"RUNNING"})"), kStartMs + 500).chunk,
            "");
  // Not asked, or the orchestrator did not answer, or it briefly lost the saga: nothing.
  EXPECT_EQ(AdvanceEventStream(state, Order(1), kNotAsked, kStartMs + 600).chunk, "");
  EXPECT_EQ(AdvanceEventStream(state, Order(1), kNoSaga, kStartMs + 700).chunk, "");
  // The order and the saga changed in the same round: order first, one chunk.
  auto both = AdvanceEventStream(state, Order(2), Saga(R"({"state":"COMPLETED"})", true),
                                 kStartMs + 750);
  EXPECT_EQ(both.chunk, FormatServerSentEvent("order", 3, R"({"history":2})") +
                            FormatServerSentEvent("saga", 4, R"({"state":"COMPLETED"})"));
  // The order saga completed but the order is PLACED: a cancel saga may still come.
  EXPECT_TRUE(WantsSaga(state));
  (void)AdvanceEventStream(state, Order(3, /*terminal=*/true), kNotAsked, kStartMs + 800);
  EXPECT_TRUE(WantsSaga(state)) << "asked once more: one may have run before the order ended";
  (void)AdvanceEventStream(state, Order(3, true), Saga(R"({"state":"COMPLETED"})", true),
                           kStartMs + 900);
  EXPECT_FALSE(WantsSaga(state));  // nothing starts for a terminal order
}

// Found by the browser test of the definition panel: the cancel saga of a PLACED order started
// and finished between two looks at the saga, and the order's CANCELED came in a round that did
// not ask for it; the stream stopped asking, and the page kept the order saga.
TEST(EventStream, ASagaThatRanBetweenTwoLooksIsSentAfterTheOrderEnded) {
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(4), Saga(R"({"type":"order","state":"COMPLETED"})", true),
                           kStartMs);
  (void)AdvanceEventStream(state, Order(5, /*terminal=*/true, /*cancel=*/true), kNotAsked,
                           kStartMs + 100);
  ASSERT_TRUE(WantsSaga(state));
  auto cancel =
      AdvanceEventStream(state, Order(5, true, true),
                         Saga(R"({"type":"cancel","state":"COMPLETED"})", true), kStartMs + 200);
  EXPECT_EQ(cancel.chunk,
            FormatServerSentEvent("saga", 4, R"({"type":"cancel","state":"COMPLETED"})"));
  EXPECT_FALSE(WantsSaga(state));
}

TEST(EventStream, ACancelSagaAfterACompletedOrderSagaIsSent) {
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(4), Saga(R"({"type":"order","state":"COMPLETED"})", true),
                           kStartMs);
  auto cancel = AdvanceEventStream(state, Order(4, false, /*cancel=*/true),
                                   Saga(R"({"type":"cancel","state":"RUNNING"})"), kStartMs + 250);
  EXPECT_EQ(cancel.chunk, FormatServerSentEvent("order", 3, R"({"history":4})") +
                              FormatServerSentEvent("saga", 4, R"({"type":"cancel","state":"RUNNING"})"));
}

TEST(EventStream, KeepsAliveAfterFifteenQuietSeconds) {
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(1), kNotAsked, kStartMs);
  EXPECT_EQ(AdvanceEventStream(state, Order(1), kNotAsked, kStartMs + 14'999).chunk, "");
  EXPECT_EQ(AdvanceEventStream(state, Order(1), kNotAsked, kStartMs + 15'000).chunk,
            kKeepaliveComment);
  EXPECT_EQ(AdvanceEventStream(state, Order(1), kNotAsked, kStartMs + 29'999).chunk, "");
  EXPECT_EQ(AdvanceEventStream(state, Order(1), kNotAsked, kStartMs + 30'000).chunk,
            kKeepaliveComment);
}

TEST(EventStream, ClosesThirtySecondsAfterOrderAndSagaAreTerminal) {
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(3, /*terminal=*/true), Saga(R"({"s":1})"), kStartMs);
  // The saga still runs: no countdown.
  EXPECT_FALSE(AdvanceEventStream(state, Order(3, true), kNotAsked, kStartMs + 60'000).close);
  (void)AdvanceEventStream(state, Order(3, true), Saga(R"({"s":2})", true), kStartMs + 61'000);
  EXPECT_FALSE(AdvanceEventStream(state, Order(3, true), kNotAsked, kStartMs + 90'999).close);
  EXPECT_TRUE(AdvanceEventStream(state, Order(3, true), kNotAsked, kStartMs + 91'000).close);
}

TEST(EventStream, AnOrderWithoutASagaClosesAfterItIsTerminal) {
  // Canceled from INITIATED: no saga ever runs for it.
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(2, true), kNoSaga, kStartMs);
  EXPECT_FALSE(AdvanceEventStream(state, Order(2, true), kNotAsked, kStartMs + 29'999).close);
  EXPECT_TRUE(AdvanceEventStream(state, Order(2, true), kNotAsked, kStartMs + 30'000).close);
}

TEST(EventStream, AnOrderThatIsNotTerminalLivesUntilTheMaximumLifetime) {
  EventStreamLimits limits;
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(4), Saga(R"({"done":1})", true), kStartMs, limits);
  // PLACED with a completed saga: shipping may still come.
  EXPECT_FALSE(
      AdvanceEventStream(state, Order(4), kNotAsked, kStartMs + limits.lifetime_max_ms - 1, limits)
          .close);
  EXPECT_TRUE(
      AdvanceEventStream(state, Order(4), kNotAsked, kStartMs + limits.lifetime_max_ms, limits)
          .close);
}

TEST(EventStream, ASagaThatStartsAfterTheOrderLooksSettledRestartsTheCountdown) {
  EventStreamState state = OpenEventStream(kStartMs);
  (void)AdvanceEventStream(state, Order(2, true), kNoSaga, kStartMs);
  (void)AdvanceEventStream(state, Order(2, true), Saga(R"({"s":"RUNNING"})"), kStartMs + 20'000);
  EXPECT_FALSE(AdvanceEventStream(state, Order(2, true), kNotAsked, kStartMs + 40'000).close);
}

TEST(SagaView, ParsesTheOrchestratorsAnswer) {
  EXPECT_EQ(ParseSagaView(404, "").presence, SagaPresence::kAbsent);
  EXPECT_EQ(ParseSagaView(503, "").presence, SagaPresence::kUnknown);
  EXPECT_EQ(ParseSagaView(200, "not json").presence, SagaPresence::kUnknown);
  EXPECT_EQ(ParseSagaView(200, R"({"steps": []})").presence, SagaPresence::kUnknown);
  SagaObservation running = ParseSagaView(200, R"({ "state": "RUNNING", "steps": [] })");
  EXPECT_EQ(running.presence, SagaPresence::kPresent);
  EXPECT_EQ(running.json, R"({"state":"RUNNING","steps":[]})");
  EXPECT_FALSE(running.terminal);
  EXPECT_TRUE(ParseSagaView(200, R"({"state": "COMPLETED"})").terminal);
  EXPECT_TRUE(ParseSagaView(200, R"({"state": "FAILED"})").terminal);
  EXPECT_FALSE(ParseSagaView(200, R"({"state": "COMPENSATING"})").terminal);
}

}  // namespace
}  // namespace tinysaga::order
