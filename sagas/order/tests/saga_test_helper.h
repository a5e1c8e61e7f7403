#pragma once
// Given / expect / reply for saga definitions, after Eventuate Tram's saga unit-test DSL:
//
//   SagaTest(OrderSaga()).Given(data)
//       .Expect<ChargeWallet>().Reply(PaymentDeclined{"no money"})
//       .Expect<MarkFailed>([](auto& c) { EXPECT_EQ(c.reason, "insufficient funds"); })
//       .Reply(OrderStatusChanged{"FAILED"})
//       .ExpectNoCommand().ExpectStatus(SagaStatus::kFailed);
//
// Time is explicit (no sleeps): At() sets it, TimeOut() jumps to the state's deadline. After
// every decision the helper also checks what must always hold: each command survives the
// wire format, the state survives the Saga DB format and fits its definition, and a
// terminal state has no deadline. Test-only; not thread-safe.

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "tinysaga/contracts/codec.h"
#include "tinysaga/saga/engine.h"
#include "tinysaga/saga/state_json.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::saga::testing {

inline constexpr TimestampMs kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr std::string_view kSagaId = "sag_0123456789abcdef0123";
inline constexpr std::string_view kOrderId = "ord_00000000000000000042";

inline sagas::OrderSagaData TestData() {
  return sagas::OrderSagaData{UserId("alice"), Money::FromCents(1250).value(), ProductId("book-1"),
                              2};
}

// A test-only saga for the engine's parallel-group rules, which the order saga no longer
// uses: OrderSaga() with an Order command sent together with reserve_stock.
//   0 order  1 charge_wallet  [2 order_on_way  3 reserve_stock]  4 order_placed
// MarkOnWay stands in for any Order command with nothing to undo (answered
// OrderStatusChanged, refused OrderStatusRejected); that it comes before PLACED means nothing,
// only that it is a contract command Order answers. The group's first step has no
// compensation and its second has one, so a failure shows which undos the group walks back.
inline SagaDefinition OrderSagaWithParallelGroup() {
  const sagas::SagaTimings timings;
  SagaDefinition saga = sagas::OrderSaga(timings);
  EXPECT_EQ(saga.steps[2].name, "reserve_stock");
  saga.steps[2].parallel_with_previous = true;
  saga.steps.insert(saga.steps.begin() + 2,
                    Step{.name = "order_on_way",
                         .label = "Order on its way (test step)",
                         .forward = MakeAction(
                             contracts::Participant::kOrder,
                             [](const SagaState&) { return contracts::MarkOnWay{}; },
                             {Success("OrderStatusChanged"),
                              Failure("OrderStatusRejected", sagas::kReasonOrderRejected)},
                             timings.forward),
                         .reason_when_exhausted = std::string(sagas::kReasonOrderUnavailable),
                         .facts = {.done = "status:ON_WAY"}});
  return saga;
}

class SagaTest {
 public:
  explicit SagaTest(SagaDefinition definition) : definition_(std::move(definition)) {
    EXPECT_TRUE(CheckDefinition(definition_).ok());
  }

  SagaTest& Given(const sagas::OrderSagaData& data = TestData(), std::string traceparent = {}) {
    return Start(data, std::move(traceparent), std::nullopt);
  }

  // Started by an event that already answers the first command with `first_reply`.
  SagaTest& GivenAnswered(std::string first_reply) {
    return Start(TestData(), {}, std::move(first_reply));
  }

 private:
  SagaTest& Start(const sagas::OrderSagaData& data, std::string traceparent,
                  std::optional<std::string> first_reply) {
    auto decision =
        saga::Start(definition_,
                    SagaStart{SagaId(std::string(kSagaId)), OrderId(std::string(kOrderId)),
                              data.ToJson(), std::move(traceparent), std::move(first_reply)},
                    now_ms_);
    if (!decision.ok()) {
      ADD_FAILURE() << "Start failed: " << decision.error().detail;
      return *this;
    }
    Take(std::move(decision).value());
    return *this;
  }

 public:
  // The next command sent is a T (to `check`'s liking); it becomes the one Reply answers.
  template <typename T>
  SagaTest& Expect(std::function<void(const T&)> check = {}) {
    if (unread_.empty()) {
      ADD_FAILURE() << "expected a " << typeid(T).name() << " but no command was sent";
      return *this;
    }
    current_ = unread_.front();
    unread_.pop_front();
    const T* command = std::get_if<T>(&current_->message.payload);
    if (command == nullptr) {
      ADD_FAILURE() << "expected a " << typeid(T).name() << " but got " << current_->message.type();
    } else if (check) {
      check(*command);
    }
    return *this;
  }

  SagaTest& ExpectNoCommand() {
    for (const auto& command : unread_) ADD_FAILURE() << "unexpected " << command.message.type();
    unread_.clear();
    return *this;
  }

  // Answers the command last taken by Expect.
  SagaTest& Reply(contracts::Payload reply, Disposition expected = Disposition::kApplied) {
    if (!current_) {
      ADD_FAILURE() << "Reply before any Expect";
      return *this;
    }
    return ReplyTo(current_->message, std::move(reply), expected);
  }

  // Answers any command sent earlier: for duplicate, late and reordered replies.
  SagaTest& ReplyTo(const contracts::Message& command, contracts::Payload reply,
                    Disposition expected = Disposition::kApplied) {
    contracts::Message message = MakeReply(command, std::move(reply));
    Take(OnReply(definition_, state_, message, now_ms_), expected);
    return *this;
  }

