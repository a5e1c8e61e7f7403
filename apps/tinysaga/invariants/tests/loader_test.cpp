// The loader and the command's entry point on real SQLite databases, migrated with each
// service's own migrations, holding a few rows written with SQL.

#include "tinysaga/invariants/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "inventory/schema.h"
#include "orchestrator/schema.h"
#include "order/schema.h"
#include "payment/schema.h"
#include "tinysaga/bus/tables.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/invariants/check.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/saga/state_json.h"
#include "tinysaga/sagas/order_sagas.h"
#include "tinysaga/storage/db.h"
#include "tinysaga/testing/postgres_schema.h"
#include "tinysaga/testing/temp_dir.h"
#include "wallet/schema.h"

namespace tinysaga::invariants {
namespace {

using ::testing::HasSubstr;

// One PLACED order (o1: 2 mugs for 1000 cents, paid by alice, order saga completed) and one
// INITIATED order (o2), as the services would have written them.
const std::map<std::string, std::vector<std::string>> kRows = {
    {"order",
     {"INSERT INTO orders (order_id, user_id, product_id, quantity, price_cents, currency, "
      "status, status_info, created_at_ms, updated_at_ms) VALUES "
      "('o1', 'alice', 'mug', 2, 1000, 'USD', 'PLACED', 'placed', 1, 4), "
      "('o2', 'bob', 'mug', 1, 500, 'USD', 'INITIATED', 'created', 1, 1)",
      "INSERT INTO outbox (message_id, topic, message_key, payload, created_at_ms, sent_at_ms) "
      "VALUES ('m1', 'order.events', 'o1', '{}', 4, 5)"}},
    {"payment",
     {"INSERT INTO transactions (transaction_id, user_id, order_id, type, payment_status, "
      "amount_cents, currency, description, created_at_ms, updated_at_ms) VALUES "
      "('txn_p1', 'alice', 'o1', 'PAYMENT', 'COMPLETED', 1000, 'USD', 'Payment', 2, 2)"}},
    {"wallet",
     {"INSERT INTO wallets (user_id, balance_cents, currency, created_at_ms, updated_at_ms) "
      "VALUES ('alice', 9000, 'USD', 1, 2)",
      "INSERT INTO wallet_ledger (entry_id, user_id, entry_type, amount_cents, currency, "
      "order_id, operation_id, description, created_at_ms) VALUES "
      "('txn_d1', 'alice', 'DEPOSIT', 10000, 'USD', NULL, NULL, 'Deposit', 1), "
      "('txn_w1', 'alice', 'DEBIT', 1000, 'USD', 'o1', 'debit:o1', 'Payment', 2)"}},
    {"inventory",
     {"INSERT INTO products (product_id, product_name, product_type, price_cents, currency, "
      "available_count, created_at_ms, updated_at_ms) VALUES "
      "('mug', 'Mug', 'kitchen', 500, 'USD', 8, 1, 3)",
      "INSERT INTO stock_movements (product_id, delta, kind, order_id, created_at_ms) VALUES "
      "('mug', 0, 'INITIAL', NULL, 1), ('mug', 10, 'RESTOCK', NULL, 1), "
      "('mug', -2, 'RESERVE', 'o1', 3)"}},
    {"orchestrator",
     {"INSERT INTO sagas (saga_id, saga_type, order_id, status, state_json, deadline_ms, "
      "version, created_at_ms, updated_at_ms) VALUES "
      "('sag_1', 'order', 'o1', 'COMPLETED', '{}', NULL, 5, 2, 4)"}},
};

std::vector<storage::Migration> OwnMigrationsOf(const std::string& service) {
  if (service == "order") return order::schema::Migrations();
  if (service == "payment") return payment::schema::Migrations();
  if (service == "wallet") return wallet::schema::Migrations();
  if (service == "inventory") return inventory::schema::Migrations();
  return orchestrator::schema::Migrations();
}

// As platform::RunService migrates: the service's tables and the bus's.
std::vector<storage::Migration> MigrationsOf(const std::string& service) {
  std::vector<storage::Migration> migrations = OwnMigrationsOf(service);
  for (storage::Migration& table : bus::Migrations()) migrations.push_back(std::move(table));
  return migrations;
}

enum class Backend { kSqlite, kPostgres };

void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

// The databases of one test: SQLite files in a fresh directory, or, with
// TINYSAGA_TEST_POSTGRES_URL naming a scratch PostgreSQL database, one schema per service in
// it (named loader_<pid>_<n>_<service>, chosen by search_path; dropped after the test).
class LoaderFixture : public ::testing::Test {
 protected:
  void UseBackend(Backend backend) {
    if (backend == Backend::kSqlite) {
      template_ = "sqlite:" + directory_.path().string();
      return;
    }
    const char* url = tinysaga::testing::PostgresTestUrl();
    if (url == nullptr) GTEST_SKIP() << "TINYSAGA_TEST_POSTGRES_URL is not set";
    const std::string prefix = tinysaga::testing::UniqueSchemaName("loader");
    template_ = tinysaga::testing::WithSearchPath(url, prefix + "_{service}");
    for (const auto& [service, statements] : kRows) {
      schemas_.push_back(
          std::make_unique<tinysaga::testing::PostgresSchema>(url, prefix + "_" + service));
    }
  }
  void TearDown() override { databases_.clear(); }  // before the schemas are dropped

