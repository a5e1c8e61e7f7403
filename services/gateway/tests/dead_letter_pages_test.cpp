#include "gateway/domain/dead_letter_pages.h"

#include <gtest/gtest.h>

namespace tinysaga::gateway {
namespace {

nlohmann::json Item(const std::string& service, int64_t id, int64_t at_ms) {
  return {{"id", service + ":" + std::to_string(id)},
          {"service", service},
          {"deadLetteredAtMs", at_ms}};
}

TEST(DeadLetterPagesTest, TheServiceComesFromTheIdOfASingleDeadLetter) {
  EXPECT_EQ(DeadLetterService("/api/dead-letters/payment:3"), "payment");
  EXPECT_EQ(DeadLetterService("/api/dead-letters/order:12/redrive"), "order");
  EXPECT_EQ(DeadLetterService("/api/dead-letters/order:12/discard"), "order");
  EXPECT_EQ(DeadLetterService("/api/dead-letters/order:12/explode"), std::nullopt);
  EXPECT_EQ(DeadLetterService("/api/dead-letters/12"), std::nullopt);
  EXPECT_EQ(DeadLetterService("/api/dead-letters/:12"), std::nullopt);
  EXPECT_EQ(DeadLetterService("/api/orders/x"), std::nullopt);
}

TEST(DeadLetterPagesTest, MergesNewestFirstByTimeServiceAndIdAndCutsAtTheLimit) {
  const nlohmann::json order = {{"deadLetters", {Item("order", 2, 300), Item("order", 1, 100)}},
                                {"nextCursor", nullptr}};
  const nlohmann::json payment = {
      {"deadLetters", {Item("payment", 9, 300), Item("payment", 8, 200)}}, {"nextCursor", nullptr}};
  const nlohmann::json all = MergeDeadLetterPages({order, payment}, 10);
  std::vector<std::string> ids;
  for (const auto& item : all["deadLetters"]) ids.push_back(item["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"payment:9", "order:2", "payment:8", "order:1"}));
  EXPECT_TRUE(all["nextCursor"].is_null());

  const nlohmann::json page = MergeDeadLetterPages({order, payment}, 2);
  EXPECT_EQ(page["deadLetters"].size(), 2u);
  EXPECT_EQ(page["nextCursor"], "300_order_2");
  // A service with more than its page gives a cursor even when the merge fits.
  nlohmann::json more = payment;
  more["nextCursor"] = "200_payment_8";
  EXPECT_EQ(MergeDeadLetterPages({more}, 10)["nextCursor"], "200_payment_8");
  EXPECT_TRUE(MergeDeadLetterPages({}, 10)["deadLetters"].empty());
}

}  // namespace
}  // namespace tinysaga::gateway
