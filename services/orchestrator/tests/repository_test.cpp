// The Saga DB's SQL on a real database: the unique saga per (order, type), the version
// compare-and-set, the timer's queries and the newest-first listing with its cursor.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "orchestrator/domain/saga_catalog.h"
#include "orchestrator/saga_repository.h"
#include "orchestrator/schema.h"
#include "tinysaga/saga/engine.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::orchestrator {
namespace {

using testing::TestDb;

constexpr TimestampMs kNowMs = 1'767'225'600'000;

saga::SagaState NewSaga(const std::string& saga_id, const std::string& order_id,
                        TimestampMs started_ms = kNowMs,
                        std::string_view type = sagas::kOrderSagaType) {
  const saga::SagaDefinition definition =
      type == sagas::kOrderSagaType ? sagas::OrderSaga() : sagas::CancelSaga();
  const sagas::OrderSagaData data{UserId("alice"), Money::FromCents(1250).value(),
                                  ProductId("book-1"), 2};
  // As the orchestrator starts it: an order saga from PaymentCompleted, its charge decided.
  std::optional<std::string> first_reply;
  if (type == sagas::kOrderSagaType) first_reply = "PaymentCharged";
  auto decision = saga::Start(
      definition,
      saga::SagaStart{
          SagaId(saga_id), OrderId(order_id), data.ToJson(), {}, std::move(first_reply)},
      started_ms);
  EXPECT_TRUE(decision.ok());
  return decision->state;
}

class SagaRepositoryTest : public ::testing::Test {
 protected:
  template <typename Work>
  auto Write(Work work) {
    using R = decltype(work(std::declval<soci::session&>()));
    using T = std::remove_cvref_t<decltype(std::declval<R>().value())>;
    return db_.db().Write<T>(work);
  }

  bool Insert(const saga::SagaState& state) {
    return Write([&](soci::session& s) { return InsertSaga(s, state, StateDocument(state)); })
        .value();
  }
  std::optional<SagaRow> Find(const std::string& saga_id) {
    return Write([&](soci::session& s) { return FindSaga(s, SagaId(saga_id)); }).value();
  }
  std::vector<std::string> List(const SagaFilter& filter) {
    auto rows = Write([&](soci::session& s) { return ListSagas(s, filter); }).value();
    std::vector<std::string> ids;
    for (const SagaRow& row : rows) ids.push_back(row.saga_id.value());
    return ids;
  }
  std::vector<std::string> Due(TimestampMs now_ms, int64_t limit = 10) {
    auto rows = Write([&](soci::session& s) { return LockDueSagas(s, now_ms, limit); }).value();
    std::vector<std::string> ids;
    for (const SagaRow& row : rows) ids.push_back(row.saga_id.value());
    return ids;
  }

  TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
  SagaCatalog catalog_;
};

TEST_F(SagaRepositoryTest, InsertedSagaReadsBackWithItsColumns) {
  const saga::SagaState state = NewSaga("sag_1", "ord_1");
  ASSERT_TRUE(Insert(state));

  std::optional<SagaRow> row = Find("sag_1");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->saga_type, "order");
  EXPECT_EQ(row->order_id, OrderId("ord_1"));
  EXPECT_EQ(row->status, "RUNNING");
  EXPECT_EQ(row->deadline_ms, state.deadline_ms);
  EXPECT_EQ(row->version, 1);
  EXPECT_EQ(row->created_at_ms, kNowMs);
  auto loaded = ReadStoredSaga(catalog_, row->saga_id, row->state_json);
  ASSERT_TRUE(loaded.ok()) << loaded.error().detail;
  EXPECT_EQ(loaded->state, state);
  EXPECT_FALSE(Find("sag_unknown"));
}

TEST_F(SagaRepositoryTest, SecondSagaOfOneTypeForAnOrderIsNotInserted) {
  ASSERT_TRUE(Insert(NewSaga("sag_1", "ord_1")));
  EXPECT_FALSE(Insert(NewSaga("sag_2", "ord_1")));
  EXPECT_FALSE(Insert(NewSaga("sag_1", "ord_2"))) << "nor a second saga with one id";
  EXPECT_TRUE(Insert(NewSaga("sag_3", "ord_1", kNowMs, sagas::kCancelSagaType)));
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM sagas"), 2);

  auto sagas = Write([](soci::session& s) { return FindSagasOfOrder(s, OrderId("ord_1")); });
  ASSERT_EQ(sagas->size(), 2u);
  auto cancel =
      Write([](soci::session& s) { return FindSagaOfOrder(s, OrderId("ord_1"), "cancel"); });
  ASSERT_TRUE(cancel.value());
  EXPECT_EQ((*cancel)->saga_id, SagaId("sag_3"));
}

TEST_F(SagaRepositoryTest, UpdateIsACompareAndSetOnTheVersion) {
  saga::SagaState state = NewSaga("sag_1", "ord_1");
  ASSERT_TRUE(Insert(state));
  state.updated_ms = kNowMs + 5;
  state.deadline_ms = kNowMs + 99;

  EXPECT_TRUE(Write([&](soci::session& s) {
                return UpdateSaga(s, state, StateDocument(state), 1);
              }).value());
  EXPECT_FALSE(Write([&](soci::session& s) {
                 return UpdateSaga(s, state, StateDocument(state), 1);
               }).value())
      << "a writer that read version 1 lost the race";
  std::optional<SagaRow> row = Find("sag_1");
  EXPECT_EQ(row->version, 2);
  EXPECT_EQ(row->deadline_ms, kNowMs + 99);
  EXPECT_EQ(row->updated_at_ms, kNowMs + 5);
}

