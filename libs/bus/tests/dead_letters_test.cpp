// The dead_letters table and its verbs (dead_letters.h), on SQLite and, with
// TINYSAGA_TEST_POSTGRES_URL, on PostgreSQL; and the inbox consumer writing a poison message's
// row in the transaction of its inbox row.
#include "tinysaga/bus/dead_letters.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "tinysaga/bus/inbox_consumer.h"
#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::bus {
namespace {

using testing::TestDb;

// The effect under test: "poison" is impossible after writing a row, which must roll back.
const std::vector<storage::Migration> kMigrations = {
    {1, "applied", "CREATE TABLE applied (id {{ID_PK}}, payload TEXT NOT NULL);\n"},
};

Result<void> Handle(soci::session& session, const Message& message) {
  session << "INSERT INTO applied (payload) VALUES (:payload)", soci::use(message.payload);
  if (message.payload.starts_with("poison")) {
    return MakeError(Errc::kInvalidRequest, "impossible message");
  }
  return Ok();
}

// Parameter: the inbox consumer's batch size (1: one message per transaction; 64: batched).
class DeadLettersTest : public ::testing::TestWithParam<size_t> {
 protected:
  DeadLettersTest() {
    producer_ = std::move(bus_.NewProducer()).value();
    consumer_ = std::move(bus_.NewConsumer({"svc.events", {"orders"}})).value();
    inbox_ = std::make_unique<InboxConsumer>(
        db_.db(), *consumer_, *producer_, clock_, Handle,
        InboxConsumerOptions{.consumer_name = "svc.events", .batch_size_max = GetParam()});
  }

  void Publish(const std::vector<Message>& messages) {
    ASSERT_TRUE(producer_->Publish(messages).ok());
  }

  void Drain() {
    for (int polls = 0; polls < 100; ++polls) {
      auto polled = inbox_->RunOnce();
      ASSERT_TRUE(polled.ok()) << polled.error().detail;
      if (*polled == 0) return;
    }
    FAIL() << "the consumer never ran out of messages";
  }

  template <typename T>
  T Read(std::function<T(soci::session&)> read) {
    auto result =
        db_.db().Read<T>([&](soci::session& session) -> Result<T> { return read(session); });
    EXPECT_TRUE(result.ok()) << result.error().detail;
    return std::move(result).value();
  }

  template <typename T>
  Result<T> Write(std::function<Result<T>(soci::session&)> write) {
    return db_.db().Write<T>([&](soci::session& session) { return write(session); });
  }

  std::vector<DeadLetter> List(std::optional<DeadLetterState> state = std::nullopt) {
    return Read<std::vector<DeadLetter>>([&](soci::session& session) {
      return ListDeadLetters(session, {.service = "svc", .state = state, .limit = 100});
    });
  }

  TestDb db_{kMigrations, {.pool_size = 2, .postgres_from_environment = true}};
  ManualClock clock_;
  MemoryBus bus_{MemoryBusOptions{.partitions = 1}};
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Consumer> consumer_;
  std::unique_ptr<InboxConsumer> inbox_;
};

TEST_P(DeadLettersTest, APoisonMessageIsRecordedWithItsInboxRowAndItsEffectsRolledBack) {
  clock_.SetMs(1'767'225'600'000);
  Publish({Message{"m1", "orders", "ord_1", "1", {}},
           Message{"m2", "orders", "ord_1", R"({"type":"FlyToTheMoon","poison":1})", {}},
           Message{"m3", "orders", "ord_1", "poison", {}}});
  Drain();
  // "poison" rows rolled back; the JSON one is not poison by payload prefix, so it applied.
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM applied"), 2);
  const std::vector<DeadLetter> rows = List();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message_id, "m3");
  EXPECT_EQ(rows[0].consumer, "svc.events");
  EXPECT_EQ(rows[0].topic, "orders");
  EXPECT_EQ(rows[0].offset, 2);
  EXPECT_EQ(rows[0].key, "ord_1");
  EXPECT_EQ(rows[0].reason, "invalid-request: impossible message");
  EXPECT_EQ(rows[0].dead_lettered_at_ms, 1'767'225'600'000);
  EXPECT_EQ(rows[0].state, DeadLetterState::kOpen);
  EXPECT_EQ(rows[0].payload, "");  // lists leave payloads out
  EXPECT_EQ(Read<std::optional<DeadLetter>>([&](soci::session& session) {
              return FindDeadLetter(session, rows[0].id, true);
            })->payload,
            "poison");
  // Its inbox row, in the same transaction: a redelivery is a duplicate, not a second row.
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM inbox WHERE message_id = 'm3'"), 1);
  Publish({Message{"m3", "orders", "ord_1", "poison", {}}});
  Drain();
  EXPECT_EQ(List().size(), 1u);
  EXPECT_EQ(inbox_->counters().dead_lettered, 1u);
  EXPECT_EQ(bus_.Stored("orders.dlq").size(), 1u);
}

