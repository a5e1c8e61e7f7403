// `--db` templates that cannot work are refused, and a PostgreSQL server that cannot give `up`
// its databases stops `up` at once with the reason on its own output (issue 11), instead of
// children that die over and over. No server is needed: the template is refused before
// anything connects, and the unreachable server is a socket directory that does not exist.
// (`up` creating missing databases on a real server: SagaTest/OrchestrationOnPostgres.)

#include <gtest/gtest.h>

#include "tinysaga/testing/temp_dir.h"
#include "up_process.h"

namespace tinysaga::e2e {
namespace {

// One database for every service: the services' tables would collide.
constexpr const char* kTemplateWithoutService =
    "postgresql://tinysaga:secret@/tinysaga?host=/nonexistent-tinysaga-socket-dir";
constexpr const char* kUnreachableServer =
    "postgresql://tinysaga@/tinysaga_{service}?host=/nonexistent-tinysaga-socket-dir";

TEST(DbTemplateTest, UpRefusesATemplateWithoutServiceBeforeStartingAnything) {
  tinysaga::testing::TempDir data;
  const CheckResult up = RunTinysaga(
      {"up", "--port", "0", "--data", data.path().string(), "--db", kTemplateWithoutService});
  EXPECT_EQ(up.exit_code, 2) << up.output;
  EXPECT_NE(up.output.find("has no {service}"), std::string::npos) << up.output;
  EXPECT_EQ(up.output.find("secret"), std::string::npos) << "the password leaked: " << up.output;
  // Nothing started: no broker, no child, not even the logs directory.
  EXPECT_EQ(up.output.find("development broker"), std::string::npos) << up.output;
  EXPECT_FALSE(std::filesystem::exists(data.path() / "logs"));
}

TEST(DbTemplateTest, ServicesAndCheckRefuseATemplateWithoutService) {
  for (const char* service : {"order", "payment", "wallet", "inventory", "orchestrator"}) {
    const CheckResult run = RunTinysaga({service, "--port", "0", "--db", kTemplateWithoutService});
    EXPECT_EQ(run.exit_code, 2) << service << ": " << run.output;
    EXPECT_NE(run.output.find("--db: the PostgreSQL URL template has no {service}"),
              std::string::npos)
        << service << ": " << run.output;
  }
  const CheckResult check = RunCheckOn(kTemplateWithoutService);
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_NE(check.output.find("has no {service}"), std::string::npos) << check.output;
}

TEST(DbTemplateTest, AnUnknownSchemeIsRefused) {
  tinysaga::testing::TempDir data;
  const CheckResult up = RunTinysaga(
      {"up", "--port", "0", "--data", data.path().string(), "--db", "mysql://h/{service}"});
  EXPECT_EQ(up.exit_code, 2) << up.output;
  EXPECT_NE(up.output.find("must be sqlite:DIR or postgresql://"), std::string::npos) << up.output;
}

TEST(DbTemplateTest, UpStopsAtOnceWithTheReasonWhenTheServerCannotBeReached) {
  tinysaga::testing::TempDir data;
  const CheckResult up = RunTinysaga(
      {"up", "--port", "0", "--data", data.path().string(), "--db", kUnreachableServer});
  EXPECT_EQ(up.exit_code, 1) << up.output;
  // The first service `up` would start, its database, and libpq's reason (which names the
  // socket it tried).
  EXPECT_NE(up.output.find("inventory's database: cannot connect to database "
                           "\"tinysaga_inventory\""),
            std::string::npos)
      << up.output;
  EXPECT_NE(up.output.find("/nonexistent-tinysaga-socket-dir/"), std::string::npos) << up.output;
  // No child was started (and so none died).
  EXPECT_EQ(up.output.find("died"), std::string::npos) << up.output;
  EXPECT_FALSE(std::filesystem::exists(data.path() / "logs" / "inventory-1.log"));
}

}  // namespace
}  // namespace tinysaga::e2e
