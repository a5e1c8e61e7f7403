#include "tinysaga/core/breaks.h"

#include <gtest/gtest.h>

namespace tinysaga {
namespace {

TEST(Breaks, NothingIsBrokenUnlessTheSimulatorSaysSo) {
  for (Break which : AllBreaks()) EXPECT_FALSE(IsBroken(which)) << BreakName(which);
}

TEST(Breaks, AScopeBreaksOneMechanismAndRestoresEveryOne) {
  {
    ScopedBreakForSimulation scope(Break::kStaleReplyCheckOff);
    EXPECT_TRUE(IsBroken(Break::kStaleReplyCheckOff));
    EXPECT_FALSE(IsBroken(Break::kInboxDedupOff));
    EXPECT_FALSE(IsBroken(Break::kOutboxOutsideTransaction));
    EXPECT_FALSE(IsBroken(Break::kVoidOfUnseenDebitSkipped));
  }
  for (Break which : AllBreaks()) EXPECT_FALSE(IsBroken(which)) << BreakName(which);
}

TEST(Breaks, AScopeStartsFromNoBreakAtAll) {
  BreakForSimulation(Break::kInboxDedupOff);  // left over by a run that did not clean up
  {
    ScopedBreakForSimulation scope(std::nullopt);
    for (Break which : AllBreaks()) EXPECT_FALSE(IsBroken(which)) << BreakName(which);
  }
  ClearBreaksForSimulation();
}

TEST(Breaks, EveryBreakHasAUniqueNameThatParsesBack) {
  ASSERT_EQ(AllBreaks().size(), 4u);
  for (Break which : AllBreaks()) {
    ASSERT_TRUE(BreakNamed(BreakName(which)).has_value()) << BreakName(which);
    EXPECT_EQ(*BreakNamed(BreakName(which)), which);
  }
  EXPECT_EQ(BreakNamed("outbox-outside-tx"), Break::kOutboxOutsideTransaction);
  EXPECT_FALSE(BreakNamed("seatbelts-off").has_value());
  EXPECT_FALSE(BreakNamed("").has_value());
}

}  // namespace
}  // namespace tinysaga
