// The dev fault switch that simulates a handler bug: who may turn it on, what it accepts, and
// what it does to the message handlers (reservations poison, nothing written; releases as
// ever), in both saga modes' handlers.

#include "inventory/handlers/inventory_faults.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <string>

#include "inventory/handlers/inventory_commands.h"
#include "inventory/handlers/inventory_events.h"
#include "stock_fixture.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/testing/http.h"

namespace tinysaga::inventory {
namespace {

using nlohmann::json;
using platform::Caller;
using platform::CallerRole;
using testing::BodyOf;
using testing::MakeRequest;

const Caller kAnonymous{};
const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kService{CallerRole::kService, ""};

class InventoryFaultsTest : public StockFixture {
 protected:
  http::Response Switch(InventoryFaults& faults, const std::string& body,
                        const Caller& caller = kAdmin) {
    return faults.PostFaults(MakeRequest("POST", "/api/dev/faults/inventory", body), caller);
  }

  // Applies `message` with `handler` in one transaction, as the inbox consumer does.
  Result<void> Apply(const platform::MessageHandler& handler, const contracts::Message& message) {
    auto applied = db_.db().Write<int>([&](soci::session& s) -> Result<int> {
      TS_RETURN_IF_ERROR(handler(s, message));
      return 0;
    });
    if (!applied.ok()) return applied.error();
    return Ok();
  }

  contracts::Message Reserve(const std::string& order_id) {
    return NewMessage("cmd_", order_id, contracts::ReserveStock{ProductId("p1"), 2},
                      SagaId("sag_1"));
  }
  contracts::Message Release(const std::string& order_id) {
    return NewMessage("cmd_", order_id, contracts::ReleaseStock{ProductId("p1"), 2},
                      SagaId("sag_1"));
  }

  int64_t Movements() { return db_.Count("SELECT COUNT(*) FROM stock_movements"); }

  InventoryFaults faults_{/*dev_mode=*/true};
};

TEST_F(InventoryFaultsTest, WhileOnEveryReservationIsPoisonAndWritesNothingReleasesStillWork) {
  const platform::MessageHandler handler =
      InventoryCommandHandler(clock_, rng_, contracts::kSagaRepliesTopic, &faults_);
  auto on = Switch(faults_, R"({"deadLetterReservations": true})");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(BodyOf(on), (json{{"deadLetterReservations", true}}));

  const int64_t movements = Movements();
  auto refused = Apply(handler, Reserve("ord_1"));
  ASSERT_FALSE(refused.ok());
  // Not retryable: the inbox consumer dead-letters it rather than trying again.
  EXPECT_EQ(refused.error().code, Errc::kUnprocessable);
  EXPECT_FALSE(refused.error().Retryable());
  EXPECT_NE(refused.error().detail.find("dev fault switch"), std::string::npos);
  EXPECT_EQ(Available(), 10);
  EXPECT_EQ(Movements(), movements);
  EXPECT_TRUE(Outbox(contracts::kSagaRepliesTopic).empty());

  // A compensation is not a reservation: the saga can still give the stock back.
  ASSERT_TRUE(Apply(handler, Release("ord_2")).ok());
  EXPECT_EQ(Outbox(contracts::kSagaRepliesTopic).size(), 1u);

  // Off: the same order's reservation (the redriven message, say) is applied, once.
  ASSERT_EQ(Switch(faults_, R"({"deadLetterReservations": false})", kService).status, 200);
  ASSERT_TRUE(Apply(handler, Reserve("ord_1")).ok());
  ASSERT_TRUE(Apply(handler, Reserve("ord_1")).ok());
  EXPECT_EQ(Available(), 8);
}

TEST_F(InventoryFaultsTest, InChoreographyThePaymentCompletedThatAsksForTheReservationIsPoison) {
  const platform::MessageHandler handler = InventoryEventHandler(clock_, rng_, &faults_);
  ASSERT_EQ(Switch(faults_, R"({"deadLetterReservations": true})").status, 200);
  const contracts::Message paid =
      NewMessage("evt_", "ord_1",
                 contracts::PaymentCompleted{UserId("alice"), *Money::FromCents(300),
                                             TransactionId("txn_1"), ProductId("p1"), 2},
                 SagaId());
  auto refused = Apply(handler, paid);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kUnprocessable);
  EXPECT_EQ(Available(), 10);
  EXPECT_TRUE(Outbox(contracts::kInventoryEventsTopic).empty());

  ASSERT_EQ(Switch(faults_, R"({"deadLetterReservations": false})").status, 200);
  ASSERT_TRUE(Apply(handler, paid).ok());
  EXPECT_EQ(Available(), 8);
}

TEST_F(InventoryFaultsTest, TheSwitchIsForAdminsAndServicesInDevModeOnly) {
  EXPECT_EQ(Switch(faults_, R"({"deadLetterReservations": true})", kAlice).status, 403);
  EXPECT_EQ(Switch(faults_, R"({"deadLetterReservations": true})", kAnonymous).status, 401);
  for (const std::string& body :
       {std::string(""), std::string("{}"), std::string(R"({"deadLetterReservations": 1})"),
        std::string(R"({"deadLetterReservations": "true"})"),
        std::string(R"({"deadLetterReservations": null})"),
        std::string(R"({"deadLetterReservations": true, "x": 1})"), std::string("[true]"),
        std::string("{not json")}) {
    auto refused = Switch(faults_, body);
    EXPECT_EQ(refused.status, 400) << body;
    EXPECT_EQ(testing::SlugOf(refused), "invalid-request") << body;
  }
  EXPECT_TRUE(faults_.AdmitReservation().ok());  // none of those switched it on

  InventoryFaults production(/*dev_mode=*/false);
  EXPECT_EQ(Switch(production, R"({"deadLetterReservations": true})").status, 404);
  EXPECT_TRUE(production.AdmitReservation().ok());
}

}  // namespace
}  // namespace tinysaga::inventory
