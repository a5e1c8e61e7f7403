#include "saga_flows.h"

#include <gtest/gtest.h>

#include <atomic>

namespace tinysaga::e2e {

using nlohmann::json;

std::string NewProduct(const Api& admin, int64_t price, int64_t stock) {
  static std::atomic<int> next{0};
  const std::string id = "saga-product-" + std::to_string(++next);
  EXPECT_EQ(admin
                .Post("/api/products", {{"productId", id},
                                        {"productName", "Test product " + id},
                                        {"productType", "test"},
                                        {"price", price}})
                .status,
            201);
  EXPECT_EQ(admin.Put("/api/products/" + id + "/stock", {{"availableCount", stock}}).status, 200);
  return id;
}

std::string NewUser(const Api& admin, std::optional<int64_t> balance) {
  static std::atomic<int> next{0};
  const std::string id = "saga-user-" + std::to_string(++next);
  if (balance) {
    EXPECT_EQ(
        admin.Post("/api/wallets/" + id + "/deposits", {{"amount", *balance}}, NewKey()).status,
        201);
  }
  return id;
}

std::string CreateOrder(const Api& api, const std::string& product, int64_t quantity) {
  auto created =
      api.Post("/api/orders", {{"productId", product}, {"quantity", quantity}}, NewKey());
  EXPECT_EQ(created.status, 201) << created.raw;
  return created.body.value("orderId", "");
}

Api::Reply Pay(const Api& api, const std::string& order_id, const std::string& key) {
  return api.Post("/api/payment", {{"orderId", order_id}}, key);
}

json WaitForStatus(const Api& api, const std::string& order_id, const std::string& status) {
  json order;
  const bool reached = Eventually([&] {
    auto reply = api.Get("/api/orders/" + order_id);
    order = reply.body;
    return reply.status == 200 && order.value("status", "") == status;
  });
  EXPECT_TRUE(reached) << "order " << order_id << " never became " << status << ": "
                       << order.dump();
  return order;
}

json WaitForSagaState(const Api& api, const std::string& order_id, const std::string& state) {
  json saga;
  const bool reached = Eventually([&] {
    auto reply = api.Get("/api/orders/" + order_id + "/saga");
    saga = reply.body;
    return reply.status == 200 && saga.value("state", "") == state;
  });
  EXPECT_TRUE(reached) << "saga of " << order_id << " never became " << state << ": "
                       << saga.dump();
  return saga;
}

int64_t Balance(const Api& api, const std::string& user_id) {
  auto wallet = api.Get("/api/wallets/" + user_id);
  return wallet.status == 200 ? wallet.body.value("balance", int64_t{-1}) : 0;
}

int64_t Stock(const Api& api, const std::string& product) {
  return api.Get("/api/products/" + product).body.value("availableProductCount", int64_t{-1});
}

std::multiset<std::string> Transactions(const Api& api, const std::string& order_id) {
  std::multiset<std::string> rows;
  for (const json& row : api.Get("/api/transactions?orderId=" + order_id)
                             .body.value("transactions", json::array())) {
    rows.insert(row.value("type", "") + ":" + row.value("paymentStatus", "") + ":" +
                std::to_string(row.value("amount", int64_t{-1})));
  }
  return rows;
}

}  // namespace tinysaga::e2e
