#pragma once
// Shared by the wallet's tests: a real SQLite database in a fresh temporary directory,
// migrated with the wallet's schema, and helpers to build requests and read answers.
// With TINYSAGA_TEST_POSTGRES_URL set (postgresql://...), the same tests run on that
// PostgreSQL database instead; every test starts by emptying its public schema, so point it
// at a database of its own.

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tinysaga/http/message.h"
#include "tinysaga/storage/db.h"
#include "wallet/schema.h"

namespace tinysaga::wallet::testing {

class TempDb {
 public:
  TempDb() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    directory_ = std::filesystem::temp_directory_path() /
                 ("tinysaga_wallet_" + std::to_string(::getpid()) + "_" + test->test_suite_name() +
                  "_" + test->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    const char* postgres_url = std::getenv("TINYSAGA_TEST_POSTGRES_URL");
    const std::string url =
        postgres_url ? std::string(postgres_url) : "sqlite:" + (directory_ / "wallet.db").string();
    auto db = storage::Db::Open({.url = url, .sqlite_synchronous = "OFF"});
    EXPECT_TRUE(db.ok()) << db.error().detail;
    db_ = std::move(db).value();
    if (postgres_url) {
      auto emptied = db_->Write<int>([](soci::session& session) -> Result<int> {
        session << "DROP SCHEMA public CASCADE";
        session << "CREATE SCHEMA public";
        return 0;
      });
      EXPECT_TRUE(emptied.ok()) << emptied.error().detail;
    }
    auto migrated = db_->Migrate(schema::Migrations());
    EXPECT_TRUE(migrated.ok()) << migrated.error().detail;
  }
  ~TempDb() {
    db_.reset();
    std::filesystem::remove_all(directory_);
  }

  storage::Db& db() { return *db_; }

 private:
  std::filesystem::path directory_;
  std::unique_ptr<storage::Db> db_;
};

inline http::Request MakeRequest(std::string method, std::string path, std::string body = "") {
  http::Request request;
  request.method = std::move(method);
  request.target = path;
  request.path = std::move(path);
  request.body = std::move(body);
  return request;
}

inline nlohmann::json BodyOf(const http::Response& response) {
  return nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

// The problem+json type's last path segment: "not-found", "invalid-request", ...
inline std::string SlugOf(const http::Response& response) {
  const nlohmann::json body = BodyOf(response);
  if (!body.is_object() || !body.contains("type") || !body["type"].is_string()) return "<no type>";
  const std::string type = body["type"];
  return type.substr(type.rfind('/') + 1);
}

inline std::string DetailOf(const http::Response& response) {
  const nlohmann::json body = BodyOf(response);
  if (!body.is_object() || !body.contains("detail") || !body["detail"].is_string()) return "";
  return body["detail"];
}

}  // namespace tinysaga::wallet::testing