TEST_P(DeadLettersTest, TheTypeIsTakenFromAJsonPayloadAndAMessageWithoutIdIsRecordedOnce) {
  Publish({Message{"", "orders", "ord_1", R"({"type":"FlyToTheMoon"})", {}},
           Message{"m2", "orders", "ord_1", R"(poison{"type":"X"})", {}}});
  Drain();
  const std::vector<DeadLetter> rows = List();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].message_id, "");
  EXPECT_EQ(rows[1].type, "FlyToTheMoon");
  EXPECT_EQ(rows[0].type, "");  // not JSON
  // Without an id nothing could deduplicate a redrive.
  auto redriven = Write<DeadLetter>([&](soci::session& session) {
    return RedriveDeadLetter(session, rows[1].id, "root", "try", clock_.NowMs());
  });
  ASSERT_FALSE(redriven.ok());
  EXPECT_EQ(redriven.error().code, Errc::kConflict);
}

TEST_P(DeadLettersTest, RedriveAppendsTheMessageToTheOutboxAndLetsOnlyThatConsumerApplyItAgain) {
  Publish({Message{"m1", "orders", "ord_1", "poison", {}}});
  Drain();
  const int64_t id = List().at(0).id;
  // Another consumer of this database that applied some other message keeps its inbox row.
  ASSERT_TRUE(Write<bool>([](soci::session& session) -> Result<bool> {
                session << "INSERT INTO inbox (message_id, consumer, received_at_ms) "
                           "VALUES ('m1-other', 'svc.other', 0)";
                return true;
              }).ok());
  clock_.SetMs(clock_.NowMs() + 1'000);
  auto redriven = Write<DeadLetter>([&](soci::session& session) {
    return RedriveDeadLetter(session, id, "root", "fixed the handler", clock_.NowMs());
  });
  ASSERT_TRUE(redriven.ok()) << redriven.error().detail;
  EXPECT_EQ(redriven->state, DeadLetterState::kRedriven);
  EXPECT_EQ(redriven->acted_by, "root");
  EXPECT_EQ(redriven->action_reason, "fixed the handler");
  EXPECT_EQ(redriven->acted_at_ms, clock_.NowMs());
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox WHERE message_id = 'm1' AND topic = 'orders' "
                      "AND message_key = 'ord_1' AND payload = 'poison' AND sent_at_ms IS NULL"),
            1);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM inbox WHERE message_id = 'm1'"), 0);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM inbox WHERE consumer = 'svc.other'"), 1);

  // Idempotent: the same answer, nothing appended again.
  auto again = Write<DeadLetter>([&](soci::session& session) {
    return RedriveDeadLetter(session, id, "someone", "again", clock_.NowMs() + 5);
  });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->acted_by, "root");
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox"), 1);
  // Discarding a redriven one is a conflict.
  auto discarded = Write<DeadLetter>([&](soci::session& session) {
    return DiscardDeadLetter(session, id, "root", "no", clock_.NowMs());
  });
  ASSERT_FALSE(discarded.ok());
  EXPECT_EQ(discarded.error().code, Errc::kConflict);

  // The consumer gets it again (here by hand, as the relay would publish it): still poison, so a
  // new open row, and the redriven one keeps its history.
  Publish({Message{"m1", "orders", "ord_1", "poison", {}}});
  Drain();
  EXPECT_EQ(List(DeadLetterState::kOpen).size(), 1u);
  EXPECT_EQ(List(DeadLetterState::kRedriven).size(), 1u);
  // Redriven a second time: the outbox row of the first redrive (kept for its retention) is
  // marked unsent again rather than duplicated.
  ASSERT_TRUE(Write<bool>([](soci::session& session) -> Result<bool> {
                session << "UPDATE outbox SET sent_at_ms = 1";
                return true;
              }).ok());
  const int64_t second = List(DeadLetterState::kOpen).at(0).id;
  ASSERT_TRUE(Write<DeadLetter>([&](soci::session& session) {
                return RedriveDeadLetter(session, second, "root", "once more", clock_.NowMs());
              }).ok());
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox WHERE sent_at_ms IS NULL"), 1);
}

