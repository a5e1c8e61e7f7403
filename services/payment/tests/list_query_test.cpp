#include "payment/domain/list_query.h"

#include <gtest/gtest.h>

namespace tinysaga::payment {
namespace {

TransactionQueryParams Params(std::optional<std::string> user_id,
                              std::optional<std::string> order_id = {},
                              std::optional<std::string> limit = {}) {
  return TransactionQueryParams{std::move(user_id), std::move(order_id), std::move(limit)};
}

TEST(ResolveQuery, AUserListsTheirOwnWithTheirWallet) {
  auto query = ResolveQuery(false, "alice", Params({}));
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->user_id, UserId("alice"));
  EXPECT_FALSE(query->order_id.has_value());
  EXPECT_EQ(query->limit, kListLimitDefault);
  EXPECT_TRUE(query->include_wallet);
  EXPECT_TRUE(ResolveQuery(false, "alice", Params("alice")).ok());
}

TEST(ResolveQuery, AUserNamingSomeoneElseGetsNotFound) {
  auto query = ResolveQuery(false, "alice", Params("bob"));
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error().code, Errc::kNotFound);
}

TEST(ResolveQuery, AnOrderFilterNarrowsToPaymentRowsOfTheCaller) {
  auto query = ResolveQuery(false, "alice", Params({}, "ord_1"));
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->user_id, UserId("alice"));
  EXPECT_EQ(query->order_id, OrderId("ord_1"));
  EXPECT_FALSE(query->include_wallet);  // deposits have no order
}

TEST(ResolveQuery, AdminsListEveryoneOrOneUser) {
  auto everyone = ResolveQuery(true, "root", Params({}));
  ASSERT_TRUE(everyone.ok());
  EXPECT_FALSE(everyone->user_id.has_value());
  EXPECT_FALSE(everyone->include_wallet);
  auto bob = ResolveQuery(true, "root", Params("bob", {}, "10"));
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->user_id, UserId("bob"));
  EXPECT_EQ(bob->limit, 10);
  EXPECT_TRUE(bob->include_wallet);
  auto order = ResolveQuery(true, "", Params({}, "ord_9"));
  ASSERT_TRUE(order.ok());
  EXPECT_FALSE(order->include_wallet);
}

TEST(ResolveQuery, MalformedParametersAreInvalidRequests) {
  for (const auto& params :
       {Params("bad/id"), Params(std::string(65, 'u')), Params({}, "ord 1"),
        Params({}, std::string(65, 'o')), Params({}, {}, "0"), Params({}, {}, "201"),
        Params({}, {}, "-5"), Params({}, {}, "5x"), Params({}, {}, "1000"), Params({}, {}, "")}) {
    for (bool privileged : {false, true}) {
      auto query = ResolveQuery(privileged, "alice", params);
      ASSERT_FALSE(query.ok());
      EXPECT_EQ(query.error().code, Errc::kInvalidRequest);
    }
  }
  EXPECT_EQ(ResolveQuery(false, "alice", Params({}, {}, "200"))->limit, 200);
}

}  // namespace
}  // namespace tinysaga::payment
