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

TEST(Ids, TheIdsOfOneRngSortInTheOrderTheyWereMade) {
  SeededRng rng(7);
  std::string previous = NewId("msg", rng);
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("msg", rng);
    EXPECT_LT(previous, id);
    previous = std::move(id);
  }
}

TEST(Ids, TwoRngsStartTheirSequencesApart) {
  SeededRng first(1), second(2);
  const std::string a = NewId("ord", first);
  const std::string b = NewId("ord", second);
  // The first 16 digits are each Rng's random start.
  EXPECT_NE(a.substr(0, 20), b.substr(0, 20));
}

TEST(Ids, RandomHexIsThatManyHexDigitsAndReplayableFromASeed) {
  SeededRng first(42), second(42);
  for (size_t digits : {0u, 1u, 16u, 17u, 40u, 64u}) {
    const std::string hex = RandomHex(first, digits);
    EXPECT_EQ(hex.size(), digits);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    EXPECT_EQ(hex, RandomHex(second, digits));
  }
  EXPECT_NE(RandomHex(first, 40), RandomHex(first, 40));
}

TEST(Ids, StrongIdsCompareByValue) {
  EXPECT_EQ(OrderId("a"), OrderId("a"));
  EXPECT_NE(OrderId("a"), OrderId("b"));
}

}  // namespace
}  // namespace tinysaga
