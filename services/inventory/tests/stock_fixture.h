#pragma once
// What the inventory message-handler tests share: a migrated Inventory DB (TestDb: SQLite, or
// PostgreSQL when the environment names one) holding product p1 with 10 units, a manual
// clock, a seeded rng, messages made now, and readers for p1's stock and the outbox.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <string>
#include <string_view>
#include <vector>

#include "inventory/inventory_repository.h"
#include "inventory/schema.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/testing/outbox.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::inventory {

class StockFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto product = ValidateNewProduct(
        {.product_id = "p1", .product_name = "Pen", .product_type = "office", .price_cents = 150},
        ProductId(), clock_.NowMs());
    ASSERT_TRUE(product.ok());
    ASSERT_TRUE(db_.db()
                    .Write<int>([&](soci::session& s) -> Result<int> {
                      TS_RETURN_IF_ERROR(InsertProduct(s, *product));
                      TS_RETURN_IF_ERROR(SetStock(s, ProductId("p1"), 10, clock_.NowMs()));
                      return 0;
                    })
                    .ok());
  }

  // A message made now, with id `id_prefix` and a count; each call is a new message (new id).
  contracts::Message NewMessage(std::string_view id_prefix, const std::string& order_id,
                                contracts::Payload payload, SagaId saga_id) {
    return contracts::Message{
        contracts::Envelope{.message_id = std::string(id_prefix) + std::to_string(++message_count_),
                            .saga_id = std::move(saga_id),
                            .order_id = OrderId(order_id),
                            .time_ms = clock_.NowMs()},
        std::move(payload)};
  }

  // Every message in the outbox on `topic`, oldest first, parsed (so each one is valid).
  std::vector<contracts::Message> Outbox(std::string_view topic) {
    return ::tinysaga::testing::ReadOutbox(db_.db(), topic);
  }

  // The units of p1 available now.
  int64_t Available() {
    return db_.Count("SELECT available_count FROM products WHERE product_id = 'p1'");
  }

  ::tinysaga::testing::TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
  ManualClock clock_;
  SeededRng rng_{7};
  int message_count_ = 0;
};

}  // namespace tinysaga::inventory
