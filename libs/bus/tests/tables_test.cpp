#include "tinysaga/bus/tables.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "tinysaga/testing/test_db.h"

namespace tinysaga::bus {
namespace {

TEST(BusTablesTest, KeepTheirVersionsInTheSharedRangeApartFromStorages) {
  for (const storage::Migration& table : Migrations()) {
    EXPECT_GE(table.version, 9001) << table.name;
    for (const storage::Migration& common : storage::CommonMigrations()) {
      EXPECT_NE(table.version, common.version) << table.name << " and " << common.name;
    }
  }
}

TEST(BusTablesTest, RecordBrokerSaysWhichBrokerCameBefore) {
  testing::TestDb db({}, {.postgres_from_environment = true});
  auto record = [&](const std::string& identity) {
    auto previous = db.db().Write<std::optional<std::string>>(
        [&](soci::session& session) -> Result<std::optional<std::string>> {
          return RecordBroker(session, identity);
        });
    EXPECT_TRUE(previous.ok());
    return previous.ok() ? *previous : std::optional<std::string>("error");
  };
  EXPECT_EQ(record("broker-a"), std::nullopt);  // the first time
  EXPECT_EQ(record("broker-a"), "broker-a");
  EXPECT_EQ(record("broker-b"), "broker-a");
  EXPECT_EQ(record("broker-b"), "broker-b");
}

}  // namespace
}  // namespace tinysaga::bus