  const std::string& Template() const { return template_; }

  // Creates and migrates every service's database (the Saga DB only when asked), with the
  // rows of kRows.
  void CreateDatabases(bool with_orchestrator = true) {
    for (const auto& [service, statements] : kRows) {
      if (service == "orchestrator" && !with_orchestrator) continue;
      auto db = storage::Db::Open(storage::DbOptions{.url = storage::DbUrlFor(Template(), service),
                                                     .pool_size = 1,
                                                     .sqlite_synchronous = "OFF"});
      ASSERT_TRUE(db.ok()) << db.error().detail;
      auto migrated = (*db)->Migrate(MigrationsOf(service));
      ASSERT_TRUE(migrated.ok()) << migrated.error().detail;
      databases_[service] = std::move(db).value();
      for (const std::string& statement : statements) Execute(service, statement);
    }
  }

  void Execute(const std::string& service, const std::string& sql) {
    auto done = databases_.at(service)->Write<int>([&](soci::session& session) -> Result<int> {
      session << sql;
      return 0;
    });
    ASSERT_TRUE(done.ok()) << sql << ": " << done.error().detail;
  }

  Report CheckOk(bool settled = true) {
    auto report = Check(CheckOptions{.db_url_template = Template(), .settled = settled});
    EXPECT_TRUE(report.ok()) << report.error().detail;
    return report.ok() ? std::move(report).value() : Report{};
  }

  std::pair<int, std::string> Run() {
    std::ostringstream out;
    const int exit_code = RunCheck(CheckOptions{.db_url_template = Template()}, out);
    return {exit_code, out.str()};
  }

