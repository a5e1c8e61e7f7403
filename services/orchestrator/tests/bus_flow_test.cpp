// The orchestrator wired the way Run() wires it, on the in-memory bus: its handler behind
// platform::ParsedHandler in a real InboxConsumer on SubscribedTopics(catalog), its outbox
// published by a real OutboxRelay, and a scripted participant answering every command on the
// command topics. Checks the topics, keys and the inbox's deduplication end to end;
// single-threaded, every step driven by hand.

#include <gtest/gtest.h>

#include <algorithm>

#include "orchestrator/tests/orchestrator_fixture.h"
#include "tinysaga/bus/inbox_consumer.h"
#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/bus/outbox_relay.h"
#include "tinysaga/platform/messaging.h"

namespace tinysaga::orchestrator {
namespace {

using std::chrono::milliseconds;

// The happy-path answer of each participant. No ChargeWallet: PaymentCompleted decides the
// charge step, so the orchestrator never sends one; nor a command for PAYMENT_DONE, which
// Order follows from that event itself.
contracts::Payload HappyAnswer(const contracts::Message& command) {
  return std::visit(
      [](const auto& payload) -> contracts::Payload {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<T, contracts::ReserveStock>) {
          return contracts::StockReserved{};
        } else if constexpr (std::is_same_v<T, contracts::MarkPlaced>) {
          return contracts::OrderStatusChanged{"PLACED"};
        } else {
          ADD_FAILURE() << "unexpected command";
          return contracts::StockReleased{};
        }
      },
      command.payload);
}

class BusFlowTest : public OrchestratorFixture {
 protected:
  BusFlowTest() {
    producer_ = std::move(bus_.NewProducer()).value();
    consumer_ =
        std::move(bus_.NewConsumer({"orchestrator.sagas", SubscribedTopics(*catalog_)})).value();
    participants_ = std::move(bus_.NewConsumer({"participants",
                                                {std::string(contracts::kPaymentCommandsTopic),
                                                 std::string(contracts::kInventoryCommandsTopic),
                                                 std::string(contracts::kOrderCommandsTopic)}}))
                        .value();
    inbox_ = std::make_unique<bus::InboxConsumer>(
        db_.db(), *consumer_, *producer_, clock_, platform::ParsedHandler(orchestrator_->Handler()),
        bus::InboxConsumerOptions{.consumer_name = "orchestrator.sagas",
                                  .backoff_wait = [](milliseconds) {}});
    relay_ = std::make_unique<bus::OutboxRelay>(db_.db(), *producer_, clock_);
  }

  void Publish(std::string_view topic, const contracts::Message& message) {
    const bus::Message record{message.envelope.message_id,
                              std::string(topic),
                              message.envelope.order_id.value(),
                              contracts::Serialize(message),
                              {}};
    ASSERT_TRUE(producer_->Publish({&record, 1}).ok());
  }

  // One turn of everyone: the orchestrator consumes, its outbox is published, the participant
  // answers. Returns the commands the participant answered.
  std::vector<bus::Message> Turn() {
    EXPECT_TRUE(inbox_->RunOnce().ok());
    EXPECT_TRUE(relay_->RelayOnce().ok());
    auto commands = participants_->Poll(100, milliseconds(0));
    EXPECT_TRUE(commands.ok());
    std::vector<bus::Message> answered;
    for (const bus::Delivery& delivery : *commands) {
      auto command = contracts::Parse(delivery.message.payload);
      EXPECT_TRUE(command.ok());
      Publish(contracts::kSagaRepliesTopic, ReplyTo(*command, HappyAnswer(*command)));
      answered.push_back(delivery.message);
    }
    EXPECT_TRUE(participants_->Commit(*commands).ok());
    return answered;
  }

  bus::MemoryBus bus_;
  std::unique_ptr<bus::Producer> producer_;
  std::unique_ptr<bus::Consumer> consumer_;
  std::unique_ptr<bus::Consumer> participants_;
  std::unique_ptr<bus::InboxConsumer> inbox_;
  std::unique_ptr<bus::OutboxRelay> relay_;
};

TEST_F(BusFlowTest, OrderSagaRunsToCompletedOverTheBus) {
  const contracts::Message started = Event(PaymentCompletedFor());
  Publish(contracts::kPaymentEventsTopic, started);
  Publish(contracts::kPaymentEventsTopic, started);  // redelivered: the inbox drops it

  // "topic type" of the commands answered, turn by turn; sorted within a turn, since the
  // participant polls several topics at once.
  std::vector<std::vector<std::string>> seen;
  size_t commands = 0;
  for (int turn = 0; turn < 10 && commands < 2; ++turn) {
    std::vector<std::string> answered;
    for (const bus::Message& command : Turn()) {
      EXPECT_EQ(command.key, kOrder.value()) << "keyed by order id";
      answered.push_back(command.topic + " " +
                         std::string(contracts::Parse(command.payload)->type()));
    }
    std::sort(answered.begin(), answered.end());
    commands += answered.size();
    seen.push_back(std::move(answered));
  }
  Turn();  // the last reply

  // Two commands, one turn each: the reservation, then, once it is answered, the order is
  // placed.
  EXPECT_EQ(seen, (std::vector<std::vector<std::string>>{{"inventory.commands ReserveStock"},
                                                         {"order.commands MarkPlaced"}}));
  EXPECT_EQ(SagaCount(), 1);
  EXPECT_EQ(saga::SagaStatusName(State().status), "COMPLETED");
  EXPECT_EQ(inbox_->counters().duplicates, 1u);
  EXPECT_EQ(inbox_->counters().dead_lettered, 0u);
}

TEST_F(BusFlowTest, UnparsableMessageIsDeadLettered) {
  const bus::Message garbage{
      "msg_garbage", std::string(contracts::kSagaRepliesTopic), kOrder.value(), "{not json", {}};
  ASSERT_TRUE(producer_->Publish({&garbage, 1}).ok());
  Turn();
  EXPECT_EQ(inbox_->counters().dead_lettered, 1u);
  EXPECT_EQ(SagaCount(), 0);
}

}  // namespace
}  // namespace tinysaga::orchestrator