TEST_F(SagaRepositoryTest, TerminalSagaHasNoDeadline) {
  saga::SagaState state = NewSaga("sag_1", "ord_1");
  ASSERT_TRUE(Insert(state));
  state.status = saga::SagaStatus::kCompleted;
  state.phase = saga::StepPhase::kNone;
  state.deadline_ms = 0;
  ASSERT_TRUE(Write([&](soci::session& s) {
                return UpdateSaga(s, state, StateDocument(state), 1);
              }).value());

  EXPECT_EQ(Find("sag_1")->deadline_ms, std::nullopt);
  EXPECT_EQ(Find("sag_1")->status, "COMPLETED");
  EXPECT_TRUE(Due(kNowMs + 1'000'000).empty());
  EXPECT_EQ(Write([](soci::session& s) { return EarliestDeadline(s); }).value(), std::nullopt);
}

TEST_F(SagaRepositoryTest, DueSagasComeEarliestDeadlineFirstUpToTheLimit) {
  for (int i : {3, 1, 2}) {
    ASSERT_TRUE(Insert(
        NewSaga("sag_" + std::to_string(i), "ord_" + std::to_string(i), kNowMs + i * 1'000)));
  }
  const TimestampMs first_deadline = Find("sag_1")->deadline_ms.value();
  EXPECT_EQ(Write([](soci::session& s) { return EarliestDeadline(s); }).value(), first_deadline);

  EXPECT_TRUE(Due(first_deadline - 1).empty());
  EXPECT_EQ(Due(first_deadline), std::vector<std::string>{"sag_1"});
  EXPECT_EQ(Due(first_deadline + 10'000), (std::vector<std::string>{"sag_1", "sag_2", "sag_3"}));
  EXPECT_EQ(Due(first_deadline + 10'000, 2), (std::vector<std::string>{"sag_1", "sag_2"}));
}

TEST_F(SagaRepositoryTest, SetDeadlineColumnKeepsTheVersionAndTheDocument) {
  const saga::SagaState state = NewSaga("sag_1", "ord_1");
  ASSERT_TRUE(Insert(state));
  EXPECT_TRUE(Write([](soci::session& s) {
                return SetDeadlineColumn(s, SagaId("sag_1"), 1, kNowMs + 7);
              }).value());
  EXPECT_FALSE(Write([](soci::session& s) {
                 return SetDeadlineColumn(s, SagaId("sag_1"), 2, kNowMs + 8);
               }).value());
  std::optional<SagaRow> row = Find("sag_1");
  EXPECT_EQ(row->deadline_ms, kNowMs + 7);
  EXPECT_EQ(row->version, 1);
  EXPECT_EQ(ReadStoredSaga(catalog_, row->saga_id, row->state_json)->state, state);
}

TEST_F(SagaRepositoryTest, ListIsNewestFirstAndPagesWithACursor) {
  // Two sagas share a creation time: the saga id breaks the tie.
  ASSERT_TRUE(Insert(NewSaga("sag_a", "ord_a", kNowMs + 1)));
  ASSERT_TRUE(Insert(NewSaga("sag_b", "ord_b", kNowMs + 2)));
  ASSERT_TRUE(Insert(NewSaga("sag_c", "ord_c", kNowMs + 2)));
  ASSERT_TRUE(Insert(NewSaga("sag_d", "ord_d", kNowMs + 3)));

  EXPECT_EQ(List({}), (std::vector<std::string>{"sag_d", "sag_c", "sag_b", "sag_a"}));
  EXPECT_EQ(List({.limit = 2}), (std::vector<std::string>{"sag_d", "sag_c"}));
  EXPECT_EQ(List({.after = SagaCursor{kNowMs + 2, SagaId("sag_c")}, .limit = 2}),
            (std::vector<std::string>{"sag_b", "sag_a"}));
  EXPECT_TRUE(List({.after = SagaCursor{kNowMs + 1, SagaId("sag_a")}}).empty());
}

TEST_F(SagaRepositoryTest, ListFiltersByStatusAndCountsUnfinished) {
  ASSERT_TRUE(Insert(NewSaga("sag_a", "ord_a")));
  saga::SagaState done = NewSaga("sag_b", "ord_b");
  ASSERT_TRUE(Insert(done));
  done.status = saga::SagaStatus::kFailed;
  done.phase = saga::StepPhase::kNone;
  done.step_index = -1;
  done.deadline_ms = 0;
  ASSERT_TRUE(
      Write([&](soci::session& s) { return UpdateSaga(s, done, StateDocument(done), 1); }).value());

  EXPECT_EQ(List({.status = "FAILED"}), std::vector<std::string>{"sag_b"});
  EXPECT_EQ(List({.status = "RUNNING"}), std::vector<std::string>{"sag_a"});
  EXPECT_TRUE(List({.status = "COMPLETED"}).empty());
  auto counts = Write([](soci::session& s) { return CountUnfinishedByStatus(s); }).value();
  EXPECT_EQ(counts, (std::vector<std::pair<std::string, int64_t>>{{"RUNNING", 1}}));
}

}  // namespace
}  // namespace tinysaga::orchestrator
