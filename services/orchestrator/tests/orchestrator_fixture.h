#pragma once
// A Saga DB and an orchestrator for one test, driven by hand: deliver an event or a reply the
// way the inbox consumer would (the handler inside one write transaction), read the commands
// it put in the outbox, move the clock, fire the timer. No broker, no threads, no sleeps.
// Test-only; not thread-safe.

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <soci/soci.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <typeinfo>

#include "orchestrator/orchestrator.h"
#include "orchestrator/saga_repository.h"
#include "orchestrator/schema.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/testing/outbox.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::orchestrator {

inline const OrderId kOrder("ord_00000000000000000042");

// What a command looks like in the outbox.
struct SentCommand {
  std::string topic;
  std::string key;
  contracts::Message message;
};

inline contracts::PaymentCompleted PaymentCompletedFor(const std::string& user = "alice") {
  return contracts::PaymentCompleted{UserId(user), Money::FromCents(1250).value(),
                                     TransactionId("txn_1"), ProductId("book-1"), 2};
}
inline contracts::PaymentFailed PaymentFailedFor(
    const std::string& user = "alice",
    contracts::PaymentFailure failure = contracts::PaymentFailure::kInsufficientFunds) {
  return contracts::PaymentFailed{UserId(user), Money::FromCents(1250).value(), ProductId("book-1"),
                                  2, failure};
}
inline contracts::OrderCancelRequested CancelRequestedFor(const std::string& user = "alice") {
  return contracts::OrderCancelRequested{UserId(user), Money::FromCents(1250).value(),
                                         ProductId("book-1"), 2};
}

// The value of a counter or gauge with exactly these labels; 0 when it does not exist yet.
inline double MetricValue(prometheus::Registry& registry, const std::string& name,
                          const std::map<std::string, std::string>& labels = {}) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> found;
      for (const auto& label : metric.label) found[label.name] = label.value;
      if (found != labels) continue;
      return family.type == prometheus::MetricType::Gauge ? metric.gauge.value
                                                          : metric.counter.value;
    }
  }
  return 0;
}

class OrchestratorFixture : public ::testing::Test {
 protected:
  OrchestratorFixture() { Restart(); }

  // New orchestrator objects on the same database, as after a process restart. The outbox
  // and the clock carry over; metrics start again from zero.
  void Restart() {
    orchestrator_.reset();
    registry_ = std::make_unique<prometheus::Registry>();
    catalog_ = std::make_unique<SagaCatalog>(options_.timings);
    orchestrator_ = std::make_unique<Orchestrator>(
        db_.db(), clock_, rng_, *catalog_, *registry_, options_,
        OrchestratorHooks{
            [this] { ++outbox_notifications_; },
            [this](TimestampMs deadline_ms) { deadlines_set_.push_back(deadline_ms); }});
  }

  // The handler inside one write transaction, like the inbox consumer.
  Result<void> Deliver(const contracts::Message& message) {
    auto result = db_.db().Write<int>([&](soci::session& session) -> Result<int> {
      TS_RETURN_IF_ERROR(orchestrator_->HandleMessage(session, message));
      return 0;
    });
    if (!result.ok()) return result.error();
    return Ok();
  }

  contracts::Message Event(contracts::Payload payload, const OrderId& order = kOrder) {
    contracts::Envelope envelope{
        .message_id = NewId("msg", rng_), .order_id = order, .time_ms = clock_.NowMs()};
    return contracts::Message{std::move(envelope), std::move(payload)};
  }

  // Delivers a start event; the saga's first command is then in the outbox. For the order
  // saga that is never ChargeWallet: Payment's event already decided the charge step.
  void Start(contracts::Payload payload, const OrderId& order = kOrder) {
    ASSERT_TRUE(Deliver(Event(std::move(payload), order)).ok());
  }

  // The reply a participant would send to `command`.
  contracts::Message ReplyTo(const contracts::Message& command, contracts::Payload reply) {
    contracts::Envelope envelope{.message_id = NewId("msg", rng_),
                                 .saga_id = command.envelope.saga_id,
                                 .order_id = command.envelope.order_id,
                                 .time_ms = clock_.NowMs(),
                                 .causation_id = command.envelope.message_id};
    return contracts::Message{std::move(envelope), std::move(reply)};
  }

