// The inventory's endpoints, called directly with hand-made requests on a real SQLite file.
// Every bad request is checked for its status and problem type, and for changing nothing.

#include "inventory/handlers/inventory_api.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "inventory/domain/stock.h"
#include "inventory/schema.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/testing/http.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::inventory {
namespace {

using platform::Caller;
using platform::CallerRole;
using testing::BodyOf;
using testing::DetailOf;
using testing::MakeRequest;
using testing::SlugOf;
using testing::TestDb;

const Caller kAnonymous{};
const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kService{CallerRole::kService, ""};

class InventoryApiTest : public ::testing::Test {
 protected:
  http::Response Post(const std::string& body, const Caller& caller = kAdmin) {
    return api_.PostProduct(MakeRequest("POST", "/api/products", body), caller);
  }
  http::Response Get(const std::string& product_id, const Caller& caller = kAnonymous) {
    auto request = MakeRequest("GET", "/api/products/" + product_id);
    request.path_params["productId"] = product_id;
    return api_.GetProduct(request, caller);
  }
  http::Response Availability(const std::string& product_id,
                              std::optional<std::string> quantity = std::nullopt) {
    auto request = MakeRequest("GET", "/api/products/" + product_id + "/availability");
    request.path_params["productId"] = product_id;
    if (quantity) request.query["quantity"] = *quantity;
    return api_.GetAvailability(request, kAnonymous);
  }
  http::Response PutStock(const std::string& product_id, const std::string& body,
                          const Caller& caller = kAdmin) {
    auto request = MakeRequest("PUT", "/api/products/" + product_id + "/stock", body);
    request.path_params["productId"] = product_id;
    return api_.PutStock(request, caller);
  }
  void CreatePen(int64_t available_count = 0) {
    ASSERT_EQ(Post(R"({"productId":"pen","productName":"Pen","productType":"office","price":150})")
                  .status,
              201);
    if (available_count > 0) {
      ASSERT_EQ(
          PutStock("pen", R"({"availableCount":)" + std::to_string(available_count) + "}").status,
          200);
    }
  }

  // Every row of both tables, as text: equal snapshots mean nothing changed.
  std::string Snapshot() {
    return db_.db()
        .Read<std::string>([](soci::session& session) -> Result<std::string> {
          std::string text;
          std::string row;
          soci::statement select =
              (session.prepare << "SELECT product_id || '|' || product_name || '|' || "
                                  "product_type || '|' || price_cents || '|' || currency || '|' || "
                                  "available_count || '|' || updated_at_ms FROM products "
                                  "ORDER BY product_id",
               soci::into(row));
          select.execute();
          while (select.fetch()) text += row + '\n';
          long long movements = 0;
          session << "SELECT COUNT(*) FROM stock_movements", soci::into(movements);
          return text + "movements=" + std::to_string(movements);
        })
        .value();
  }

  std::vector<std::pair<std::string, int64_t>> Movements(const std::string& product_id) {
    return db_.db()
        .Read<std::vector<std::pair<std::string, int64_t>>>(
            [&](soci::session& session) -> Result<std::vector<std::pair<std::string, int64_t>>> {
              std::string kind;
              long long delta = 0;
              soci::statement select =
                  (session.prepare << "SELECT kind, delta FROM stock_movements "
                                      "WHERE product_id = :product_id ORDER BY id",
                   soci::into(kind), soci::into(delta), soci::use(product_id, "product_id"));
              select.execute();
              std::vector<std::pair<std::string, int64_t>> movements;
              while (select.fetch()) movements.emplace_back(kind, delta);
              return movements;
            })
        .value();
  }

  TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
  ManualClock clock_;
  SeededRng rng_{42};
  InventoryApi api_{db_.db(), clock_, rng_};
};

// --- GET /api/products -----------------------------------------------------------------------

TEST_F(InventoryApiTest, ListIsEmptyAtFirst) {
  auto response = api_.GetProducts(MakeRequest("GET", "/api/products"), kAnonymous);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyOf(response), nlohmann::json::parse(R"({"products": []})"));
}

