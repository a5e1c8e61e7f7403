// OrderApi's methods called directly with hand-made requests, on a real SQLite database and a
// fake Inventory (a real HTTP server on 127.0.0.1 serving canned products).

#include "order/handlers/order_api.h"

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "order/order_repository.h"
#include "order/schema.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/testing/fake_peer.h"
#include "tinysaga/testing/http.h"

namespace tinysaga::order {
namespace {

using nlohmann::json;
using platform::Caller;
using platform::CallerRole;
using testing::MakeRequest;

constexpr char kSecret[] = "test-internal-secret";

const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kAnonymous{CallerRole::kAnonymous, ""};
const Caller kService{CallerRole::kService, ""};

std::string CellText(const soci::row& row, size_t i) {
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_string:
      return row.get<std::string>(i);
    case soci::dt_integer:
      return std::to_string(row.get<int>(i));
    case soci::dt_long_long:
      return std::to_string(row.get<long long>(i));
    default:
      return "?";
  }
}

// Inventory as far as Order needs it: GET /api/products/{productId}. Thread-safe.
class FakeInventory {
 public:
  FakeInventory() {
    peer_.Route("GET", "/api/products/{productId}", [this](const http::Request& request) {
      ++hits_;
      auto caller = platform::CallerOf(request, kSecret);
      if (!caller.ok() || caller->role != CallerRole::kService)
        return http::Response::Text(401, "who are you");
      std::lock_guard lock(mutex_);
      if (failing_) return http::Response::Text(500, "boom");
      auto it = products_.find(request.PathParam("productId"));
      if (it == products_.end()) return http::Response::Text(404, "no such product");
      return http::Response::Json(200, it->second);
    });
    peer_.Start();
  }

  void Put(const std::string& id, int64_t price_cents, int64_t available) {
    std::lock_guard lock(mutex_);
    products_[id] = json{{"productId", id},        {"productName", "Thing " + id},
                         {"productType", "thing"}, {"price", price_cents},
                         {"currency", "USD"},      {"availableProductCount", available}};
  }
  void Remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    products_.erase(id);
  }
  void SetFailing(bool failing) {
    std::lock_guard lock(mutex_);
    failing_ = failing;
  }
  int hits() const { return hits_.load(); }
  const http::Endpoint& endpoint() const { return peer_.endpoint(); }

 private:
  testing::FakePeer peer_;
  std::mutex mutex_;
  std::map<std::string, json> products_;
  bool failing_ = false;
  std::atomic<int> hits_{0};
};

class OrderApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("order_api_test_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    auto db = storage::Db::Open(
        storage::DbOptions{.url = "sqlite:" + (directory_ / "order.db").string()});
    ASSERT_TRUE(db.ok()) << db.error().detail;
    db_ = std::move(*db);
    auto migrated = db_->Migrate(schema::AllMigrations());
    ASSERT_TRUE(migrated.ok()) << migrated.error().detail;
    inventory_.Put("prd_apple", 250, 10);
    inventory_.Put("prd_pear", 400, 3);
    inventory_.Put("prd_gold", Money::kAmountCentsMax, 1'000'000);
    inventory_.Put("prd_none", 100, 0);
    inventory_client_ =
        std::make_unique<InventoryClient>(client_, std::vector{inventory_.endpoint()}, kSecret);
    api_ = std::make_unique<OrderApi>(*db_, clock_, rng_, *inventory_client_);
  }

  void TearDown() override {
    api_.reset();
    db_.reset();
    std::filesystem::remove_all(directory_);
  }

  http::Response Create(const Caller& caller, const std::string& body,
                        std::optional<std::string> key) {
    http::Request request = MakeRequest("POST", "/api/orders", body);
    if (key) request.headers.emplace_back("Idempotency-Key", *key);
    return api_->Create(request, caller);
  }

  // Creates an order and returns its id; fails the test if that does not work.
  std::string CreateOk(const Caller& caller, const std::string& product_id = "prd_apple",
                       int quantity = 2) {
    auto response = Create(caller, json{{"productId", product_id}, {"quantity", quantity}}.dump(),
                           "key-" + std::to_string(++key_counter_));
    EXPECT_EQ(response.status, 201) << response.body;
    return json::parse(response.body).value("orderId", "");
  }

  http::Response Get(const Caller& caller, const std::string& order_id) {
    http::Request request = MakeRequest("GET", "/api/orders/" + order_id);
    request.path_params["orderId"] = order_id;
    http::Response answer;  // without waits, Get answers before it returns
    api_->Get(request, caller,
              [&answer](http::Response response) { answer = std::move(response); });
    return answer;
  }

  http::Response List(const Caller& caller, std::map<std::string, std::string> query) {
    http::Request request = MakeRequest("GET", "/api/orders");
    request.query = std::move(query);
    return api_->List(request, caller);
  }

  http::Response Update(const Caller& caller, const std::string& order_id,
                        const std::string& body) {
    http::Request request = MakeRequest("PUT", "/api/orders/" + order_id, body);
    request.path_params["orderId"] = order_id;
    return api_->Update(request, caller);
  }

  http::Response SetStatus(const Caller& caller, const std::string& order_id,
                           const std::string& body) {
    http::Request request = MakeRequest("PUT", "/api/orders/" + order_id + "/status", body);
    request.path_params["orderId"] = order_id;
    return api_->SetStatus(request, caller);
  }

  http::Response Cancel(const Caller& caller, const std::string& order_id,
                        const std::string& body = "") {
    http::Request request = MakeRequest("POST", "/api/orders/" + order_id + "/cancel", body);
    request.path_params["orderId"] = order_id;
    return api_->Cancel(request, caller);
  }

  // Moves an order as the saga would (the saga's own path comes with the next change).
  void ForceStatus(const std::string& order_id, OrderStatus status) {
    auto done = db_->Write<bool>([&](soci::session& session) -> Result<bool> {
      auto order = FindOrder(session, OrderId(order_id));
      if (!order) return MakeError(Errc::kNotFound, "missing");
      OrderStatus previous = order->status;
      order->status = status;
      AppendStatusChange(session, order->order_id,
                         StatusChange{status, "forced by the test", clock_.NowMs()});
      return UpdateOrderIf(session, *order, previous);
    });
    ASSERT_TRUE(done.ok() && *done);
  }

  // Everything the Order DB holds, as text: equal snapshots mean nothing changed.
  std::string Snapshot() {
    auto text = db_->Read<std::string>([](soci::session& session) -> Result<std::string> {
      std::string out;
      soci::rowset<soci::row> orders = session.prepare
                                       << "SELECT order_id, user_id, product_id, quantity, "
                                          "price_cents, status, status_info, updated_at_ms FROM "
                                          "orders ORDER BY order_id";
      for (const soci::row& row : orders) {
        for (size_t i = 0; i < row.size(); ++i) out += CellText(row, i) + '|';
        out += '\n';
      }
      int history = 0;
      int keys = 0;
      session << "SELECT COUNT(*) FROM order_history", soci::into(history);
      session << "SELECT COUNT(*) FROM idempotency_keys", soci::into(keys);
      return out + "history=" + std::to_string(history) + " keys=" + std::to_string(keys);
    });
    EXPECT_TRUE(text.ok());
    return text.ok() ? *text : "";
  }

  static json Body(const http::Response& response) {
    return json::parse(response.body, nullptr, false);
  }
  static std::string ProblemType(const http::Response& response) {
    std::string type = Body(response).value("type", "");
    return type.substr(type.rfind('/') + 1);
  }

  std::filesystem::path directory_;
  std::unique_ptr<storage::Db> db_;
  ManualClock clock_;
  SeededRng rng_{42};
  FakeInventory inventory_;
  http::Client client_;
  std::unique_ptr<InventoryClient> inventory_client_;
  std::unique_ptr<OrderApi> api_;
  int key_counter_ = 0;
};

// ---- POST /api/orders ------------------------------------------------------------------------