TEST_P(DeadLettersTest, DiscardRecordsWhoAndWhyIsIdempotentAndRefusesARedrive) {
  Publish({Message{"m1", "orders", "ord_1", "poison", {}}});
  Drain();
  const int64_t id = List().at(0).id;
  auto discard = [&](const std::string& reason) {
    return Write<DeadLetter>(
        [&](soci::session& session) { return DiscardDeadLetter(session, id, "root", reason, 42); });
  };
  auto discarded = discard("the order was refunded by hand");
  ASSERT_TRUE(discarded.ok());
  EXPECT_EQ(discarded->state, DeadLetterState::kDiscarded);
  EXPECT_EQ(discarded->action_reason, "the order was refunded by hand");
  auto again = discard("other words");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->action_reason, "the order was refunded by hand");
  auto redriven = Write<DeadLetter>(
      [&](soci::session& session) { return RedriveDeadLetter(session, id, "root", "try", 43); });
  ASSERT_FALSE(redriven.ok());
  EXPECT_EQ(redriven.error().code, Errc::kConflict);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox"), 0);
  auto missing = Write<DeadLetter>([&](soci::session& session) {
    return DiscardDeadLetter(session, id + 100, "root", "x", 43);
  });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  const auto counts = Read<std::map<DeadLetterState, int64_t>>(CountDeadLetters);
  EXPECT_EQ(counts.at(DeadLetterState::kOpen), 0);
  EXPECT_EQ(counts.at(DeadLetterState::kDiscarded), 1);
  EXPECT_EQ(counts.at(DeadLetterState::kRedriven), 0);
}

TEST_P(DeadLettersTest, PagesAreNewestFirstAndMergeAcrossServicesByTheCursor) {
  for (int i = 0; i < 5; ++i) {
    clock_.SetMs(1'000 + (i / 2) * 10);  // two rows share each time
    Publish({Message{"m" + std::to_string(i), "orders", "ord_1", "poison", {}}});
    Drain();
  }
  std::vector<int64_t> seen;
  std::optional<DeadLetterCursor> after;
  for (int page = 0; page < 5; ++page) {
    auto rows = Read<std::vector<DeadLetter>>([&](soci::session& session) {
      return ListDeadLetters(session, {.service = "svc", .after = after, .limit = 2});
    });
    for (const DeadLetter& row : rows) seen.push_back(row.id);
    if (rows.size() < 2) break;
    after = DeadLetterCursor{rows.back().dead_lettered_at_ms, "svc", rows.back().id};
  }
  ASSERT_EQ(seen.size(), 5u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i], seen[i - 1]);
  // A cursor from another service at time 1010: a service named before it still lists its rows
  // at 1010, one named after it does not.
  auto count_after = [&](const std::string& cursor_service) {
    return Read<std::vector<DeadLetter>>([&](soci::session& session) {
             return ListDeadLetters(session, {.service = "svc",
                                              .after = DeadLetterCursor{1'010, cursor_service, 1},
                                              .limit = 100});
           })
        .size();
  };
  EXPECT_EQ(count_after("zzz"), 4u);  // rows at 1000 and 1010
  EXPECT_EQ(count_after("aaa"), 2u);  // rows at 1000 only

  auto cursor = ParseDeadLetterCursor("1010_payment_7");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, (DeadLetterCursor{1'010, "payment", 7}));
  EXPECT_EQ(FormatDeadLetterCursor(*cursor), "1010_payment_7");
  for (const char* bad : {"", "1010", "1010_7", "x_payment_7", "1010__7", "1010_payment_-1"}) {
    EXPECT_FALSE(ParseDeadLetterCursor(bad).ok()) << bad;
  }
}

INSTANTIATE_TEST_SUITE_P(OneMessagePerTransactionAndBatched, DeadLettersTest,
                         ::testing::Values(1, 64));

}  // namespace
}  // namespace tinysaga::bus
