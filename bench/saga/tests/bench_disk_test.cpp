// The disk probe of `tinysaga bench`: real writes and syncs in a scratch directory.
#include "bench_disk.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::app::bench {
namespace {

TEST(ProbeDiskSync, TimesEverySyncAndLeavesNoFileBehind) {
  tinysaga::testing::TempDir directory;
  auto probe = ProbeDiskSync(directory.path().string(), 5);
  ASSERT_TRUE(probe.ok()) << probe.error().detail;
  EXPECT_EQ(probe->count, 5u);
  EXPECT_LE(probe->p50_ms, probe->p99_ms);
  EXPECT_LE(probe->p99_ms, probe->max_ms);
  EXPECT_TRUE(std::filesystem::is_empty(directory.path()));
}

TEST(ProbeDiskSync, ADirectoryThatCannotTakeTheFileIsUnavailable) {
  auto probe = ProbeDiskSync("/nonexistent/tinysaga-bench", 5);
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.error().code, Errc::kUnavailable);
  EXPECT_NE(probe.error().detail.find("/nonexistent/tinysaga-bench/.bench-disk-probe"),
            std::string::npos);
}

}  // namespace
}  // namespace tinysaga::app::bench
