#include "tinysaga/core/ids.h"

#include <gtest/gtest.h>

#include <set>

#include "tinysaga/core/rng.h"

namespace tinysaga {
namespace {

TEST(Ids, NamesFollowTheApiSyntax) {
  EXPECT_TRUE(IsValidName("alice_01-x"));
  EXPECT_TRUE(IsValidName(std::string(64, 'a')));
  EXPECT_FALSE(IsValidName(""));
  EXPECT_FALSE(IsValidName(std::string(65, 'a')));
  EXPECT_FALSE(IsValidName("a/b"));
  EXPECT_FALSE(IsValidName("a b"));
  EXPECT_FALSE(IsValidName("caf\xc3\xa9"));
}

TEST(Ids, NewIdsAreValidDistinctAndReplayableFromASeed) {
  SeededRng first(42), second(42);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("ord", first);
    EXPECT_TRUE(IsValidId(id));
    EXPECT_EQ(id, NewId("ord", second));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, StrongIdsCompareByValue) {
  EXPECT_EQ(OrderId("a"), OrderId("a"));
  EXPECT_NE(OrderId("a"), OrderId("b"));
}

}  // namespace
}  // namespace tinysaga