  // Calls OnTimeout at the state's deadline (moving time there first).
  SagaTest& TimeOut(Disposition expected = Disposition::kApplied) {
    now_ms_ = std::max(now_ms_, state_.deadline_ms);
    Take(OnTimeout(definition_, state_, now_ms_), expected);
    return *this;
  }

  // Times out `count` times in a row: each reply deadline, then each backoff.
  SagaTest& TimeOutTimes(int count) {
    for (int i = 0; i < count; ++i) TimeOut();
    return *this;
  }

  // An operator's verbs (engine.h): applied (or kAlreadyDone) as `expected`.
  SagaTest& Retry(const std::string& reason = "wallet back",
                  Disposition expected = Disposition::kApplied) {
    return Operate(saga::Retry(definition_, state_, {"root", reason}, now_ms_), expected);
  }
  SagaTest& Abort(const std::string& reason = "customer called",
                  Disposition expected = Disposition::kApplied) {
    return Operate(saga::Abort(definition_, state_, {"root", reason}, now_ms_), expected);
  }
  // The verb is refused (kConflict, state unchanged); its detail contains `why`.
  SagaTest& RetryRefused(const std::string& why) {
    return Refused(saga::Retry(definition_, state_, {"root", "try"}, now_ms_), why);
  }
  SagaTest& AbortRefused(const std::string& why) {
    return Refused(saga::Abort(definition_, state_, {"root", "stop"}, now_ms_), why);
  }

  SagaTest& At(TimestampMs now_ms) {
    now_ms_ = now_ms;
    return *this;
  }
  SagaTest& Advance(int64_t delta_ms) { return At(now_ms_ + delta_ms); }

  SagaTest& ExpectStatus(SagaStatus status) {
    EXPECT_EQ(SagaStatusName(state_.status), SagaStatusName(status));
    return *this;
  }

  const SagaState& state() const { return state_; }
  const SagaDefinition& definition() const { return definition_; }
  // The command last taken by Expect.
  const OutgoingCommand& current() const { return *current_; }
  const std::vector<OutgoingCommand>& sent() const { return sent_; }
  TimestampMs now_ms() const { return now_ms_; }
  Disposition last_disposition() const { return last_disposition_; }

 private:
  contracts::Message MakeReply(const contracts::Message& command, contracts::Payload reply) {
    contracts::Envelope envelope;
    envelope.message_id = "reply-" + std::to_string(++replies_made_);
    envelope.saga_id = command.envelope.saga_id;
    envelope.order_id = command.envelope.order_id;
    envelope.time_ms = now_ms_;
    envelope.causation_id = command.envelope.message_id;
    return contracts::Message{std::move(envelope), std::move(reply)};
  }

  SagaTest& Operate(Result<Decision> decision, Disposition expected) {
    if (!decision.ok()) {
      ADD_FAILURE() << "refused: " << decision.error().detail;
      return *this;
    }
    Take(std::move(decision).value(), expected);
    return *this;
  }

  SagaTest& Refused(const Result<Decision>& decision, const std::string& why) {
    if (decision.ok()) {
      ADD_FAILURE() << "not refused (" << DispositionName(decision->disposition) << ")";
      return *this;
    }
    EXPECT_EQ(decision.error().code, Errc::kConflict);
    EXPECT_NE(decision.error().detail.find(why), std::string::npos) << decision.error().detail;
    return *this;
  }

  void Take(Decision decision, Disposition expected = Disposition::kApplied) {
    EXPECT_EQ(DispositionName(decision.disposition), DispositionName(expected));
    last_disposition_ = decision.disposition;
    if (decision.disposition != Disposition::kApplied) {
      EXPECT_EQ(decision.state, state_) << "an ignored input changed the state";
      EXPECT_TRUE(decision.commands.empty()) << "an ignored input sent commands";
    }
    CheckAlwaysTrue(decision);
    state_ = std::move(decision.state);
    for (auto& command : decision.commands) {
      sent_.push_back(command);
      unread_.push_back(std::move(command));
    }
  }

  void CheckAlwaysTrue(const Decision& decision) const {
    for (const auto& command : decision.commands) {
      auto parsed = contracts::Parse(contracts::Serialize(command.message));
      ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
      EXPECT_EQ(*parsed, command.message) << "command did not survive the wire format";
    }
    auto stored = SagaStateFromJson(nlohmann::json::parse(SagaStateToJson(decision.state).dump()));
    ASSERT_TRUE(stored.ok()) << stored.error().detail;
    EXPECT_EQ(*stored, decision.state) << "state did not survive the Saga DB format";
    auto fits = CheckStateFits(definition_, decision.state);
    EXPECT_TRUE(fits.ok()) << fits.error().detail;
    if (decision.state.terminal()) {
      EXPECT_EQ(decision.state.deadline_ms, 0);
    }
  }

  SagaDefinition definition_;
  SagaState state_;
  TimestampMs now_ms_ = kStartMs;
  std::deque<OutgoingCommand> unread_;
  std::vector<OutgoingCommand> sent_;
  std::optional<OutgoingCommand> current_;
  Disposition last_disposition_ = Disposition::kApplied;
  int replies_made_ = 0;
};

}  // namespace tinysaga::saga::testing
