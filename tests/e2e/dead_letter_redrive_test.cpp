// Issue 15's check "a message dead-lettered by a handler bug simulated with a dev fault switch,
// redriven after the switch is off, applied exactly once", in both saga modes, through real
// processes: Inventory's fault switch (POST /api/dev/faults/inventory) refuses reservations as
// unprocessable, so the message that asks for the order's reservation is dead-lettered
// (orchestration: the ReserveStock command; choreography: the PaymentCompleted event Inventory
// reacts to). The operator turns the switch off (the bug "fixed") and redrives it with the real
// `tinysaga dlq` CLI. What the redriven message does depends on what the saga did meanwhile:
//
// - redriven in time (before the saga stops waiting): the reservation is applied, once, and
//   the order is PLACED;
// - redriven after the saga gave up (orchestration: three ReserveStock attempts, each
//   dead-lettered, without an answer; choreography: Order's deadline on PAYMENT_DONE): the
//   order is FAILED, refunded, its (maybe) reservation released. The redriven reservations are
//   applied, once each, and take nothing: a release is an order's last word on stock
//   (services/inventory/README.md), so they are answered OutOfStock, which the finished saga
//   ignores. No second refund, no stock held.
//
// Either way: the stock changes once at most, the inventory ledger has at most one RESERVE for
// the order, redriving again changes nothing, and `tinysaga check` passes.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <set>
#include <string>
#include <vector>

#include "saga_flows.h"
#include "tinysaga/storage/db.h"
#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;

// The parameter is the saga mode. Each mode's tests share one `up`, started by the first.
class DeadLetterRedriveTest : public SharedUpTest<DeadLetterRedriveTest> {
 public:
  std::vector<std::string> UpArgs() {
    return {"--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"};
  }
  void Reset() { SwitchReservations(false); }  // every test leaves the switch off

 protected:
  void SwitchReservations(bool dead_letter) {
    auto switched =
        As("admin", "admin")
            .Post("/api/dev/faults/inventory", {{"deadLetterReservations", dead_letter}});
    ASSERT_EQ(switched.status, 200) << switched.raw;
    EXPECT_EQ(switched.body, (json{{"deadLetterReservations", dead_letter}}));
  }

  // Inventory's dead letters of `order_id` (the order id is the message key) in `state`,
  // oldest first.
  std::vector<json> DeadLettersOf(const std::string& order_id, const std::string& state) {
    std::vector<json> found;
    auto listed =
        As("admin", "admin").Get("/api/dead-letters?service=inventory&limit=100&state=" + state);
    EXPECT_EQ(listed.status, 200) << listed.raw;
    for (const json& item : listed.body.value("deadLetters", json::array())) {
      if (item.value("key", "") == order_id) found.insert(found.begin(), item);
    }
    return found;
  }

  // `tinysaga dlq VERB ID --reason REASON --url URL --token TOKEN`, as an operator types it.
  CheckResult Dlq(const std::string& verb, const std::string& id, const std::string& reason) {
    return RunTinysaga({"dlq", verb, id, "--reason", reason, "--url",
                        "http://" + up_->gateway().ToString(), "--token",
                        As("operator", "admin").token()});
  }

  // A number from Inventory's own database (the ledger and the inbox have no public API).
  int64_t InventoryCount(const std::string& sql, const std::string& parameter) {
    auto db = storage::Db::Open(
        {.url = storage::DbUrlFor(up_->db_template(), "inventory"), .pool_size = 1});
    EXPECT_TRUE(db.ok()) << db.error().detail;
    if (!db.ok()) return -1;
    auto count = (*db)->Read<int64_t>([&](soci::session& session) -> Result<int64_t> {
      int64_t value = 0;
      session << sql, soci::use(parameter), soci::into(value);
      return value;
    });
    EXPECT_TRUE(count.ok()) << count.error().detail;
    return count.ok() ? *count : -1;
  }
  int64_t Movements(const std::string& order_id, const std::string& kind) {
    return InventoryCount(
        "SELECT COUNT(*) FROM stock_movements WHERE order_id = :order_id AND "
        "kind = '" +
            kind + "'",
        order_id);
  }
  // True once Inventory's consumer applied the message (its inbox row is there again).
  bool Consumed(const std::string& message_id) {
    return InventoryCount("SELECT COUNT(*) FROM inbox WHERE message_id = :id", message_id) == 1;
  }

