#pragma once
// A schema of its own in the scratch PostgreSQL database TINYSAGA_TEST_POSTGRES_URL names, so
// that tests running at once (ctest -j) never see each other's tables: created empty, dropped
// with everything in it on destruction. Url() opens sessions whose search_path is that schema,
// so unqualified table names land in it.

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>

#include "tinysaga/storage/db.h"

namespace tinysaga::testing {

// The scratch database's URL, or nullptr when TINYSAGA_TEST_POSTGRES_URL is unset or empty.
inline const char* PostgresTestUrl() {
  const char* url = std::getenv("TINYSAGA_TEST_POSTGRES_URL");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

// `url` whose sessions use `schema` ([a-z0-9_{}] only) as their search_path.
inline std::string WithSearchPath(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

// `url` (libpq's URI form, postgresql://[user@][host][:port][/dbname][?params]) naming the
// database `name` instead of its own.
inline std::string WithDatabase(const std::string& url, const std::string& name) {
  const size_t authority = url.find("://");
  const size_t query = url.find('?');
  const size_t path = url.find('/', authority == std::string::npos ? 0 : authority + 3);
  const size_t end = query == std::string::npos ? url.size() : query;
  if (path == std::string::npos || path > end)
    return url.substr(0, end) + "/" + name + url.substr(end);
  return url.substr(0, path + 1) + name + url.substr(end);
}

// A name no other running test process uses: the pid tells processes apart, the counter the
// schemas of one process.
inline std::string UniqueSchemaName(const std::string& prefix = "test") {
  static std::atomic<int> next{0};
  return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(next++);
}

class PostgresSchema {
 public:
  explicit PostgresSchema(std::string base_url, std::string name = UniqueSchemaName())
      : base_url_(std::move(base_url)), name_(std::move(name)) {
    // A schema of this name left by a crashed process whose pid is now ours goes first.
    Execute("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    Execute("CREATE SCHEMA " + name_);
  }
  ~PostgresSchema() { Execute("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }
  PostgresSchema(const PostgresSchema&) = delete;
  PostgresSchema& operator=(const PostgresSchema&) = delete;

  const std::string& name() const { return name_; }
  std::string Url() const { return WithSearchPath(base_url_, name_); }

 private:
  void Execute(const std::string& sql) {
    auto db = storage::Db::Open(storage::DbOptions{.url = base_url_, .pool_size = 1});
    EXPECT_TRUE(db.ok()) << db.error().detail;
    if (!db.ok()) return;
    auto done = (*db)->Write<int>([&](soci::session& session) -> Result<int> {
      session << sql;
      return 0;
    });
    EXPECT_TRUE(done.ok()) << sql << ": " << done.error().detail;
  }

  std::string base_url_;
  std::string name_;
};

}  // namespace tinysaga::testing
