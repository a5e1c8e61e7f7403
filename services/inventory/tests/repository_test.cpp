// The inventory's SQL against a real SQLite file: stock changes with their movements, and the
// reserve/release functions the order saga will use (idempotent by order id).

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <thread>

#include "inventory/inventory_repository.h"
#include "inventory/schema.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::inventory {
namespace {

using testing::TestDb;

constexpr TimestampMs kNowMs = 1'767'225'600'000;

class InventoryRepositoryTest : public ::testing::Test {
 protected:
  template <typename Work>
  auto Write(Work work) {
    using R = decltype(work(std::declval<soci::session&>()));
    using T = std::remove_cvref_t<decltype(std::declval<R>().value())>;
    return db_.db().Write<T>(work);
  }

  void SetUp() override {
    auto product = ValidateNewProduct(
        {.product_id = "p1", .product_name = "Pen", .product_type = "office", .price_cents = 150},
        ProductId(), kNowMs);
    ASSERT_TRUE(product.ok());
    ASSERT_TRUE(Write([&](soci::session& s) -> Result<int> {
                  TS_RETURN_IF_ERROR(InsertProduct(s, *product));
                  TS_RETURN_IF_ERROR(SetStock(s, ProductId("p1"), 10, kNowMs));
                  return 0;
                }).ok());
  }

  int64_t Available() {
    return Write([](soci::session& s) { return FindProduct(s, ProductId("p1")); })
        .value()
        ->available_count;
  }
  int64_t Sum() {
    return Write([](soci::session& s) { return SumOfMovements(s, ProductId("p1")); }).value();
  }
  Result<StockReservation> Reserve(const char* order, int64_t quantity,
                                   const char* product = "p1") {
    return Write([&](soci::session& s) {
      return ReserveStock(s, OrderId(order), ProductId(product), quantity, kNowMs);
    });
  }
  Result<StockReservation> Release(const char* order, const char* product = "p1") {
    return Write([&](soci::session& s) {
      return ReleaseStock(s, OrderId(order), ProductId(product), kNowMs);
    });
  }

  TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
};

TEST_F(InventoryRepositoryTest, InsertingAnExistingIdIsAConflict) {
  auto again = ValidateNewProduct(
      {.product_id = "p1", .product_name = "Other", .product_type = "x", .price_cents = 1},
      ProductId(), kNowMs);
  auto result = Write([&](soci::session& s) -> Result<int> {
    TS_RETURN_IF_ERROR(InsertProduct(s, *again));
    return 0;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kConflict);
  EXPECT_EQ(
      Write([](soci::session& s) { return FindProduct(s, ProductId("p1")); }).value()->product_name,
      "Pen");
}

TEST_F(InventoryRepositoryTest, SetStockOfAnUnknownProductIsNotFound) {
  auto result = Write([](soci::session& s) { return SetStock(s, ProductId("nope"), 5, kNowMs); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kNotFound);
}

TEST_F(InventoryRepositoryTest, ListIsOrderedByIdAndBounded) {
  for (const char* id : {"c", "a", "b"}) {
    auto product = ValidateNewProduct(
        {.product_id = id, .product_name = "n", .product_type = "t", .price_cents = 1}, ProductId(),
        kNowMs);
    ASSERT_TRUE(Write([&](soci::session& s) -> Result<int> {
                  TS_RETURN_IF_ERROR(InsertProduct(s, *product));
                  return 0;
                }).ok());
  }
  auto all = Write([](soci::session& s) { return ListProducts(s, 10); }).value();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].product_id.value(), "a");
  EXPECT_EQ(all[3].product_id.value(), "p1");
  EXPECT_EQ(Write([](soci::session& s) { return ListProducts(s, 2); }).value().size(), 2u);
}

TEST_F(InventoryRepositoryTest, ReserveTakesStockOncePerOrder) {
  auto first = Reserve("ord_1", 4);
  ASSERT_TRUE(first.ok()) << first.error().detail;
  EXPECT_EQ(first->outcome, StockOutcome::kApplied);
  EXPECT_EQ(Available(), 6);
  auto again = Reserve("ord_1", 4);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, StockOutcome::kAlreadyApplied);
  EXPECT_EQ(again->quantity, 4);
  EXPECT_EQ(Available(), 6);
  EXPECT_EQ(Sum(), Available());
}