  void Reply(const contracts::Message& command, contracts::Payload reply) {
    auto delivered = Deliver(ReplyTo(command, std::move(reply)));
    ASSERT_TRUE(delivered.ok()) << delivered.error().detail;
  }

  // The next command put in the outbox: a T, on `topic`, keyed by its order id.
  template <typename T>
  contracts::Message Expect(std::string_view topic) {
    ReadOutbox();
    if (unread_.empty()) {
      ADD_FAILURE() << "expected a " << typeid(T).name() << " but no command was sent";
      return contracts::Message{{}, contracts::MarkPlaced{}};  // answers to it go nowhere
    }
    SentCommand sent = std::move(unread_.front());
    unread_.pop_front();
    EXPECT_TRUE(std::holds_alternative<T>(sent.message.payload))
        << "expected a " << typeid(T).name() << " but got " << sent.message.type();
    EXPECT_EQ(sent.topic, topic);
    EXPECT_EQ(sent.key, sent.message.envelope.order_id.value()) << "commands are keyed by order";
    return sent.message;
  }

  void ExpectNoCommand() {
    ReadOutbox();
    for (const SentCommand& sent : unread_) ADD_FAILURE() << "unexpected " << sent.message.type();
    unread_.clear();
  }

  size_t FireDueTimers() {
    auto fired = orchestrator_->FireDueTimers(clock_.NowMs());
    EXPECT_TRUE(fired.ok()) << fired.error().detail;
    return fired.ok() ? *fired : 0;
  }

  // Moves the clock to the earliest deadline and fires the timer there.
  size_t TimeOut() {
    auto earliest = orchestrator_->EarliestDeadline();
    EXPECT_TRUE(earliest.ok() && earliest->has_value()) << "no saga has a deadline";
    if (earliest.ok() && earliest->has_value()) {
      clock_.SetMs(std::max(clock_.NowMs(), **earliest));
    }
    return FireDueTimers();
  }

  std::optional<SagaRow> Row(const std::string& type = "order", const OrderId& order = kOrder) {
    auto row = db_.db().Read<std::optional<SagaRow>>(
        [&](soci::session& session) { return FindSagaOfOrder(session, order, type); });
    EXPECT_TRUE(row.ok()) << row.error().detail;
    return row.ok() ? *row : std::nullopt;
  }

  // The stored state of the order's saga of `type` (fails the test when there is none).
  saga::SagaState State(const std::string& type = "order", const OrderId& order = kOrder) {
    std::optional<SagaRow> row = Row(type, order);
    if (!row) {
      ADD_FAILURE() << "no " << type << " saga for " << order.value();
      return {};
    }
    auto loaded = ReadStoredSaga(*catalog_, row->saga_id, row->state_json);
    EXPECT_TRUE(loaded.ok()) << loaded.error().detail;
    return loaded.ok() ? loaded->state : saga::SagaState{};
  }

  long long SagaCount() { return db_.Count("SELECT COUNT(*) FROM sagas"); }

  double Metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    return MetricValue(*registry_, name, labels);
  }

  tinysaga::testing::TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
  ManualClock clock_;
  SeededRng rng_{7};
  OrchestratorOptions options_;
  std::unique_ptr<prometheus::Registry> registry_;
  std::unique_ptr<SagaCatalog> catalog_;
  std::unique_ptr<Orchestrator> orchestrator_;
  int outbox_notifications_ = 0;
  std::vector<TimestampMs> deadlines_set_;

 private:
  void ReadOutbox() {
    for (auto& row : ::tinysaga::testing::ReadOutbox(db_.db(), outbox_last_id_)) {
      outbox_last_id_ = row.id;
      unread_.push_back(SentCommand{row.topic, row.key, std::move(row.message)});
    }
  }

  long long outbox_last_id_ = 0;
  std::deque<SentCommand> unread_;
};

}  // namespace tinysaga::orchestrator