TEST_F(OrderApiTest, CreateAnswers201WithTheOrderInInitiated) {
  auto response = Create(kAlice, R"({"productId": "prd_apple", "quantity": 3})", "k1");
  ASSERT_EQ(response.status, 201) << response.body;
  json order = Body(response);
  EXPECT_TRUE(order.value("orderId", "").starts_with("ord_"));
  EXPECT_EQ(order["userId"], "alice");
  EXPECT_EQ(order["productId"], "prd_apple");
  EXPECT_EQ(order["quantity"], 3);
  EXPECT_EQ(order["price"], 750);
  EXPECT_EQ(order["currency"], "USD");
  EXPECT_EQ(order["status"], "INITIATED");
  EXPECT_TRUE(order["statusInfo"].is_string());
  EXPECT_EQ(order["createdAt"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(order["updatedAt"], "2026-01-01T00:00:00.000Z");
  ASSERT_EQ(order["history"].size(), 1u);
  EXPECT_EQ(order["history"][0]["status"], "INITIATED");

  auto fetched = Get(kAlice, order["orderId"]);
  ASSERT_EQ(fetched.status, 200);
  EXPECT_EQ(Body(fetched), order);
}

TEST_F(OrderApiTest, CreateAllowsExactlyTheAvailableQuantity) {
  EXPECT_EQ(Create(kAlice, R"({"productId": "prd_pear", "quantity": 3})", "k1").status, 201);
}

TEST_F(OrderApiTest, CreateRefusesBadBodiesWithoutAskingInventoryOrChangingAnything) {
  const std::string before = Snapshot();
  const std::string long_id(65, 'a');
  const std::vector<std::string> bodies = {
      "",    // missing fields
      "{",   // malformed JSON
      "[]",  // not an object
      "null",
      R"({"productId": "prd_apple"})",                   // missing quantity
      R"({"quantity": 1})",                              // missing productId
      R"({"productId": "prd_apple", "quantity": "2"})",  // wrong types
      R"({"productId": "prd_apple", "quantity": 2.0})",
      R"({"productId": "prd_apple", "quantity": true})",
      R"({"productId": 5, "quantity": 2})",
      R"({"productId": ["prd_apple"], "quantity": 2})",
      R"({"productId": "prd_apple", "quantity": 2, "price": 1})",  // unknown field
      R"({"productId": "prd_apple", "quantity": 0})",              // zero, negative, huge
      R"({"productId": "prd_apple", "quantity": -1})",
      R"({"productId": "prd_apple", "quantity": 1000001})",
      R"({"productId": "prd_apple", "quantity": 99999999999999999999})",
      R"({"productId": "prd_apple", "quantity": 1e30})",
      R"({"productId": "prd_apple", "quantity": -9223372036854775808})",
      R"({"productId": ")" + long_id + R"(", "quantity": 1})",  // over-long id
      R"({"productId": "../etc/passwd", "quantity": 1})",       // invalid id
      R"({"productId": "", "quantity": 1})",
      "{\"productId\": \"prd_\xff\xfe\", \"quantity\": 1}",  // invalid UTF-8
      R"({"productId": "prd_apple", "quantity": 1} trailing)",
  };
  for (const std::string& body : bodies) {
    auto response = Create(kAlice, body, "bad-" + std::to_string(++key_counter_));
    EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
    EXPECT_EQ(ProblemType(response), "invalid-request") << body;
  }
  EXPECT_EQ(inventory_.hits(), 0);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, CreateAnswersInventorysVerdicts) {
  const std::string before = Snapshot();
  auto unknown = Create(kAlice, R"({"productId": "prd_unknown", "quantity": 1})", "k1");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ProblemType(unknown), "not-found");
  auto too_many = Create(kAlice, R"({"productId": "prd_pear", "quantity": 4})", "k2");
  EXPECT_EQ(too_many.status, 422);
  EXPECT_EQ(ProblemType(too_many), "out-of-stock");
  auto none = Create(kAlice, R"({"productId": "prd_none", "quantity": 1})", "k3");
  EXPECT_EQ(none.status, 422);
  EXPECT_EQ(ProblemType(none), "out-of-stock");
  auto overflow = Create(kAlice, R"({"productId": "prd_gold", "quantity": 1000000})", "k4");
  EXPECT_EQ(overflow.status, 422) << overflow.body;
  EXPECT_EQ(Snapshot(), before);
  // Refused requests stored no response: the same key may be used again once stock is back.
  inventory_.Put("prd_pear", 400, 4);
  EXPECT_EQ(Create(kAlice, R"({"productId": "prd_pear", "quantity": 4})", "k2").status, 201);
}

TEST_F(OrderApiTest, CreateAnswers503WhenInventoryIsDownOrBroken) {
  const std::string before = Snapshot();
  inventory_.SetFailing(true);
  auto broken = Create(kAlice, R"({"productId": "prd_apple", "quantity": 1})", "k1");
  EXPECT_EQ(broken.status, 503);
  EXPECT_EQ(ProblemType(broken), "service-unavailable");

  InventoryClient dead(client_, {testing::DeadEndpoint()}, kSecret);
  OrderApi api(*db_, clock_, rng_, dead);
  http::Request request =
      MakeRequest("POST", "/api/orders", R"({"productId": "prd_apple", "quantity": 1})");
  request.headers.emplace_back("Idempotency-Key", "k2");
  auto unreachable = api.Create(request, kAlice);
  EXPECT_EQ(unreachable.status, 503);
  EXPECT_EQ(ProblemType(unreachable), "service-unavailable");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, CreateTriesTheNextInventoryInstanceWhenOneIsDown) {
  InventoryClient two(client_, {testing::DeadEndpoint(), inventory_.endpoint()}, kSecret);
  OrderApi api(*db_, clock_, rng_, two);
  for (int i = 0; i < 2; ++i) {  // round-robin starts once on each instance
    http::Request request =
        MakeRequest("POST", "/api/orders", R"({"productId": "prd_apple", "quantity": 1})");
    request.headers.emplace_back("Idempotency-Key", "k" + std::to_string(i));
    EXPECT_EQ(api.Create(request, kAlice).status, 201);
  }
}

TEST_F(OrderApiTest, CreateNeedsAValidIdempotencyKey) {
  const std::string before = Snapshot();
  const std::string body = R"({"productId": "prd_apple", "quantity": 1})";
  for (std::optional<std::string> key :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>(std::string(129, 'k')), std::optional<std::string>("tab\there"),
        std::optional<std::string>("   ")}) {
    auto response = Create(kAlice, body, key);
    EXPECT_EQ(response.status, 400) << (key ? *key : "(none)");
  }
  EXPECT_EQ(Create(kAlice, body, std::string(128, 'k')).status, 201);
  EXPECT_EQ(inventory_.hits(), 1);
  EXPECT_NE(Snapshot(), before);
}

