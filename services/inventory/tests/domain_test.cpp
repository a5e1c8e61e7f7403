// Pure rules of the inventory: product validation, stock arithmetic, query parsing.

#include <gtest/gtest.h>

#include "inventory/domain/product.h"
#include "inventory/domain/stock.h"
#include "inventory/domain/validation.h"
#include "tinysaga/core/query.h"

namespace tinysaga::inventory {
namespace {

NewProductRequest ValidRequest() {
  return NewProductRequest{
      .product_id = "keyboard-1",
      .product_name = "Keyboard",
      .product_type = "electronics",
      .price_cents = 4'999,
      .currency = std::nullopt,
  };
}

TEST(Utf8Length, CountsCodePointsNotBytes) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("\xC3\xA9t\xC3\xA9"), 3u);  // été
  EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);   // one emoji, four bytes
}

TEST(ValidateText, AcceptsOneToMaxCharacters) {
  EXPECT_TRUE(ValidateText("f", "a", 3).ok());
  EXPECT_TRUE(ValidateText("f", "abc", 3).ok());
  EXPECT_TRUE(ValidateText("f", "\xC3\xA9\xC3\xA9\xC3\xA9", 3).ok());  // 6 bytes, 3 characters
  EXPECT_FALSE(ValidateText("f", "", 3).ok());
  EXPECT_FALSE(ValidateText("f", "abcd", 3).ok());
}

TEST(ValidateText, RejectsControlCharacters) {
  for (std::string text : {std::string("a\nb"), std::string("a\0b", 3), std::string("\x7f"),
                           std::string("tab\there")}) {
    auto result = ValidateText("productName", text, 100);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().detail.find("productName"), std::string::npos);
  }
}

TEST(ParseQueryInteger, DefaultWhenAbsentAndStrictDigitsOtherwise) {
  EXPECT_EQ(ParseQueryInteger("quantity", std::nullopt, 1, 10, 1).value(), 1);
  EXPECT_EQ(ParseQueryInteger("quantity", "7", 1, 10, 1).value(), 7);
  EXPECT_EQ(ParseQueryInteger("quantity", "0010", 1, 10, 1).value(), 10);
  for (const char* text : {"", "0", "11", "-1", "+1", " 1", "1 ", "1.0", "1e3", "abc", "0x1",
                           "99999999999999999999999"}) {
    auto result = ParseQueryInteger("quantity", std::string(text), 1, 10, 1);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code, Errc::kInvalidRequest);
    EXPECT_NE(result.error().detail.find("quantity"), std::string::npos);
  }
}

