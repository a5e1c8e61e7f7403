// The process's option checks: a bad option stops Run() before anything starts.

#include "orchestrator/orchestrator_service.h"

#include <gtest/gtest.h>

namespace tinysaga::orchestrator {
namespace {

TEST(OrchestratorOptionsTest, DefaultsAreValid) { EXPECT_TRUE(CheckOptions({}).ok()); }

TEST(OrchestratorOptionsTest, OutOfRangeOptionsAreRefused) {
  std::vector<std::function<void(OrchestratorOptions&)>> breakers = {
      [](auto& o) { o.timer_batch_max = 0; },
      [](auto& o) { o.timer_wait_min = std::chrono::milliseconds(0); },
      [](auto& o) { o.timer_wait_max = o.timer_wait_min - std::chrono::milliseconds(1); },
      [](auto& o) { o.unreadable_retry = std::chrono::milliseconds(0); },
      [](auto& o) { o.timings.forward.attempts_max = 0; },
      [](auto& o) { o.timings.must_finish.timeout_ms = 0; },
  };
  for (size_t i = 0; i < breakers.size(); ++i) {
    OrchestratorOptions options;
    breakers[i](options);
    auto checked = CheckOptions(options);
    ASSERT_FALSE(checked.ok()) << "breaker " << i;
    EXPECT_EQ(checked.error().code, Errc::kInvalidRequest);
  }
}

TEST(OrchestratorOptionsTest, RunRefusesToStartWithBadOptions) {
  OrchestratorOptions options;
  options.timer_batch_max = 0;
  platform::ServiceConfig config;
  config.name = "orchestrator";
  EXPECT_EQ(orchestrator::Run(config, options), 1);
}

}  // namespace
}  // namespace tinysaga::orchestrator