TEST_F(OrderApiTest, CreateReplaysTheStoredResponseEvenAfterTheProductChanged) {
  const std::string body = R"({"productId": "prd_apple", "quantity": 2})";
  auto first = Create(kAlice, body, "same");
  ASSERT_EQ(first.status, 201);
  const std::string after_first = Snapshot();
  const int hits = inventory_.hits();

  inventory_.Remove("prd_apple");  // the product is gone: a replay must not care
  clock_.AdvanceMs(60'000);
  auto replay = Create(kAlice, body, "same");
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(Body(replay), Body(first));
  EXPECT_EQ(inventory_.hits(), hits);  // answered from the idempotency table alone
  EXPECT_EQ(Snapshot(), after_first);
}

TEST_F(OrderApiTest, CreateRefusesAKeyReusedForAnotherRequest) {
  ASSERT_EQ(Create(kAlice, R"({"productId": "prd_apple", "quantity": 2})", "same").status, 201);
  const std::string before = Snapshot();
  const int hits = inventory_.hits();
  auto reused = Create(kAlice, R"({"productId": "prd_apple", "quantity": 3})", "same");
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(inventory_.hits(), hits);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, IdempotencyKeysArePerUser) {
  const std::string body = R"({"productId": "prd_apple", "quantity": 2})";
  auto alice = Create(kAlice, body, "same");
  auto bob = Create(kBob, body, "same");
  ASSERT_EQ(alice.status, 201);
  ASSERT_EQ(bob.status, 201);
  EXPECT_NE(Body(alice)["orderId"], Body(bob)["orderId"]);
  EXPECT_EQ(Body(bob)["userId"], "bob");
}

TEST_F(OrderApiTest, CreateNeedsAUser) {
  const std::string body = R"({"productId": "prd_apple", "quantity": 1})";
  EXPECT_EQ(Create(kAnonymous, body, "k").status, 401);
  EXPECT_EQ(Create(kService, body, "k").status, 403);
  auto admin = Create(kAdmin, body, "k");
  ASSERT_EQ(admin.status, 201);
  EXPECT_EQ(Body(admin)["userId"], "root");
}

// ---- GET /api/orders/{orderId} ---------------------------------------------------------------

TEST_F(OrderApiTest, GetShowsOwnOrdersToUsersAndEveryOrderToAdmins) {
  const std::string order_id = CreateOk(kAlice);
  EXPECT_EQ(Get(kAlice, order_id).status, 200);
  EXPECT_EQ(Get(kAdmin, order_id).status, 200);
  EXPECT_EQ(Get(kService, order_id).status, 200);
  auto other = Get(kBob, order_id);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(ProblemType(other), "not-found");
  EXPECT_EQ(Get(kAnonymous, order_id).status, 401);
}

TEST_F(OrderApiTest, GetAnswers404ForUnknownAndInvalidIds) {
  for (const std::string& id : std::vector<std::string>{"ord_00000000000000000000", "../../x",
                                                        std::string(65, 'a'), "ord 1", "ord\xff"}) {
    EXPECT_EQ(Get(kAdmin, id).status, 404) << id;
  }
  http::Request no_param = MakeRequest("GET", "/api/orders/");
  http::Response answer;
  api_->Get(no_param, kAdmin, [&answer](http::Response response) { answer = std::move(response); });
  EXPECT_EQ(answer.status, 404);
}

// ---- GET /api/orders -------------------------------------------------------------------------

TEST_F(OrderApiTest, ListPagesThroughTheCallersOrdersNewestFirst) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) {
    created.push_back(CreateOk(kAlice));
    if (i != 2) clock_.AdvanceMs(1'000);  // two orders share a millisecond: the id breaks the tie
  }
  CreateOk(kBob);

  std::vector<std::string> listed;
  std::map<std::string, std::string> query{{"limit", "2"}};
  for (int page = 0; page < 10; ++page) {
    auto response = List(kAlice, query);
    ASSERT_EQ(response.status, 200) << response.body;
    json body = Body(response);
    for (const json& order : body["orders"]) {
      EXPECT_EQ(order["userId"], "alice");
      EXPECT_FALSE(order.contains("history"));
      listed.push_back(order["orderId"]);
    }
    if (body["nextCursor"].is_null()) break;
    query["cursor"] = body["nextCursor"];
  }
  std::vector<std::string> expected(created.rbegin(), created.rend());
  // Within the shared millisecond the larger id comes first.
  if (created[2] > created[3]) std::swap(expected[1], expected[2]);
  EXPECT_EQ(listed, expected);
}

