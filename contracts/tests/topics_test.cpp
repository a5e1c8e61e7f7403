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