TEST_F(InventoryApiTest, ListIsOrderedByProductIdForEveryone) {
  for (const char* id : {"zebra", "apple", "Mango"}) {
    ASSERT_EQ(Post(std::string(R"({"productName":"n","productType":"t","price":1,"productId":")") +
                   id + "\"}")
                  .status,
              201);
  }
  for (const Caller& caller : {kAnonymous, kAlice, kAdmin}) {
    auto body = BodyOf(api_.GetProducts(MakeRequest("GET", "/api/products"), caller));
    ASSERT_EQ(body["products"].size(), 3u);
    EXPECT_EQ(body["products"][0]["productId"], "Mango");  // byte order: capitals first
    EXPECT_EQ(body["products"][1]["productId"], "apple");
    EXPECT_EQ(body["products"][2]["productId"], "zebra");
  }
}

// --- POST /api/products ----------------------------------------------------------------------

TEST_F(InventoryApiTest, AdminCreatesAProductWithNoStock) {
  auto response = Post(R"({"productId":"pen","productName":"Pen","productType":"office",
                            "price":150,"currency":"EUR"})");
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.Header("Location"), "/api/products/pen");
  EXPECT_EQ(BodyOf(response), nlohmann::json::parse(R"({"productId":"pen","productName":"Pen",
      "productType":"office","price":150,"currency":"EUR","availableProductCount":0})"));
  EXPECT_EQ(BodyOf(Get("pen")), BodyOf(response));
  EXPECT_EQ(Movements("pen"), (std::vector<std::pair<std::string, int64_t>>{{"INITIAL", 0}}));
}

TEST_F(InventoryApiTest, GeneratesAnIdAndDefaultsTheCurrency) {
  auto response = Post(R"({"productName":"Pen","productType":"office","price":0})");
  ASSERT_EQ(response.status, 201) << response.body;
  const std::string id = BodyOf(response)["productId"];
  EXPECT_TRUE(id.starts_with("prd_")) << id;
  EXPECT_TRUE(IsValidName(id));
  EXPECT_EQ(BodyOf(response)["currency"], "USD");
  EXPECT_EQ(Get(id).status, 200);
}

TEST_F(InventoryApiTest, ServiceCallersMayCreate) {
  EXPECT_EQ(Post(R"({"productName":"Pen","productType":"office","price":1})", kService).status,
            201);
}

TEST_F(InventoryApiTest, AcceptsLimitsMeasuredInCharacters) {
  std::string name;
  for (int i = 0; i < 200; ++i) name += "\xC3\xA9";  // 200 characters, 400 bytes
  auto response = Post(R"({"productName":")" + name + R"(","productType":"t","price":)" +
                       std::to_string(Money::kAmountCentsMax) + "}");
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(BodyOf(response)["productName"], name);
}