TEST_F(OrderApiTest, ListFiltersByStatusAndAdminsSeeEveryoneOrOneUser) {
  const std::string a1 = CreateOk(kAlice);
  const std::string a2 = CreateOk(kAlice);
  const std::string b1 = CreateOk(kBob);
  ASSERT_EQ(Cancel(kAlice, a1).status, 200);

  auto canceled = Body(List(kAlice, {{"status", "CANCELED"}}));
  ASSERT_EQ(canceled["orders"].size(), 1u);
  EXPECT_EQ(canceled["orders"][0]["orderId"], a1);
  EXPECT_TRUE(canceled["nextCursor"].is_null());
  EXPECT_EQ(Body(List(kAdmin, {}))["orders"].size(), 3u);
  EXPECT_EQ(Body(List(kAdmin, {{"userId", "bob"}}))["orders"].size(), 1u);
  EXPECT_EQ(Body(List(kAdmin, {{"userId", "nobody"}}))["orders"].size(), 0u);
  EXPECT_EQ(Body(List(kAlice, {{"userId", "alice"}}))["orders"].size(), 2u);
  EXPECT_EQ(Body(List(kAlice, {{"status", ""}}))["orders"].size(), 2u);  // empty counts as absent
  (void)a2;
  (void)b1;
}

TEST_F(OrderApiTest, ListRefusesBadQueries) {
  CreateOk(kAlice);
  for (const auto& query :
       std::vector<std::map<std::string, std::string>>{{{"status", "initiated"}},
                                                       {{"status", "SHIPPED"}},
                                                       {{"limit", "0"}},
                                                       {{"limit", "201"}},
                                                       {{"limit", "-1"}},
                                                       {{"limit", "ten"}},
                                                       {{"limit", "99999999999999999999"}},
                                                       {{"cursor", "garbage"}},
                                                       {{"cursor", "1_../x"}},
                                                       {{"userId", "bad/id"}},
                                                       {{"userId", std::string(65, 'u')}}}) {
    auto response = List(kAdmin, query);
    EXPECT_EQ(response.status, 400) << query.begin()->first << "=" << query.begin()->second;
  }
  EXPECT_EQ(List(kAlice, {{"userId", "bob"}}).status, 404);
  EXPECT_EQ(List(kAnonymous, {}).status, 401);
}

