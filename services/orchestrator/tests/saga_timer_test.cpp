// The timer thread's sleep rule (pure), and its lifecycle: Stop() ends Run() at once.

#include "orchestrator/saga_timer.h"

#include <gtest/gtest.h>

#include <thread>

#include "orchestrator/tests/orchestrator_fixture.h"

namespace tinysaga::orchestrator {
namespace {

using std::chrono::milliseconds;

TEST(TimerWaitTest, SleepsUntilTheEarliestDeadlineWithinItsBounds) {
  OrchestratorOptions options;
  options.timer_wait_min = milliseconds(10);
  options.timer_wait_max = milliseconds(1'000);
  EXPECT_EQ(TimerWait(5'000, std::nullopt, options), milliseconds(1'000)) << "nothing to wait for";
  EXPECT_EQ(TimerWait(5'000, 5'250, options), milliseconds(250));
  EXPECT_EQ(TimerWait(5'000, 9'000, options), milliseconds(1'000)) << "capped";
  EXPECT_EQ(TimerWait(5'000, 5'000, options), milliseconds(10)) << "due now: never spin";
  EXPECT_EQ(TimerWait(5'000, 1'000, options), milliseconds(10)) << "overdue: never spin";
}

class SagaTimerTest : public OrchestratorFixture {};

TEST_F(SagaTimerTest, StopBeforeRunReturnsAtOnce) {
  SagaTimer timer(clock_, options_);
  timer.Stop();
  timer.Run(*orchestrator_);  // returns: nothing to join
  SUCCEED();
}

TEST_F(SagaTimerTest, StopWakesASleepingRun) {
  options_.timer_wait_max = std::chrono::hours(1);  // it would sleep an hour if not woken
  SagaTimer timer(clock_, options_);
  std::thread thread([&] { timer.Run(*orchestrator_); });
  timer.Schedule(clock_.NowMs());  // a wake-up hint is harmless
  timer.Stop();
  thread.join();
  SUCCEED();
}

}  // namespace
}  // namespace tinysaga::orchestrator