TEST(ValidateNewProduct, BuildsAProductWithNoStock) {
  auto product = ValidateNewProduct(ValidRequest(), ProductId("prd_generated"), 1'000);
  ASSERT_TRUE(product.ok()) << product.error().detail;
  EXPECT_EQ(product->product_id.value(), "keyboard-1");
  EXPECT_EQ(product->price.cents(), 4'999);
  EXPECT_EQ(product->price.currency(), "USD");
  EXPECT_EQ(product->available_count, 0);
  EXPECT_EQ(product->created_at_ms, 1'000);
}

TEST(ValidateNewProduct, UsesTheGeneratedIdWhenNoneIsGiven) {
  auto request = ValidRequest();
  request.product_id.reset();
  request.currency = "EUR";
  auto product = ValidateNewProduct(request, ProductId("prd_generated"), 1'000);
  ASSERT_TRUE(product.ok());
  EXPECT_EQ(product->product_id.value(), "prd_generated");
  EXPECT_EQ(product->price.currency(), "EUR");
}

TEST(ValidateNewProduct, AcceptsTheBoundaries) {
  auto request = ValidRequest();
  request.product_id = std::string(64, 'a');
  request.product_name = std::string(kProductNameCharactersMax, 'n');
  request.product_type = std::string(kProductTypeCharactersMax, 't');
  request.price_cents = Money::kAmountCentsMax;
  EXPECT_TRUE(ValidateNewProduct(request, ProductId("x"), 0).ok());
  request.price_cents = 0;
  EXPECT_TRUE(ValidateNewProduct(request, ProductId("x"), 0).ok());
}

TEST(ValidateNewProduct, RejectsEachBadFieldByName) {
  struct Case {
    const char* field;
    void (*spoil)(NewProductRequest&);
  };
  const Case cases[] = {
      {"productId", [](NewProductRequest& r) { r.product_id = ""; }},
      {"productId", [](NewProductRequest& r) { r.product_id = std::string(65, 'a'); }},
      {"productId", [](NewProductRequest& r) { r.product_id = "a/b"; }},
      {"productId", [](NewProductRequest& r) { r.product_id = "caf\xC3\xA9"; }},
      {"productName", [](NewProductRequest& r) { r.product_name = ""; }},
      {"productName",
       [](NewProductRequest& r) {
         r.product_name = std::string(kProductNameCharactersMax + 1, 'n');
       }},
      {"productType", [](NewProductRequest& r) { r.product_type = ""; }},
      {"productType",
       [](NewProductRequest& r) {
         r.product_type = std::string(kProductTypeCharactersMax + 1, 't');
       }},
      {"price", [](NewProductRequest& r) { r.price_cents = -1; }},
      {"price", [](NewProductRequest& r) { r.price_cents = Money::kAmountCentsMax + 1; }},
      {"currency", [](NewProductRequest& r) { r.currency = "usd"; }},
      {"currency", [](NewProductRequest& r) { r.currency = "USDX"; }},
      {"currency", [](NewProductRequest& r) { r.currency = ""; }},
  };
  for (const auto& test_case : cases) {
    auto request = ValidRequest();
    test_case.spoil(request);
    auto result = ValidateNewProduct(request, ProductId("prd_x"), 0);
    ASSERT_FALSE(result.ok()) << test_case.field;
    EXPECT_EQ(result.error().code, Errc::kInvalidRequest);
    EXPECT_NE(result.error().detail.find(test_case.field), std::string::npos)
        << result.error().detail;
  }
}

TEST(MovementKind, NamesRoundTrip) {
  for (auto kind : {MovementKind::kInitial, MovementKind::kRestock, MovementKind::kAdjust,
                    MovementKind::kReserve, MovementKind::kRelease}) {
    EXPECT_EQ(ParseMovementKind(MovementKindName(kind)), kind);
  }
  EXPECT_FALSE(ParseMovementKind("restock").has_value());
}

TEST(SetAvailableCount, RaiseIsRestockAndFallIsAdjust) {
  auto up = SetAvailableCount(5, 12).value();
  EXPECT_EQ(up.available_count, 12);
  EXPECT_EQ(up.delta, 7);
  EXPECT_EQ(up.kind, MovementKind::kRestock);
  auto down = SetAvailableCount(12, 0).value();
  EXPECT_EQ(down.delta, -12);
  EXPECT_EQ(down.kind, MovementKind::kAdjust);
  auto same = SetAvailableCount(3, 3).value();
  EXPECT_EQ(same.delta, 0);
  EXPECT_EQ(SetAvailableCount(0, kAvailableCountMax).value().delta, kAvailableCountMax);
}

TEST(SetAvailableCount, RejectsOutOfRangeTargets) {
  EXPECT_EQ(SetAvailableCount(0, -1).error().code, Errc::kInvalidRequest);
  EXPECT_EQ(SetAvailableCount(0, kAvailableCountMax + 1).error().code, Errc::kInvalidRequest);
  EXPECT_EQ(SetAvailableCount(0, INT64_MAX).error().code, Errc::kInvalidRequest);
}

TEST(Reserve, TakesStockOrSaysOutOfStock) {
  auto change = Reserve(10, 10).value();
  EXPECT_EQ(change.available_count, 0);
  EXPECT_EQ(change.delta, -10);
  EXPECT_EQ(change.kind, MovementKind::kReserve);
  EXPECT_EQ(Reserve(9, 10).error().code, Errc::kOutOfStock);
  EXPECT_EQ(Reserve(0, 1).error().code, Errc::kOutOfStock);
  EXPECT_EQ(Reserve(10, 0).error().code, Errc::kInvalidRequest);
  EXPECT_EQ(Reserve(10, -1).error().code, Errc::kInvalidRequest);
  EXPECT_EQ(Reserve(INT64_MAX, kQuantityMax + 1).error().code, Errc::kInvalidRequest);
}

TEST(Release, GivesStockBackWithoutOverflow) {
  auto change = Release(kAvailableCountMax, 5).value();
  EXPECT_EQ(change.available_count, kAvailableCountMax + 5);
  EXPECT_EQ(change.delta, 5);
  EXPECT_EQ(change.kind, MovementKind::kRelease);
  EXPECT_EQ(Release(INT64_MAX, 1).error().code, Errc::kUnprocessable);
  EXPECT_EQ(Release(0, 0).error().code, Errc::kInvalidRequest);
}

TEST(IsAvailable, ComparesCountAndQuantity) {
  EXPECT_TRUE(IsAvailable(3, 3));
  EXPECT_FALSE(IsAvailable(2, 3));
  EXPECT_FALSE(IsAvailable(3, 0));
}

TEST(StockConservation, MovementsSumToTheCount) {
  int64_t count = 0;
  int64_t sum = 0;
  auto apply = [&](const StockChange& change) {
    count = change.available_count;
    sum += change.delta;
  };
  apply(SetAvailableCount(count, 50).value());
  apply(Reserve(count, 20).value());
  apply(SetAvailableCount(count, 10).value());
  apply(Release(count, 20).value());
  apply(Reserve(count, 30).value());
  EXPECT_EQ(count, 0);
  EXPECT_EQ(sum, count);
}

}  // namespace
}  // namespace tinysaga::inventory
