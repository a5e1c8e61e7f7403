// The orchestrator's memory of the states it wrote: a hit only for the very document
// remembered, nothing kept for finished sagas, and never more than its capacity.

#include "orchestrator/state_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace tinysaga::orchestrator {
namespace {

LoadedSaga Saga(const std::string& saga_id, saga::SagaStatus status, int step_index) {
  LoadedSaga loaded;
  loaded.state.saga_id = SagaId(saga_id);
  loaded.state.status = status;
  loaded.state.step_index = step_index;
  return loaded;
}

TEST(StateCacheTest, FindsTheStateOnlyForTheDocumentItWasRememberedWith) {
  StateCache cache;
  cache.Remember("{\"step\":2}", Saga("sag_1", saga::SagaStatus::kRunning, 2));

  auto found = cache.Find(SagaId("sag_1"), "{\"step\":2}");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->state.step_index, 2);
  EXPECT_EQ(cache.Find(SagaId("sag_1"), "{\"step\":3}"), nullptr) << "written since by another";
  EXPECT_EQ(cache.Find(SagaId("sag_2"), "{\"step\":2}"), nullptr) << "another saga";

  cache.Remember("{\"step\":3}", Saga("sag_1", saga::SagaStatus::kRunning, 3));
  EXPECT_EQ(cache.Find(SagaId("sag_1"), "{\"step\":2}"), nullptr) << "replaced";
  EXPECT_EQ(cache.Find(SagaId("sag_1"), "{\"step\":3}")->state.step_index, 3);
}

TEST(StateCacheTest, AFinishedSagaIsForgotten) {
  StateCache cache;
  cache.Remember("running", Saga("sag_1", saga::SagaStatus::kRunning, 1));
  cache.Remember("completed", Saga("sag_1", saga::SagaStatus::kCompleted, 3));
  EXPECT_EQ(cache.Find(SagaId("sag_1"), "running"), nullptr);
  EXPECT_EQ(cache.Find(SagaId("sag_1"), "completed"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(StateCacheTest, KeepsAtMostItsCapacity) {
  StateCache cache(/*capacity=*/3);
  for (int i = 0; i < 10; ++i) {
    const std::string id = "sag_" + std::to_string(i);
    cache.Remember(id, Saga(id, saga::SagaStatus::kRunning, 1));
    EXPECT_NE(cache.Find(SagaId(id), id), nullptr) << "the newest is always kept";
  }
  EXPECT_EQ(cache.size(), 3u);
}

}  // namespace
}  // namespace tinysaga::orchestrator
