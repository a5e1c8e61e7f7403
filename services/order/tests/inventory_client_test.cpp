#include "order/inventory_client.h"

#include <gtest/gtest.h>

namespace tinysaga::order {
namespace {

const ProductId kApple("prd_apple");

TEST(ParseProduct, ReadsInventorysProductJson) {
  auto product = ParseProduct(
      R"({"productId": "prd_apple", "productName": "Apple", "productType": "fruit", "price": 250,
          "currency": "USD", "availableProductCount": 7})",
      kApple);
  ASSERT_TRUE(product.ok()) << product.error().detail;
  EXPECT_EQ(product->product_id, kApple);
  EXPECT_EQ(product->price_cents, 250);
  EXPECT_EQ(product->currency, "USD");
  EXPECT_EQ(product->available_count, 7);
}

TEST(ParseProduct, AnythingElseIsABrokenPeerNotABadRequest) {
  for (
      const char* body : {
          "",
          "{",
          "[]",
          R"({"productId": "prd_pear", "price": 1, "currency": "USD", "availableProductCount": 1})",
          R"({"productId": "prd_apple", "price": "1", "currency": "USD", "availableProductCount": 1})",
          R"({"productId": "prd_apple", "price": 1.5, "currency": "USD", "availableProductCount": 1})",
          R"({"productId": "prd_apple", "price": 1, "availableProductCount": 1})",
          R"({"productId": "prd_apple", "price": 1, "currency": "USD"})",
          R"({"productId": "prd_apple", "price": 18446744073709551615, "currency": "USD", "availableProductCount": 1})",
      }) {
    auto product = ParseProduct(body, kApple);
    ASSERT_FALSE(product.ok()) << body;
    EXPECT_EQ(product.error().code, Errc::kUnavailable) << body;
  }
}

TEST(InventoryClient, WithoutInstancesIsUnavailable) {
  http::Client client;
  InventoryClient inventory(client, {}, "secret");
  auto product = inventory.GetProduct(kApple);
  ASSERT_FALSE(product.ok());
  EXPECT_EQ(product.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tinysaga::order