  // What the dead letter of a reservation looks like in this mode.
  void ExpectReservationDeadLetter(const json& dead_letter) {
    EXPECT_EQ(dead_letter.value("type", ""), Choreography() ? "PaymentCompleted" : "ReserveStock");
    EXPECT_EQ(dead_letter.value("topic", ""),
              Choreography() ? "payment.events" : "inventory.commands");
    EXPECT_EQ(dead_letter.value("consumer", ""),
              Choreography() ? "inventory.events" : "inventory.commands");
    EXPECT_NE(dead_letter.value("reason", "").find("unprocessable: simulated handler bug"),
              std::string::npos)
        << dead_letter.dump();
    EXPECT_TRUE(dead_letter["messageId"].is_string()) << dead_letter.dump();
  }
};

TEST_P(DeadLetterRedriveTest, RedrivenWhileTheSagaWaitsTheReservationIsAppliedOnce) {
  const Api admin = As("admin", "admin");
  const std::string product = NewProduct(admin, 1'500, 10);
  const std::string user = NewUser(admin, 10'000);
  const Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 2);

  SwitchReservations(true);
  ASSERT_EQ(Pay(api, order_id).status, 200);
  std::vector<json> open;
  ASSERT_TRUE(Eventually([&] { return !(open = DeadLettersOf(order_id, "open")).empty(); }))
      << "no dead letter for " << order_id;
  ExpectReservationDeadLetter(open.front());
  const std::string id = open.front()["id"];
  const std::string message_id = open.front()["messageId"];
  // The saga waits for the reservation: paid, nothing reserved.
  WaitForStatus(api, order_id, "PAYMENT_DONE");
  EXPECT_EQ(api.Get("/api/orders/" + order_id + "/saga").body.value("state", ""), "RUNNING");
  EXPECT_EQ(Stock(api, product), 10);

  SwitchReservations(false);
  const CheckResult redriven = Dlq("redrive", id, "reservation bug fixed");
  ASSERT_EQ(redriven.exit_code, 0) << redriven.output;
  EXPECT_NE(redriven.output.find("state: redriven"), std::string::npos) << redriven.output;
  EXPECT_NE(redriven.output.find("actionReason: reservation bug fixed"), std::string::npos)
      << redriven.output;

  WaitForStatus(api, order_id, "PLACED");
  WaitForSagaState(api, order_id, "COMPLETED");
  ASSERT_TRUE(Eventually([&] { return Consumed(message_id); })) << message_id;
  EXPECT_EQ(Stock(api, product), 8);
  EXPECT_EQ(Movements(order_id, "RESERVE"), 1);
  EXPECT_EQ(Balance(api, user), 7'000);
  EXPECT_EQ(Transactions(api, order_id), std::multiset<std::string>{"PAYMENT:COMPLETED:3000"});
  // Applied, not poison again: no new open row for that message.
  for (const json& again : DeadLettersOf(order_id, "open"))
    EXPECT_NE(again.value("messageId", ""), message_id) << again.dump();

  // Redriving again answers the row as it is and publishes nothing.
  const CheckResult twice = Dlq("redrive", id, "once more");
  ASSERT_EQ(twice.exit_code, 0) << twice.output;
  EXPECT_NE(twice.output.find("actionReason: reservation bug fixed"), std::string::npos)
      << twice.output;
  const json row = admin.Get("/api/dead-letters/" + id).body;
  EXPECT_EQ(row.value("state", ""), "redriven");
  EXPECT_EQ(row.value("actedBy", ""), "operator");
  // The other verb on a redriven row is refused; the CLI says so and exits 1.
  const CheckResult discard = Dlq("discard", id, "too late");
  EXPECT_EQ(discard.exit_code, 1) << discard.output;
  EXPECT_EQ(Stock(api, product), 8);
  EXPECT_EQ(Movements(order_id, "RESERVE"), 1);
}

TEST_P(DeadLetterRedriveTest, RedrivenAfterTheSagaGaveUpTheReservationTakesNothing) {
  const Api admin = As("admin", "admin");
  const std::string product = NewProduct(admin, 2'000, 10);
  const std::string user = NewUser(admin, 10'000);
  const Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);

  SwitchReservations(true);
  ASSERT_EQ(Pay(api, order_id).status, 200);
  // Orchestration sends ReserveStock three times (10 s reply deadline each), every one
  // dead-lettered, then compensates; choreography: Order's 30 s deadline on PAYMENT_DONE.
  // Bounded beyond WaitForStatus's minute: the three deadlines and their backoffs come close.
  json failed;
  ASSERT_TRUE(Eventually(
      [&] {
        failed = api.Get("/api/orders/" + order_id).body;
        return failed.value("status", "") == "FAILED";
      },
      std::chrono::minutes(2)))
      << failed.dump();
  EXPECT_EQ(failed.value("statusInfo", ""),
            Choreography() ? "no answer from inventory in time, payment refunded"
                           : "inventory service unavailable, payment refunded");
  ASSERT_TRUE(Eventually([&] { return Balance(api, user) == 10'000; }))
      << "balance " << Balance(api, user);
  EXPECT_EQ(Stock(api, product), 10);
  EXPECT_EQ(Movements(order_id, "RESERVE"), 0);
  EXPECT_EQ(Movements(order_id, "RELEASE"), 1);  // the release that gave up; delta 0

  const std::vector<json> open = DeadLettersOf(order_id, "open");
  ASSERT_EQ(open.size(), Choreography() ? 1u : 3u);
  std::set<std::string> message_ids;
  for (const json& dead_letter : open) {
    ExpectReservationDeadLetter(dead_letter);
    message_ids.insert(dead_letter.value("messageId", ""));
  }
  EXPECT_EQ(message_ids.size(), open.size()) << "each attempt is a message of its own";

  SwitchReservations(false);
  for (const json& dead_letter : open) {
    const CheckResult redriven = Dlq("redrive", dead_letter["id"], "reservation bug fixed");
    ASSERT_EQ(redriven.exit_code, 0) << redriven.output;
  }
  for (const std::string& message_id : message_ids)
    ASSERT_TRUE(Eventually([&] { return Consumed(message_id); })) << message_id;
  // Applied once each, and the release had the last word: nothing reserved, nothing open, the
  // order still FAILED, one refund.
  EXPECT_TRUE(DeadLettersOf(order_id, "open").empty());
  EXPECT_EQ(Movements(order_id, "RESERVE"), 0);
  EXPECT_EQ(Stock(api, product), 10);
  for (const json& dead_letter : open) {
    const CheckResult again = Dlq("redrive", dead_letter["id"], "once more");
    EXPECT_EQ(again.exit_code, 0) << again.output;
  }
  const json order = api.Get("/api/orders/" + order_id).body;
  EXPECT_EQ(order.value("status", ""), "FAILED");
  EXPECT_EQ(api.Get("/api/orders/" + order_id + "/saga").body.value("state", ""), "FAILED");
  EXPECT_EQ(Balance(api, user), 10'000);
  EXPECT_EQ(Transactions(api, order_id),
            (std::multiset<std::string>{"PAYMENT:REFUNDED:2000", "REFUND:COMPLETED:2000"}));
}

INSTANTIATE_TEST_SUITE_P(Orchestration, DeadLetterRedriveTest, ::testing::Values("orchestration"));
INSTANTIATE_TEST_SUITE_P(Choreography, DeadLetterRedriveTest, ::testing::Values("choreography"));

}  // namespace
}  // namespace tinysaga::e2e