  tinysaga::testing::TempDir directory_;
  std::vector<std::unique_ptr<tinysaga::testing::PostgresSchema>> schemas_;
  std::string template_;
  std::map<std::string, std::unique_ptr<storage::Db>> databases_;
};

// Runs on SQLite, and on PostgreSQL when a scratch database is given.
class LoaderTest : public LoaderFixture, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override { UseBackend(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Backends, LoaderTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

// What only SQLite files can show: missing files are not created.
class SqliteLoaderTest : public LoaderFixture {
 protected:
  void SetUp() override { UseBackend(Backend::kSqlite); }
};

std::string Text(const Report& report) {
  std::ostringstream out;
  PrintReport(report, out);
  return out.str();
}

TEST_P(LoaderTest, ConsistentDatabasesPass) {
  CreateDatabases();
  const Report report = CheckOk();
  EXPECT_TRUE(report.ok()) << Text(report);
  EXPECT_EQ(report.summary.orders_by_status.at("PLACED"), 1);
  EXPECT_EQ(report.summary.orders_by_status.at("INITIATED"), 1);
  EXPECT_EQ(report.summary.balances_cents, 9'000);
  EXPECT_EQ(report.summary.payments_kept_cents, 1'000);
  EXPECT_EQ(report.summary.stock_taken, 2);
  EXPECT_TRUE(report.summary.sagas_checked);
  EXPECT_EQ(report.summary.sagas_by_type_and_status.at("order COMPLETED"), 1);
  ASSERT_EQ(report.summary.outboxes.size(), 5u);

  const auto [exit_code, output] = Run();
  EXPECT_EQ(exit_code, kCheckPassed) << output;
  EXPECT_THAT(output, HasSubstr("databases: "));
  EXPECT_THAT(output, HasSubstr("OK: every invariant holds"));
}

TEST_P(LoaderTest, ViolationIsPrintedAndExitsWithOne) {
  CreateDatabases();
  Execute("wallet", "UPDATE wallets SET balance_cents = 9500 WHERE user_id = 'alice'");
  const auto [exit_code, output] = Run();
  EXPECT_EQ(exit_code, kCheckViolations) << output;
  EXPECT_THAT(output, HasSubstr("VIOLATION wallet-ledger wallet alice: balance is 9500 cents but "
                                "its ledger sums to 9000 cents"));
}

TEST_P(LoaderTest, UnsentOutboxRowIsAViolationOnlyWhenSettled) {
  CreateDatabases();
  Execute("payment",
          "INSERT INTO outbox (message_id, topic, message_key, payload, "
          "created_at_ms, sent_at_ms) VALUES ('m2', 'payment.events', 'o1', '{}', "
          "1767225600000, NULL)");
  const Report settled = CheckOk();
  ASSERT_EQ(settled.violations.size(), 1u) << Text(settled);
  EXPECT_EQ(settled.violations[0].kind, ViolationKind::kOutboxNotDrained);
  EXPECT_EQ(settled.violations[0].subject, "outbox payment");
  EXPECT_THAT(settled.violations[0].message,
              HasSubstr("oldest written at 2026-01-01T00:00:00.000Z"));
  EXPECT_TRUE(CheckOk(/*settled=*/false).ok());
}

TEST_P(LoaderTest, CancelRequestAndQueuedRefundKeepAnOrderInFlight) {
  CreateDatabases();
  Execute("order", "UPDATE orders SET cancel_requested_at_ms = 5 WHERE order_id = 'o1'");
  Execute("payment",
          "INSERT INTO refund_requests (order_id, user_id, command_id, command, "
          "attempts, next_attempt_at_ms, created_at_ms) VALUES "
          "('o1', 'alice', 'cmd_1', '{}', 1, 6, 5)");
  const Report report = CheckOk();
  ASSERT_EQ(report.violations.size(), 1u) << Text(report);
  EXPECT_EQ(report.violations[0].kind, ViolationKind::kInFlight);
  EXPECT_THAT(report.violations[0].message,
              HasSubstr("a refund waits for the wallet; a cancel was requested but the order is "
                        "still PLACED; order saga sag_1 is COMPLETED"));
}

TEST_P(LoaderTest, ARefundTheWalletRefusedIsReportedNotWaitedFor) {
  CreateDatabases();
  Execute("payment",
          "INSERT INTO refund_requests (order_id, user_id, command_id, command, attempts, "
          "next_attempt_at_ms, created_at_ms, refused_reason) VALUES "
          "('o1', 'alice', 'cmd_1', '{}', 1, 6, 5, 'wallet answered HTTP 422')");
  const Report report = CheckOk();
  ASSERT_EQ(report.violations.size(), 1u) << Text(report);
  EXPECT_EQ(report.violations[0].kind, ViolationKind::kRefundRefused);
  EXPECT_EQ(report.violations[0].subject, "order o1");
  EXPECT_THAT(report.violations[0].message, HasSubstr("(wallet answered HTTP 422)"));
}

// The stored state of o1's cancel saga run by the engine: the stock released, then a refund
// the wallet refused for good, so it GAVE_UP.
std::string GaveUpCancelSagaJson() {
  const saga::SagaDefinition cancel = sagas::CancelSaga();
  const sagas::OrderSagaData data{UserId("alice"), Money::FromCents(1000).value(), ProductId("mug"),
                                  2};
  auto decision = saga::Start(
      cancel, saga::SagaStart{SagaId("sag_2"), OrderId("o1"), data.ToJson(), "", std::nullopt}, 10);
  EXPECT_TRUE(decision.ok());
  SeededRng rng(1);
  for (contracts::Payload reply : {contracts::Payload(contracts::StockReleased{}),
                                   contracts::Payload(contracts::RefundRefused{"HTTP 422"})}) {
    *decision = saga::OnReply(
        cancel, decision->state,
        platform::ReplyTo(decision->commands.front().message, std::move(reply), 11, rng), 11);
  }
  EXPECT_EQ(decision->state.status, saga::SagaStatus::kGaveUp);
  return saga::SagaStateToJson(decision->state).dump();
}

TEST_P(LoaderTest, ASagaThatGaveUpIsReportedWithTheStepItCouldNotFinish) {
  CreateDatabases();
  Execute("orchestrator",
          "INSERT INTO sagas (saga_id, saga_type, order_id, status, state_json, deadline_ms, "
          "version, created_at_ms, updated_at_ms) VALUES ('sag_2', 'cancel', 'o1', 'GAVE_UP', '" +
              GaveUpCancelSagaJson() + "', NULL, 3, 10, 11)");
  const Report report = CheckOk();
  const auto gave_up = std::find_if(
      report.violations.begin(), report.violations.end(),
      [](const Violation& violation) { return violation.kind == ViolationKind::kSagaGaveUp; });
  ASSERT_NE(gave_up, report.violations.end()) << Text(report);
  EXPECT_EQ(gave_up->subject, "saga sag_2");
  EXPECT_EQ(gave_up->message,
            "cancel saga for order o1 gave up, for an operator: refund (FAILED): refund refused "
            "by the wallet");
  EXPECT_EQ(Run().first, 1);
}

TEST_P(LoaderTest, DebitThatWentThroughAfterItsVoidIsReported) {
  CreateDatabases();
  Execute("wallet",
          "INSERT INTO voided_operations (operation_id, voided_by, user_id, "
          "order_id, at_ms) VALUES ('debit:o1', 'refund:o1', 'alice', 'o1', 1)");
  const Report report = CheckOk();
  ASSERT_EQ(report.violations.size(), 1u) << Text(report);
  EXPECT_EQ(report.violations[0].kind, ViolationKind::kVoidedDebit);
  EXPECT_EQ(report.violations[0].subject, "order o1");
  EXPECT_EQ(report.summary.voided_operations, 1);
}

TEST_P(LoaderTest, FailureReasonIsShownWithAFailedPayment) {
  CreateDatabases();
  Execute("payment",
          "UPDATE transactions SET payment_status = 'FAILED', "
          "failure_reason = 'UNAVAILABLE' WHERE order_id = 'o1'");
  Execute("order", "UPDATE orders SET status = 'FAILED' WHERE order_id = 'o1'");
  Execute("inventory", "DELETE FROM stock_movements WHERE kind = 'RESERVE'");
  Execute("inventory", "UPDATE products SET available_count = 10");
  Execute("orchestrator", "UPDATE sagas SET status = 'FAILED'");
  const Report report = CheckOk();
  EXPECT_EQ(report.violations.size(), 2u) << Text(report);  // net charge, money not conserved
  EXPECT_THAT(Text(report), HasSubstr("PAYMENT txn_p1 (FAILED UNAVAILABLE, 1000 cents), so it "
                                      "must be 0 cents: a debit that went through unseen was "
                                      "not voided"));
}

TEST_F(SqliteLoaderTest, WithoutASagaDbTheSagaChecksAreSkipped) {
  CreateDatabases(/*with_orchestrator=*/false);
  const Report report = CheckOk();
  EXPECT_TRUE(report.ok()) << Text(report);
  EXPECT_FALSE(report.summary.sagas_checked);
  EXPECT_THAT(Text(report), HasSubstr("sagas: not checked (no orchestrator database at " +
                                      directory_.path().string() +
                                      "/orchestrator.db; choreography mode has none)"));
  EXPECT_FALSE(std::filesystem::exists(directory_.path() / "orchestrator.db"));
}

TEST_F(SqliteLoaderTest, MissingDatabaseIsAnErrorAndNothingIsCreated) {
  const auto missing = Check(CheckOptions{.db_url_template = Template()});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_THAT(missing.error().detail,
              HasSubstr("no order database at " + directory_.path().string() + "/order.db"));
  EXPECT_TRUE(std::filesystem::is_empty(directory_.path()));

  std::ostringstream out;
  const std::string nowhere = "sqlite:" + (directory_.path() / "nowhere").string();
  EXPECT_EQ(RunCheck(CheckOptions{.db_url_template = nowhere}, out), kCheckUnreadable);
  EXPECT_THAT(out.str(), HasSubstr("tinysaga check: cannot read the databases: no order database"));
  EXPECT_TRUE(std::filesystem::is_empty(directory_.path()));
}

TEST_F(SqliteLoaderTest, DatabaseThatWasNeverMigratedIsAnError) {
  CreateDatabases();
  databases_.clear();
  std::filesystem::remove(directory_.path() / "payment.db");
  auto empty = storage::Db::Open(
      storage::DbOptions{.url = storage::DbUrlFor(Template(), "payment"), .pool_size = 1});
  ASSERT_TRUE(empty.ok());
  const auto report = Check(CheckOptions{.db_url_template = Template()});
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.error().detail, HasSubstr("the payment database has no table transactions"));
}

TEST(Check, RejectsAMissingTemplate) {
  std::ostringstream out;
  EXPECT_EQ(RunCheck(CheckOptions{}, out), kCheckUnreadable);
  EXPECT_THAT(out.str(), HasSubstr("pass --data DIR or --db URL-TEMPLATE"));
}

TEST(Check, DoesNotPrintAPostgresPassword) {
  std::ostringstream out;
  // Port 1 refuses at once; what matters here is the first line.
  (void)RunCheck(
      CheckOptions{.db_url_template = "postgresql://user:secret@127.0.0.1:1/tinysaga_{service}"},
      out);
  EXPECT_THAT(out.str(), HasSubstr("databases: postgresql://user@127.0.0.1:1/tinysaga_{service}"));
  EXPECT_THAT(out.str(), ::testing::Not(HasSubstr("secret")));
}

}  // namespace
}  // namespace tinysaga::invariants