TEST_F(InventoryApiTest, CreatingRequiresAdmin) {
  CreatePen();
  const std::string before = Snapshot();
  const std::string body = R"({"productName":"Pen","productType":"office","price":1})";
  auto anonymous = Post(body, kAnonymous);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(SlugOf(anonymous), "unauthorized");
  auto user = Post(body, kAlice);
  EXPECT_EQ(user.status, 403);
  EXPECT_EQ(SlugOf(user), "forbidden");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(InventoryApiTest, AnExistingIdIsAConflictAndKeepsTheOriginal) {
  CreatePen(5);
  const std::string before = Snapshot();
  auto response =
      Post(R"({"productId":"pen","productName":"Other","productType":"x","price":999})");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(SlugOf(response), "conflict");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(BodyOf(Get("pen"))["productName"], "Pen");
}

TEST_F(InventoryApiTest, EveryBadBodyIsA400NamingTheProblemAndChangesNothing) {
  CreatePen(3);
  const std::string before = Snapshot();
  struct Case {
    std::string body;
    std::string detail_mentions;
  };
  const std::string valid_tail = R"("productType":"t","price":1})";
  const std::vector<Case> cases = {
      {"{", "JSON"},
      {"[1,2]", "object"},
      {R"("text")", "object"},
      {R"({"productName":"n","productType":"t","price":1} trailing)", "JSON"},
      {"", "productName"},
      {"{}", "productName"},
      {R"({"productName":"n","productType":"t","price":1,"availableProductCount":5})",
       "availableProductCount"},
      {R"({"productName":"n","productType":"t","price":1,"admin":true})", "admin"},
      {R"({"productType":"t","price":1})", "productName"},
      {R"({"productName":"n","price":1})", "productType"},
      {R"({"productName":"n","productType":"t"})", "price"},
      {R"({"productName":null,"productType":"t","price":1})", "productName"},
      {R"({"productName":5,)" + valid_tail, "productName"},
      {R"({"productName":["n"],)" + valid_tail, "productName"},
      {R"({"productName":"n","productType":{},"price":1})", "productType"},
      {R"({"productName":"n","productType":"t","price":"100"})", "price"},
      {R"({"productName":"n","productType":"t","price":1.5})", "price"},
      {R"({"productName":"n","productType":"t","price":1.0})", "price"},
      {R"({"productName":"n","productType":"t","price":true})", "price"},
      {R"({"productName":"n","productType":"t","price":-1})", "price"},
      {R"({"productName":"n","productType":"t","price":100000000000001})", "price"},
      {R"({"productName":"n","productType":"t","price":18446744073709551616})", "price"},
      {R"({"productName":"n","productType":"t","price":1e30})", "price"},
      {R"({"productName":"","productType":"t","price":1})", "productName"},
      {R"({"productName":")" + std::string(201, 'n') + "\"," + valid_tail, "productName"},
      {R"({"productName":"n","productType":")" + std::string(101, 't') + R"(","price":1})",
       "productType"},
      {R"({"productName":"line\nbreak",)" + valid_tail, "productName"},
      {R"({"productName":"nul\u0000",)" + valid_tail, "productName"},
      {"{\"productName\":\"bad \xff\xfe utf8\"," + valid_tail, "UTF-8"},
      {"{\"productName\":\"cut \xC3\"," + valid_tail, "UTF-8"},
      {R"({"productName":"n","productId":"",)" + valid_tail, "productId"},
      {R"({"productName":"n","productId":"has space",)" + valid_tail, "productId"},
      {R"({"productName":"n","productId":"a/b",)" + valid_tail, "productId"},
      {R"({"productName":"n","productId":")" + std::string(65, 'a') + "\"," + valid_tail,
       "productId"},
      {R"({"productName":"n","productId":7,)" + valid_tail, "productId"},
      {R"({"productName":"n","currency":"usd",)" + valid_tail, "currency"},
      {R"({"productName":"n","currency":"DOLLARS",)" + valid_tail, "currency"},
      {R"({"productName":"n","currency":840,)" + valid_tail, "currency"},
  };
  for (const Case& test_case : cases) {
    auto response = Post(test_case.body);
    EXPECT_EQ(response.status, 400) << test_case.body << " -> " << response.body;
    EXPECT_EQ(SlugOf(response), "invalid-request") << test_case.body;
    EXPECT_NE(DetailOf(response).find(test_case.detail_mentions), std::string::npos)
        << test_case.body << " -> " << DetailOf(response);
  }
  EXPECT_EQ(Snapshot(), before);
}

// --- GET /api/products/{productId} -----------------------------------------------------------

TEST_F(InventoryApiTest, GetReturnsTheProductWithItsStock) {
  CreatePen(7);
  auto response = Get("pen", kAlice);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(BodyOf(response)["availableProductCount"], 7);
  EXPECT_EQ(BodyOf(response)["price"], 150);
}

TEST_F(InventoryApiTest, UnknownAndInvalidIdsAreNotFound) {
  CreatePen();
  for (const std::string& id : {std::string("ghost"), std::string("PEN"), std::string("a b"),
                                std::string("../pen"), std::string(65, 'p'), std::string(""),
                                std::string("p\xC3\xA9n"), std::string("pen\0", 4)}) {
    auto response = Get(id);
    EXPECT_EQ(response.status, 404) << id;
    EXPECT_EQ(SlugOf(response), "not-found") << id;
    EXPECT_EQ(Availability(id).status, 404) << id;
  }
}

// --- GET /api/products/{productId}/availability ----------------------------------------------

TEST_F(InventoryApiTest, AvailabilityComparesTheQuantityWithTheStock) {
  CreatePen(3);
  auto one = Availability("pen");
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(BodyOf(one),
            nlohmann::json::parse(R"({"productId":"pen","available":true,"availableCount":3})"));
  EXPECT_EQ(BodyOf(Availability("pen", "3"))["available"], true);
  EXPECT_EQ(BodyOf(Availability("pen", "4"))["available"], false);
  EXPECT_EQ(BodyOf(Availability("pen", "1000000"))["available"], false);
}

