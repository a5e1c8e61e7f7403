#include "tinysaga/contracts/topics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace tinysaga::contracts {
namespace {

TEST(Topics, EveryTopicIsListedOnce) {
  std::vector<std::string> topics = AllTopics();
  std::set<std::string> unique(topics.begin(), topics.end());
  EXPECT_EQ(unique.size(), topics.size());
  for (auto participant : {Participant::kOrder, Participant::kPayment, Participant::kInventory}) {
    EXPECT_TRUE(unique.contains(std::string(CommandTopic(participant))));
  }
  EXPECT_TRUE(unique.contains("saga.replies"));
  EXPECT_TRUE(unique.contains("payment.events"));
  EXPECT_EQ(CommandTopic(Participant::kPayment), "payment.commands");
}

}  // namespace
}  // namespace tinysaga::contracts

namespace tinysaga::contracts {
namespace {

TEST(Topics, InChoreographyRepliesAndEventsTravelOnTheirSendersEventsTopic) {
  EXPECT_EQ(ChoreographyTopicOf("PaymentCompleted"), kPaymentEventsTopic);
  EXPECT_EQ(ChoreographyTopicOf("Refunded"), kPaymentEventsTopic);
  EXPECT_EQ(ChoreographyTopicOf("StockReserved"), kInventoryEventsTopic);
  EXPECT_EQ(ChoreographyTopicOf("OutOfStock"), kInventoryEventsTopic);
  EXPECT_EQ(ChoreographyTopicOf("OrderCancelRequested"), kOrderEventsTopic);
  EXPECT_EQ(ChoreographyTopicOf("ReserveStock"), "");  // a command: the orchestrator's
  EXPECT_EQ(ChoreographyTopicOf("NoSuchType"), "");
}

}  // namespace
}  // namespace tinysaga::contracts