TEST_F(InventoryRepositoryTest, ReserveWithOtherTermsForTheSameOrderIsAConflict) {
  ASSERT_TRUE(Reserve("ord_1", 4).ok());
  EXPECT_EQ(Reserve("ord_1", 5).error().code, Errc::kConflict);
  EXPECT_EQ(Available(), 6);
}

TEST_F(InventoryRepositoryTest, OutOfStockAndUnknownProductWriteNothing) {
  EXPECT_EQ(Reserve("ord_1", 11).error().code, Errc::kOutOfStock);
  EXPECT_EQ(Reserve("ord_2", 1, "ghost").error().code, Errc::kNotFound);
  EXPECT_EQ(Reserve("ord_3", 0).error().code, Errc::kInvalidRequest);
  EXPECT_EQ(Available(), 10);
  EXPECT_EQ(Sum(), 10);
  // The order may still reserve once stock is there.
  EXPECT_TRUE(Reserve("ord_1", 10).ok());
  EXPECT_EQ(Available(), 0);
}

TEST_F(InventoryRepositoryTest, ReleaseGivesBackOnce) {
  ASSERT_TRUE(Reserve("ord_1", 4).ok());
  auto released = Release("ord_1");
  ASSERT_TRUE(released.ok()) << released.error().detail;
  EXPECT_EQ(released->outcome, StockOutcome::kApplied);
  EXPECT_EQ(released->product_id.value(), "p1");
  EXPECT_EQ(Available(), 10);
  auto again = Release("ord_1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, StockOutcome::kAlreadyApplied);
  EXPECT_EQ(Available(), 10);
  EXPECT_EQ(Sum(), 10);
  // A released order cannot reserve again.
  EXPECT_EQ(Reserve("ord_1", 4).error().code, Errc::kConflict);
}

TEST_F(InventoryRepositoryTest, ReleaseWithoutReservationChangesNoStockButClosesTheOrder) {
  auto released = Release("ord_never");
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(released->outcome, StockOutcome::kNothingReserved);
  EXPECT_EQ(Available(), 10);
  EXPECT_EQ(Sum(), 10);
  EXPECT_EQ(Release("ord_never")->outcome, StockOutcome::kNothingReserved);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM stock_movements WHERE order_id = 'ord_never'"), 1);
  // A reserve that comes after the release (late, or replayed) takes nothing.
  EXPECT_EQ(Reserve("ord_never", 1).error().code, Errc::kConflict);
  EXPECT_EQ(Available(), 10);
  // An unknown product needs no closing row (and could not have one: foreign key).
  EXPECT_EQ(Release("ord_ghost", "ghost")->outcome, StockOutcome::kNothingReserved);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM stock_movements WHERE order_id = 'ord_ghost'"), 0);
}

TEST_F(InventoryRepositoryTest, StockIsConservedAcrossEveryKindOfChange) {
  ASSERT_TRUE(Reserve("ord_1", 3).ok());
  ASSERT_TRUE(Write([](soci::session& s) { return SetStock(s, ProductId("p1"), 2, kNowMs); }).ok());
  ASSERT_TRUE(Release("ord_1").ok());
  ASSERT_TRUE(Reserve("ord_2", 5).ok());
  EXPECT_EQ(Available(), 0);
  EXPECT_EQ(Sum(), Available());
}

TEST_F(InventoryRepositoryTest, ConcurrentReservationsAndStockTakesConserveStock) {
  ASSERT_TRUE(
      Write([](soci::session& s) { return SetStock(s, ProductId("p1"), 50, kNowMs); }).ok());
  constexpr int kThreads = 4;
  constexpr int kOrdersPerThread = 15;
  std::atomic<int> reserved{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOrdersPerThread; ++i) {
        const std::string order = "ord_" + std::to_string(t) + "_" + std::to_string(i);
        if (Reserve(order.c_str(), 1).ok()) ++reserved;
        if (t == 0 && i % 5 == 0) {
          (void)Write([](soci::session& s) { return SetStock(s, ProductId("p1"), 40, kNowMs); });
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_GT(reserved.load(), 0);
  EXPECT_GE(Available(), 0);
  EXPECT_EQ(Sum(), Available());
}

}  // namespace
}  // namespace tinysaga::inventory