TEST_F(InventoryApiTest, AvailabilityOfAnEmptyShelfIsFalse) {
  CreatePen(0);
  EXPECT_EQ(BodyOf(Availability("pen")),
            nlohmann::json::parse(R"({"productId":"pen","available":false,"availableCount":0})"));
}

TEST_F(InventoryApiTest, BadQuantitiesAre400) {
  CreatePen(3);
  for (const char* quantity : {"0", "-1", "1000001", "99999999999999999999", "", "abc", "1.5", " 1",
                               "1 ", "+1", "0x10", "1e3"}) {
    auto response = Availability("pen", quantity);
    EXPECT_EQ(response.status, 400) << quantity;
    EXPECT_EQ(SlugOf(response), "invalid-request") << quantity;
    EXPECT_NE(DetailOf(response).find("quantity"), std::string::npos) << quantity;
  }
}

// --- PUT /api/products/{productId}/stock -----------------------------------------------------

TEST_F(InventoryApiTest, SettingStockRecordsRestockAndAdjustMovements) {
  CreatePen();
  clock_.AdvanceMs(1'000);
  auto raised = PutStock("pen", R"({"availableCount":10})");
  ASSERT_EQ(raised.status, 200) << raised.body;
  EXPECT_EQ(BodyOf(raised)["availableProductCount"], 10);
  auto lowered = PutStock("pen", R"({"availableCount":3})", kService);
  ASSERT_EQ(lowered.status, 200);
  EXPECT_EQ(BodyOf(lowered)["availableProductCount"], 3);
  ASSERT_EQ(PutStock("pen", R"({"availableCount":3})").status, 200);  // no change, no movement
  ASSERT_EQ(PutStock("pen", R"({"availableCount":1000000000})").status, 200);
  ASSERT_EQ(PutStock("pen", R"({"availableCount":0})").status, 200);
  EXPECT_EQ(Movements("pen"), (std::vector<std::pair<std::string, int64_t>>{
                                  {"INITIAL", 0},
                                  {"RESTOCK", 10},
                                  {"ADJUST", -7},
                                  {"RESTOCK", 999'999'997},
                                  {"ADJUST", -1'000'000'000},
                              }));
  EXPECT_EQ(BodyOf(Get("pen"))["availableProductCount"], 0);
}

TEST_F(InventoryApiTest, SettingStockRequiresAdmin) {
  CreatePen(2);
  const std::string before = Snapshot();
  auto anonymous = PutStock("pen", R"({"availableCount":5})", kAnonymous);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(SlugOf(anonymous), "unauthorized");
  auto user = PutStock("pen", R"({"availableCount":5})", kAlice);
  EXPECT_EQ(user.status, 403);
  EXPECT_EQ(SlugOf(user), "forbidden");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(InventoryApiTest, SettingStockOfUnknownOrInvalidIdsIsNotFound) {
  CreatePen(2);
  const std::string before = Snapshot();
  for (const std::string& id : {std::string("ghost"), std::string("a b"), std::string(65, 'x')}) {
    auto response = PutStock(id, R"({"availableCount":5})");
    EXPECT_EQ(response.status, 404) << id;
    EXPECT_EQ(SlugOf(response), "not-found");
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(InventoryApiTest, EveryBadStockBodyIsA400AndChangesNothing) {
  CreatePen(2);
  const std::string before = Snapshot();
  for (const std::string body :
       {"", "{}", "{", "[]", "null", R"({"availableCount":null})", R"({"availableCount":"5"})",
        R"({"availableCount":5.5})", R"({"availableCount":5.0})", R"({"availableCount":true})",
        R"({"availableCount":-1})", R"({"availableCount":1000000001})",
        R"({"availableCount":9223372036854775808})", R"({"availableCount":1e100})",
        R"({"availableCount":5,"productId":"pen"})", R"({"availableProductCount":5})",
        "{\"availableCount\":5,\"x\":\"\xff\"}"}) {
    auto response = PutStock("pen", body);
    EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
    EXPECT_EQ(SlugOf(response), "invalid-request") << body;
  }
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace tinysaga::inventory
