// --break outbox-outside-tx (outbox_break.h): the simulator's proof that it notices when the
// outbox leaves the state's transaction. Without the break nothing here changes the outbox.

#include "tinysaga/bus/outbox_break.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/bus/outbox_relay.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::bus {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Message Make(const std::string& id) { return Message{id, "orders", "ord_1", "{}", {}}; }

class OutboxBreakTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetOutboxGapCrashForSimulation({});
    ForgetAllSetAsideOutboxForSimulation();
  }

  void AppendInATransaction(const std::vector<Message>& messages) {
    auto written = test_db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      for (const Message& message : messages) AppendToOutbox(session, message, clock_.NowMs());
      return true;
    });
    ASSERT_TRUE(written.ok()) << written.error().detail;
  }
  int64_t OutboxRows() { return test_db_.Count("SELECT COUNT(*) FROM outbox"); }
  std::vector<std::string> Published() {
    std::vector<std::string> ids;
    for (const Delivery& delivery : bus_.Stored("orders")) ids.push_back(delivery.message.id);
    return ids;
  }

  testing::TestDb test_db_{{}, {.pool_size = 2}};
  ManualClock clock_;
  MemoryBus bus_{MemoryBusOptions{.partitions = 1}};
  std::unique_ptr<Producer> producer_ = std::move(bus_.NewProducer()).value();
  OutboxRelay relay_{test_db_.db(), *producer_, clock_};
};

TEST_F(OutboxBreakTest, WithoutTheBreakTheRowCommitsWithTheTransaction) {
  AppendInATransaction({Make("m1")});
  EXPECT_EQ(OutboxRows(), 1);
}

TEST_F(OutboxBreakTest, BrokenTheRowIsWrittenByTheRelayAfterTheCommit) {
  ScopedBreakForSimulation broken(Break::kOutboxOutsideTransaction);
  AppendInATransaction({Make("m1"), Make("m2")});
  EXPECT_EQ(OutboxRows(), 0);  // the state's transaction committed without its messages
  auto relayed = relay_.RelayOnce();
  ASSERT_TRUE(relayed.ok()) << relayed.error().detail;
  EXPECT_EQ(*relayed, 2u);
  EXPECT_EQ(OutboxRows(), 2);
  EXPECT_THAT(Published(), ElementsAre("m1", "m2"));
}

TEST_F(OutboxBreakTest, ACrashBetweenTheTwoCommitsLosesTheMessages) {
  ScopedBreakForSimulation broken(Break::kOutboxOutsideTransaction);
  size_t asked_rows = 0;
  SetOutboxGapCrashForSimulation([&](const std::string&, size_t rows) {
    asked_rows = rows;
    return true;
  });
  AppendInATransaction({Make("m1")});
  EXPECT_FALSE(relay_.RelayOnce().ok());
  EXPECT_EQ(asked_rows, 1u);
  SetOutboxGapCrashForSimulation({});
  EXPECT_EQ(*relay_.RelayOnce(), 0u);  // restarted: nothing to publish, the message is gone
  EXPECT_EQ(OutboxRows(), 0);
  EXPECT_THAT(Published(), IsEmpty());
}

TEST_F(OutboxBreakTest, ADeadProcessForgetsWhatItSetAside) {
  ScopedBreakForSimulation broken(Break::kOutboxOutsideTransaction);
  AppendInATransaction({Make("m1"), Make("m2")});
  EXPECT_EQ(ForgetSetAsideOutboxForSimulation(test_db_.db()), 2u);
  EXPECT_EQ(*relay_.RelayOnce(), 0u);
  EXPECT_EQ(OutboxRows(), 0);
}

TEST_F(OutboxBreakTest, AMessageSetAsideTwiceIsWrittenOnce) {
  ScopedBreakForSimulation broken(Break::kOutboxOutsideTransaction);
  AppendInATransaction({Make("m1")});
  AppendInATransaction({Make("m1")});  // a transaction retried after its append
  EXPECT_EQ(*relay_.RelayOnce(), 1u);
  EXPECT_EQ(OutboxRows(), 1);
}

}  // namespace
}  // namespace tinysaga::bus