// ---- PUT /api/orders/{orderId} ---------------------------------------------------------------

TEST_F(OrderApiTest, UpdateRepricesFromInventory) {
  const std::string order_id = CreateOk(kAlice, "prd_apple", 2);
  inventory_.Put("prd_apple", 300, 10);  // the price went up meanwhile
  clock_.AdvanceMs(5'000);
  auto quantity = Update(kAlice, order_id, R"({"quantity": 4})");
  ASSERT_EQ(quantity.status, 200) << quantity.body;
  EXPECT_EQ(Body(quantity)["quantity"], 4);
  EXPECT_EQ(Body(quantity)["price"], 1'200);
  EXPECT_EQ(Body(quantity)["updatedAt"], "2026-01-01T00:00:05.000Z");
  EXPECT_EQ(Body(quantity)["createdAt"], "2026-01-01T00:00:00.000Z");

  auto product = Update(kAlice, order_id, R"({"productId": "prd_pear", "quantity": 3})");
  ASSERT_EQ(product.status, 200) << product.body;
  EXPECT_EQ(Body(product)["productId"], "prd_pear");
  EXPECT_EQ(Body(product)["quantity"], 3);
  EXPECT_EQ(Body(product)["price"], 1'200);
  // The quantity is kept when only the product changes, and checked against the new stock.
  EXPECT_EQ(Update(kAlice, order_id, R"({"productId": "prd_apple"})").status, 200);
  EXPECT_EQ(Update(kAlice, order_id, R"({"quantity": 4})").status, 200);
  EXPECT_EQ(Update(kAlice, order_id, R"({"productId": "prd_pear"})").status, 422);
}

TEST_F(OrderApiTest, UpdateChecksAvailabilityAndProductLikeCreate) {
  const std::string order_id = CreateOk(kAlice, "prd_apple", 2);
  const std::string before = Snapshot();
  EXPECT_EQ(Update(kAlice, order_id, R"({"quantity": 11})").status, 422);
  EXPECT_EQ(Update(kAlice, order_id, R"({"productId": "prd_unknown"})").status, 404);
  EXPECT_EQ(Update(kAlice, order_id, R"({"productId": "prd_gold", "quantity": 1000000})").status,
            422);
  inventory_.SetFailing(true);
  EXPECT_EQ(Update(kAlice, order_id, R"({"quantity": 1})").status, 503);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, UpdateRefusesBadBodiesAndChangesNothing) {
  const std::string order_id = CreateOk(kAlice);
  const std::string before = Snapshot();
  const int hits = inventory_.hits();
  for (const char* body :
       {"", "{}", "{", R"({"quantity": null})", R"({"quantity": "3"})", R"({"quantity": 0})",
        R"({"quantity": -2})", R"({"quantity": 1000001})", R"({"quantity": 1.5})",
        R"({"productId": 7})", R"({"productId": "no/slash"})", R"({"status": "PLACED"})",
        R"({"quantity": 1, "price": 1})", "{\"productId\": \"\xc3\x28\"}"}) {
    auto response = Update(kAlice, order_id, body);
    EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
  }
  EXPECT_EQ(inventory_.hits(), hits);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, UpdateOnlyWhileInitiatedAndOnlyOwnOrders) {
  const std::string order_id = CreateOk(kAlice);
  EXPECT_EQ(Update(kBob, order_id, R"({"quantity": 1})").status, 404);
  EXPECT_EQ(Update(kAnonymous, order_id, R"({"quantity": 1})").status, 401);
  EXPECT_EQ(Update(kAlice, "ord_missing", R"({"quantity": 1})").status, 404);
  EXPECT_EQ(Update(kAdmin, order_id, R"({"quantity": 1})").status, 200);
  ForceStatus(order_id, OrderStatus::kPaymentPending);
  const std::string before = Snapshot();
  const int hits = inventory_.hits();
  auto refused = Update(kAlice, order_id, R"({"quantity": 1})");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(ProblemType(refused), "conflict");
  EXPECT_EQ(inventory_.hits(), hits);
  EXPECT_EQ(Snapshot(), before);
}

// ---- PUT /api/orders/{orderId}/status --------------------------------------------------------

TEST_F(OrderApiTest, AdminShipsAndDeliversAPlacedOrder) {
  const std::string order_id = CreateOk(kAlice);
  ForceStatus(order_id, OrderStatus::kPlaced);
  clock_.AdvanceMs(1'000);
  auto shipped =
      SetStatus(kAdmin, order_id, R"({"status": "ON_WAY", "statusInfo": "tracking ZX-1"})");
  ASSERT_EQ(shipped.status, 200) << shipped.body;
  EXPECT_EQ(Body(shipped)["status"], "ON_WAY");
  EXPECT_EQ(Body(shipped)["statusInfo"], "tracking ZX-1");
  auto delivered = SetStatus(kAdmin, order_id, R"({"status": "DELIVERED"})");
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  json history = Body(delivered)["history"];
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0]["status"], "INITIATED");
  EXPECT_EQ(history[1]["status"], "PLACED");
  EXPECT_EQ(history[2]["status"], "ON_WAY");
  EXPECT_EQ(history[2]["statusInfo"], "tracking ZX-1");
  EXPECT_EQ(history[2]["at"], "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(history[3]["status"], "DELIVERED");
  EXPECT_EQ(Body(Get(kAlice, order_id))["history"], history);
}

TEST_F(OrderApiTest, StatusChangesFollowTheTableAndTerminalStaysTerminal) {
  const std::string order_id = CreateOk(kAlice);
  EXPECT_EQ(SetStatus(kAdmin, order_id, R"({"status": "ON_WAY"})").status, 409);  // INITIATED
  EXPECT_EQ(SetStatus(kAdmin, order_id, R"({"status": "DELIVERED"})").status, 409);
  ForceStatus(order_id, OrderStatus::kPlaced);
  EXPECT_EQ(SetStatus(kAdmin, order_id, R"({"status": "DELIVERED"})").status, 409);  // no skipping
  ASSERT_EQ(SetStatus(kAdmin, order_id, R"({"status": "ON_WAY"})").status, 200);
  EXPECT_EQ(SetStatus(kAdmin, order_id, R"({"status": "ON_WAY"})").status, 409);
  ASSERT_EQ(SetStatus(kAdmin, order_id, R"({"status": "DELIVERED"})").status, 200);
  const std::string before = Snapshot();
  EXPECT_EQ(SetStatus(kAdmin, order_id, R"({"status": "DELIVERED"})").status, 409);
  EXPECT_EQ(SetStatus(kAdmin, order_id, R"({"status": "ON_WAY"})").status, 409);
  EXPECT_EQ(Cancel(kAlice, order_id).status, 409);
  EXPECT_EQ(Cancel(kAdmin, order_id).status, 409);
  EXPECT_EQ(Update(kAlice, order_id, R"({"quantity": 1})").status, 409);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, StatusIsForAdminsOnly) {
  const std::string order_id = CreateOk(kAlice);
  ForceStatus(order_id, OrderStatus::kPlaced);
  const std::string before = Snapshot();
  auto user = SetStatus(kAlice, order_id, R"({"status": "ON_WAY"})");
  EXPECT_EQ(user.status, 403);
  EXPECT_EQ(ProblemType(user), "forbidden");
  EXPECT_EQ(SetStatus(kService, order_id, R"({"status": "ON_WAY"})").status, 403);
  EXPECT_EQ(SetStatus(kAnonymous, order_id, R"({"status": "ON_WAY"})").status, 401);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, StatusRefusesBadBodiesAndChangesNothing) {
  const std::string order_id = CreateOk(kAlice);
  ForceStatus(order_id, OrderStatus::kPlaced);
  const std::string before = Snapshot();
  std::string long_info =
      R"({"status": "ON_WAY", "statusInfo": ")" + std::string(501, 'x') + R"("})";
  for (const std::string& body :
       {std::string(""), std::string("{"), std::string(R"({"status": "on_way"})"),
        std::string(R"({"status": "PLACED"})"), std::string(R"({"status": "CANCELED"})"),
        std::string(R"({"status": "FAILED"})"), std::string(R"({"status": 3})"),
        std::string(R"({"status": "ON_WAY", "statusInfo": 5})"),
        std::string(R"({"status": "ON_WAY", "extra": 1})"), std::string(R"({"statusInfo": "x"})"),
        long_info, std::string("{\"status\": \"ON_WAY\", \"statusInfo\": \"\xed\xa0\x80\"}")}) {
    auto response = SetStatus(kAdmin, order_id, body);
    EXPECT_EQ(response.status, 400) << body.substr(0, 80) << " -> " << response.body;
  }
  EXPECT_EQ(SetStatus(kAdmin, "ord_missing", R"({"status": "ON_WAY"})").status, 404);
  EXPECT_EQ(SetStatus(kAdmin, "bad id!", R"({"status": "ON_WAY"})").status, 404);
  EXPECT_EQ(Snapshot(), before);

  std::string euros;
  for (int i = 0; i < 500; ++i) euros += "\xE2\x82\xAC";  // 500 characters, 1500 bytes: allowed
  EXPECT_EQ(
      SetStatus(kAdmin, order_id, json{{"status", "ON_WAY"}, {"statusInfo", euros}}.dump()).status,
      200);
}

// ---- POST /api/orders/{orderId}/cancel -------------------------------------------------------

TEST_F(OrderApiTest, CancelMovesAnInitiatedOrderToCanceledAtOnce) {
  const std::string order_id = CreateOk(kAlice);
  clock_.AdvanceMs(2'000);
  auto canceled = Cancel(kAlice, order_id);
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  json order = Body(canceled);
  EXPECT_EQ(order["status"], "CANCELED");
  EXPECT_EQ(order["statusInfo"], "canceled by the customer");
  ASSERT_EQ(order["history"].size(), 2u);
  EXPECT_EQ(order["history"][1]["status"], "CANCELED");
  EXPECT_EQ(order["history"][1]["at"], "2026-01-01T00:00:02.000Z");
  const std::string before = Snapshot();
  auto again = Cancel(kAlice, order_id);
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(Body(again).value("detail", "").find("final"), std::string::npos);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(OrderApiTest, CancelIsForTheOwnerOrAnAdmin) {
  const std::string order_id = CreateOk(kAlice);
  const std::string before = Snapshot();
  EXPECT_EQ(Cancel(kBob, order_id).status, 404);
  EXPECT_EQ(Cancel(kAnonymous, order_id).status, 401);
  EXPECT_EQ(Cancel(kService, order_id).status, 403);
  EXPECT_EQ(Cancel(kAlice, "ord_missing").status, 404);
  EXPECT_EQ(Cancel(kAlice, "not valid").status, 404);
  EXPECT_EQ(Cancel(kAlice, order_id, R"({"reason": "changed my mind"})").status, 400);
  EXPECT_EQ(Cancel(kAlice, order_id, "{").status, 400);
  EXPECT_EQ(Snapshot(), before);
  auto admin = Cancel(kAdmin, order_id, "{}");
  ASSERT_EQ(admin.status, 200);
  EXPECT_EQ(Body(admin)["statusInfo"], "canceled by an admin");
}

// PLACED starts the cancel saga: tests/saga_api_test.cpp.
TEST_F(OrderApiTest, CancelRefusesEveryStatusButInitiatedAndPlaced) {
  for (OrderStatus status : {OrderStatus::kPaymentPending, OrderStatus::kPaymentDone,
                             OrderStatus::kOnWay, OrderStatus::kFailed}) {
    const std::string order_id = CreateOk(kAlice);
    ForceStatus(order_id, status);
    const std::string before = Snapshot();
    auto response = Cancel(kAlice, order_id);
    EXPECT_EQ(response.status, 409) << FormatOrderStatus(status);
    EXPECT_NE(Body(response).value("detail", "").find(FormatOrderStatus(status)),
              std::string::npos);
    EXPECT_EQ(Snapshot(), before);
  }
}

}  // namespace
}  // namespace tinysaga::order
