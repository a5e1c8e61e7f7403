// GET /api/sagas/definitions' body: read off the definitions that run.
#include "tinysaga/saga/definition_json.h"

#include <gtest/gtest.h>

#include "saga_test_helper.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::saga {
namespace {

using namespace sagas;  // NOLINT: the order sagas, the real definitions the rules are tested on

std::vector<std::string> Names(const nlohmann::json& definition, std::string_view field) {
  std::vector<std::string> names;
  for (const auto& step : definition["steps"]) {
    names.push_back(step[field].is_null() ? "-" : step[field].get<std::string>());
  }
  return names;
}

TEST(DefinitionJson, TheOrderSagaAsDeclared) {
  const nlohmann::json order = DefinitionJson(OrderSaga(), SagaMode::kChoreography);
  EXPECT_EQ(order["type"], "order");
  EXPECT_EQ(order["reversible"], true);
  EXPECT_NE(order["description"].get<std::string>().find("PaymentCompleted"), std::string::npos);
  EXPECT_EQ(Names(order, "name"),
            (std::vector<std::string>{"order", "charge_wallet", "reserve_stock", "order_placed"}));
  EXPECT_EQ(Names(order, "command"),
            (std::vector<std::string>{"-", "ChargeWallet", "ReserveStock", "MarkPlaced"}));
  EXPECT_EQ(Names(order, "participant"),
            (std::vector<std::string>{"-", "payment", "inventory", "order"}));

  const nlohmann::json& charge = order["steps"][1];
  EXPECT_EQ(charge["label"], "Charge the wallet");
  EXPECT_EQ(charge["replies"][1], (nlohmann::json{{"type", "PaymentDeclined"},
                                                  {"outcome", "FAILURE"},
                                                  {"reason", "insufficient funds"}}));
  EXPECT_EQ(charge["compensation"]["command"], "Refund");
  EXPECT_EQ(charge["compensation"]["label"], "Refund the payment");
  EXPECT_EQ(charge["compensation"]["participant"], "payment");
  EXPECT_FALSE(charge.contains("timeoutMs")) << "no engine applies timings in choreography";
  EXPECT_EQ(order["startFact"], "status:PAYMENT_PENDING");
  EXPECT_EQ(charge["facts"], (nlohmann::json{{"done", "PaymentCompleted"},
                                             {"failed", "PaymentFailed"},
                                             {"undone", "Refunded"},
                                             {"undoFailed", "RefundRefused"}}));

  const nlohmann::json& first = order["steps"][0];
  EXPECT_EQ(first["command"], nullptr);
  EXPECT_EQ(first["compensation"]["command"], "MarkFailed");
  EXPECT_EQ(order["steps"][2]["compensation"]["command"], "ReleaseStock");
  EXPECT_EQ(order["steps"][3]["compensation"], nullptr);
  for (const auto& step : order["steps"]) {
    EXPECT_EQ(step["parallelGroup"], nullptr) << step["name"] << ": the order saga has no group";
  }
  for (size_t i = 0; i + 1 < order["steps"].size(); ++i) {
    EXPECT_EQ(order["steps"][i]["abortable"], true) << order["steps"][i]["name"];
  }
  EXPECT_EQ(order["steps"].back()["name"], "order_placed");
  EXPECT_EQ(order["steps"].back()["abortable"], false) << "PLACED cannot be undone";
}

// A test saga whose order_on_way runs beside reserve_stock (saga_test_helper.h).
TEST(DefinitionJson, AParallelGroupIsNamedByItsFirstStep) {
  const nlohmann::json order =
      DefinitionJson(testing::OrderSagaWithParallelGroup(), SagaMode::kOrchestration);
  EXPECT_EQ(Names(order, "name"),
            (std::vector<std::string>{"order", "charge_wallet", "order_on_way", "reserve_stock",
                                      "order_placed"}));
  EXPECT_EQ(order["steps"][1]["parallelGroup"], nullptr);
  EXPECT_EQ(order["steps"][2]["parallelGroup"], 2);
  EXPECT_EQ(order["steps"][3]["parallelGroup"], 2);
  EXPECT_EQ(order["steps"][4]["parallelGroup"], nullptr);
}

TEST(DefinitionJson, OrchestrationShowsTheTimingsTheEngineApplies) {
  SagaTimings timings;
  timings.charge.timeout_ms = 1234;
  timings.must_finish.attempts_max = 7;
  const nlohmann::json all = DefinitionsJson(AllSagas(timings), SagaMode::kOrchestration);
  EXPECT_EQ(all["mode"], "orchestration");
  ASSERT_EQ(all["definitions"].size(), 2u);
  const nlohmann::json& charge = all["definitions"][0]["steps"][1];
  EXPECT_EQ(charge["timeoutMs"], 1234);
  EXPECT_EQ(charge["compensation"]["attemptsMax"], 7);
  EXPECT_EQ(charge["backoff"]["multiplier"], timings.charge.backoff.multiplier);

  EXPECT_FALSE(all["definitions"][0].contains("startFact")) << "facts are choreography's";
  EXPECT_FALSE(charge.contains("facts"));
  const nlohmann::json& cancel = all["definitions"][1];
  EXPECT_EQ(cancel["type"], "cancel");
  EXPECT_EQ(cancel["reversible"], false);
  EXPECT_EQ(Names(cancel, "command"),
            (std::vector<std::string>{"ReleaseStock", "Refund", "MarkCanceled"}));
}

TEST(DefinitionJson, ChoreographyHasNoEngineTimings) {
  const nlohmann::json all = DefinitionsJson(AllSagas(), SagaMode::kChoreography);
  EXPECT_EQ(all["mode"], "choreography");
  for (const auto& definition : all["definitions"]) {
    for (const auto& step : definition["steps"]) EXPECT_FALSE(step.contains("attemptsMax"));
  }
}

TEST(DefinitionRegistry, FindsEachSagaByType) {
  for (const SagaDefinition& definition : AllSagas()) {
    EXPECT_TRUE(CheckDefinition(definition).ok()) << definition.type;
    ASSERT_NE(DefaultDefinition(definition.type), nullptr);
    EXPECT_EQ(DefaultDefinition(definition.type)->steps.size(), definition.steps.size());
  }
  EXPECT_EQ(DefaultDefinition("refund"), nullptr);
}

}  // namespace
}  // namespace tinysaga::saga
