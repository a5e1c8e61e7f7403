// The dead-letter routes of a service (dead_letter_api.h), called directly with requests as the
// gateway sends them.
#include "tinysaga/platform/dead_letter_api.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <soci/soci.h>

#include <nlohmann/json.hpp>

#include "tinysaga/bus/dead_letters.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::platform {
namespace {

const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kUser{CallerRole::kUser, "alice"};

class DeadLetterApiTest : public ::testing::Test {
 protected:
  DeadLetterApiTest() {
    clock_.SetMs(1'767'225'600'000);
    for (const char* id : {"m1", "m2"}) {
      auto written = db_.db().Write<int64_t>([&](soci::session& session) -> Result<int64_t> {
        return bus::RecordDeadLetter(session, {.consumer = "payment.commands",
                                               .topic = "payment.commands",
                                               .partition = 1,
                                               .offset = 7,
                                               .key = "ord_1",
                                               .message_id = id,
                                               .reason = "invalid-request: unreadable",
                                               .payload = R"({"type":"FlyToTheMoon"})",
                                               .dead_lettered_at_ms = clock_.NowMs()});
      });
      EXPECT_TRUE(written.ok());
    }
  }

  static http::Request Get(std::string id = {}, std::map<std::string, std::string> query = {}) {
    http::Request request{.method = "GET", .target = "/api/dead-letters"};
    request.query = std::move(query);
    if (!id.empty()) request.path_params["deadLetterId"] = id;
    return request;
  }

  static http::Request Post(std::string id, std::string body) {
    http::Request request{.method = "POST", .target = "/api/dead-letters/" + id + "/redrive"};
    request.path_params["deadLetterId"] = std::move(id);
    request.body = std::move(body);
    return request;
  }

  static nlohmann::json Body(const http::Response& response) {
    return nlohmann::json::parse(response.body);
  }

  testing::TestDb db_{{}, {.postgres_from_environment = true}};
  ManualClock clock_;
  prometheus::Registry registry_;
  int notified_ = 0;
  DeadLetterApi api_{"payment", db_.db(), clock_, registry_, [this] { ++notified_; }};
};

TEST_F(DeadLetterApiTest, OnlyAdminsSeeOrActOnDeadLetters) {
  EXPECT_EQ(api_.List(Get(), kUser).status, 403);
  EXPECT_EQ(api_.Show(Get("payment:1"), kUser).status, 403);
  EXPECT_EQ(api_.Discard(Post("payment:1", R"({"reason":"x"})"), kUser).status, 403);
  EXPECT_EQ(api_.List(Get(), Caller{}).status, 401);
}

TEST_F(DeadLetterApiTest, ListsNewestFirstInPagesAndShowsOneWithItsPayload) {
  auto first = api_.List(Get({}, {{"limit", "1"}}), kAdmin);
  ASSERT_EQ(first.status, 200) << first.body;
  const nlohmann::json page = Body(first);
  ASSERT_EQ(page["deadLetters"].size(), 1u);
  EXPECT_EQ(page["deadLetters"][0]["id"], "payment:2");
  EXPECT_EQ(page["deadLetters"][0]["type"], "FlyToTheMoon");
  EXPECT_EQ(page["deadLetters"][0]["state"], "open");
  EXPECT_FALSE(page["deadLetters"][0].contains("payload"));
  const nlohmann::json second = Body(api_.List(
      Get({}, {{"limit", "1"}, {"cursor", page["nextCursor"].get<std::string>()}}), kAdmin));
  ASSERT_EQ(second["deadLetters"].size(), 1u);
  EXPECT_EQ(second["deadLetters"][0]["id"], "payment:1");
  EXPECT_TRUE(second["nextCursor"].is_null());

  auto shown = api_.Show(Get("payment:1"), kAdmin);
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(Body(shown)["payload"], R"({"type":"FlyToTheMoon"})");
  EXPECT_EQ(Body(shown)["deadLetteredAt"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(api_.Show(Get("payment:9"), kAdmin).status, 404);
  EXPECT_EQ(api_.Show(Get("order:1"), kAdmin).status, 404);
  EXPECT_EQ(api_.Show(Get("payment:x"), kAdmin).status, 404);
  EXPECT_EQ(api_.List(Get({}, {{"state", "lost"}}), kAdmin).status, 400);
  EXPECT_EQ(api_.List(Get({}, {{"cursor", "nonsense"}}), kAdmin).status, 400);
  EXPECT_EQ(api_.List(Get({}, {{"limit", "0"}}), kAdmin).status, 400);
}

TEST_F(DeadLetterApiTest, VerbsNeedAReasonAreIdempotentAndRefuseTheWrongState) {
  EXPECT_EQ(api_.Redrive(Post("payment:1", "{}"), kAdmin).status, 400);
  EXPECT_EQ(api_.Redrive(Post("payment:1", R"({"reason":"  "})"), kAdmin).status, 400);
  EXPECT_EQ(api_.Redrive(Post("payment:1", ""), kAdmin).status, 400);

  auto redriven = api_.Redrive(Post("payment:1", R"({"reason":"handler fixed"})"), kAdmin);
  ASSERT_EQ(redriven.status, 200) << redriven.body;
  EXPECT_EQ(Body(redriven)["state"], "redriven");
  EXPECT_EQ(Body(redriven)["actedBy"], "root");
  EXPECT_EQ(Body(redriven)["actionReason"], "handler fixed");
  EXPECT_EQ(notified_, 1);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox WHERE message_id = 'm1'"), 1);
  auto again = api_.Redrive(Post("payment:1", R"({"reason":"again"})"), kAdmin);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Body(again), Body(redriven));
  EXPECT_EQ(notified_, 1);
  EXPECT_EQ(api_.Discard(Post("payment:1", R"({"reason":"no"})"), kAdmin).status, 409);

  auto discarded = api_.Discard(Post("payment:2", R"({"reason":"refunded by hand"})"), kAdmin);
  ASSERT_EQ(discarded.status, 200);
  EXPECT_EQ(api_.Discard(Post("payment:2", R"({"reason":"x"})"), kAdmin).body, discarded.body);
  EXPECT_EQ(api_.Redrive(Post("payment:2", R"({"reason":"x"})"), kAdmin).status, 409);
  EXPECT_EQ(api_.Redrive(Post("payment:3", R"({"reason":"x"})"), kAdmin).status, 404);
  const nlohmann::json open = Body(api_.List(Get({}, {{"state", "open"}}), kAdmin));
  EXPECT_TRUE(open["deadLetters"].empty());
}

}  // namespace
}  // namespace tinysaga::platform
