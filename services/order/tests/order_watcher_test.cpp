// The events watcher driven round by round (RunOnce, no thread) with a manual clock, a real
// SQLite database, fake streams and a scripted saga source.

#include "order/events/order_watcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "order/events/events_route.h"
#include "order/handlers/order_api.h"
#include "saga_fixture.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/testing/fake_peer.h"
#include "tinysaga/testing/http.h"

namespace tinysaga::order {
namespace {

// A stream that keeps what is written. Thread-safe, as http::Stream must be.
class FakeStream : public http::Stream {
 public:
  bool Write(std::string chunk) override {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    written_ += chunk;
    return true;
  }
  void Close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  bool closed() const override {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  // What was written since the last call.
  std::string Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(written_, "");
  }

 private:
  mutable std::mutex mutex_;
  std::string written_;
  bool closed_ = false;
};

// The `data:` of each event of `event` type in `text`, parsed.
std::vector<nlohmann::json> Events(const std::string& text, const std::string& event) {
  std::vector<nlohmann::json> found;
  const std::string marker = "event: " + event + "\n";
  for (size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    const size_t data = text.find("data: ", at);
    const size_t end = data == std::string::npos ? data : text.find('\n', data);
    if (end == std::string::npos) break;  // the rest has not arrived yet (a stream comes in chunks)
    found.push_back(nlohmann::json::parse(text.substr(data + 6, end - data - 6)));
  }
  return found;
}

class OrderWatcherTest : public testing::SagaFixture {
 protected:
  std::shared_ptr<FakeStream> Open(const std::string& order_id) {
    auto stream = std::make_shared<FakeStream>();
    EXPECT_TRUE(watcher_.Watch(OrderId(order_id), stream));
    return stream;
  }
  void Round(int64_t advance_ms = 100) {
    clock_.AdvanceMs(advance_ms);
    watcher_.RunOnce();
  }
  // A saga's command, or Payment's event, through the orchestration handler.
  void Mark(const std::string& order_id, contracts::Payload command) {
    ExpectOk(ApplyCommand(order_id, std::move(command)));
  }

  std::mutex saga_mutex_;
  std::map<std::string, SagaObservation> sagas_;  // absent unless set
  int saga_calls_ = 0;
  bool orchestrator_down_ = false;
  OrderEventWatcher watcher_{db_.db(), clock_,
                             [this](const OrderId& order_id) {
                               std::lock_guard lock(saga_mutex_);
                               ++saga_calls_;
                               if (orchestrator_down_) return SagaObservation{};
                               auto it = sagas_.find(order_id.value());
                               return it == sagas_.end()
                                          ? SagaObservation{SagaPresence::kAbsent, "", false}
                                          : it->second;
                             },
                             OrderEventWatcher::Options{.streams_max = 3}};
};

TEST_F(OrderWatcherTest, StreamsTheOrderThenEachStatusChangeAndTheSaga) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  auto stream = Open(order_id);
  Round();
  std::string text = stream->Take();
  auto orders = Events(text, "order");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["status"], "PAYMENT_PENDING");
  EXPECT_EQ(orders[0]["history"].size(), 2u);
  EXPECT_NE(text.find("id: 1\n"), std::string::npos);
  EXPECT_TRUE(Events(text, "saga").empty());

  Round();
  EXPECT_EQ(stream->Take(), "");  // nothing new

  sagas_[order_id] = SagaObservation{SagaPresence::kPresent, R"({"state":"RUNNING"})", false};
  Mark(order_id, contracts::PaymentCompleted{UserId("alice"), Money::FromCents(500).value(),
                                             TransactionId("txn_1"), ProductId("prd_apple"), 2});
  Round(250);
  text = stream->Take();
  orders = Events(text, "order");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["status"], "PAYMENT_DONE");
  ASSERT_EQ(Events(text, "saga").size(), 1u);
  EXPECT_EQ(Events(text, "saga")[0]["state"], "RUNNING");
  EXPECT_NE(text.find("id: 3\n"), std::string::npos);
}

TEST_F(OrderWatcherTest, AsksTheSagaEveryQuarterSecondAndSkipsARoundWhenItIsDown) {
  const std::string first = PutOrder(OrderStatus::kPlaced);
  const std::string second = PutOrder(OrderStatus::kPlaced);
  auto a = Open(first);
  auto b = Open(second);
  Round();  // new streams ask at once
  EXPECT_EQ(saga_calls_, 2);
  Round(100);
  EXPECT_EQ(saga_calls_, 2);  // not due yet
  orchestrator_down_ = true;
  Round(200);
  EXPECT_EQ(saga_calls_, 3);  // due; the first call fails, so the round asks no more
  orchestrator_down_ = false;
  Round(250);
  EXPECT_EQ(saga_calls_, 5);
}

TEST_F(OrderWatcherTest, StopsAskingForTheSagaOnceOrderAndSagaAreTerminal) {
  const std::string order_id = PutOrder(OrderStatus::kFailed);
  sagas_[order_id] = SagaObservation{SagaPresence::kPresent, R"({"state":"FAILED"})", true};
  auto stream = Open(order_id);
  Round();
  EXPECT_EQ(Events(stream->Take(), "saga").size(), 1u);
  Round(250);
  Round(250);
  EXPECT_EQ(saga_calls_, 1);
}

TEST_F(OrderWatcherTest, ClosesThirtySecondsAfterTheEndAndDropsStreamsWhoseClientWent) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  auto stays = Open(order_id);
  auto leaves = Open(order_id);
  Round();
  EXPECT_EQ(Events(stays->Take(), "order").size(), 1u);
  EXPECT_EQ(watcher_.stream_count(), 2u);
  leaves->Close();
  Round();
  EXPECT_EQ(watcher_.stream_count(), 1u);

  Mark(order_id, contracts::MarkFailed{"insufficient funds"});
  Round();
  auto orders = Events(stays->Take(), "order");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["status"], "FAILED");
  EXPECT_EQ(orders[0]["statusInfo"], "insufficient funds");
  Round(29'000);
  EXPECT_FALSE(stays->closed());
  Round(1'000);
  EXPECT_TRUE(stays->closed());
  EXPECT_EQ(watcher_.stream_count(), 0u);
}

TEST_F(OrderWatcherTest, KeepsAliveAndRefusesStreamsBeyondItsBound) {
  const std::string order_id = PutOrder(OrderStatus::kPlaced);
  auto stream = Open(order_id);
  Round();
  (void)stream->Take();
  Round(15'000);
  EXPECT_EQ(stream->Take(), ": keepalive\n\n");
  Open(order_id);
  Open(order_id);
  EXPECT_FALSE(watcher_.HasRoom());
  auto refused = std::make_shared<FakeStream>();
  EXPECT_FALSE(watcher_.Watch(OrderId(order_id), refused));
  EXPECT_TRUE(refused->closed());
}

TEST_F(OrderWatcherTest, StopClosesEveryStream) {
  auto stream = Open(PutOrder(OrderStatus::kPlaced));
  Round();
  watcher_.Stop();
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(watcher_.Watch(OrderId("ord_1"), std::make_shared<FakeStream>()));
}

TEST_F(OrderWatcherTest, StartAndStopWithoutStreams) {
  watcher_.Start();
  auto stream = std::make_shared<FakeStream>();
  ASSERT_TRUE(watcher_.Watch(OrderId(PutOrder(OrderStatus::kPlaced)), stream));
  watcher_.Stop();
  EXPECT_TRUE(stream->closed());
}

// The whole path once, over a real socket: head, RouteStream, the watcher's thread writing,
// the endpoint's notification after a commit. It waits for bytes (bounded), never sleeps.
class EventsOverHttpTest : public testing::SagaFixture {
 protected:
  static constexpr char kSecret[] = "secret";

  EventsOverHttpTest() {
    http::ServerOptions options;
    options.worker_threads = 2;
    options.shutdown_grace = std::chrono::milliseconds(100);
    server_ = std::make_unique<http::Server>(options);
    RegisterEventStream(*server_, kSecret, api_, watcher_);
    server_->Start();
    watcher_.Start();
  }
  ~EventsOverHttpTest() override {
    server_->Stop();
    watcher_.Stop();
  }

  // Opens the stream as `caller`; bytes arrive in received_.
  int Open(const std::string& order_id, const platform::Caller& caller) {
    http::Request request;
    request.method = "GET";
    request.target = "/api/orders/" + order_id + "/events";
    platform::SetCallerHeaders(request.headers, kSecret, caller);
    std::promise<int> status;
    auto status_future = status.get_future();
    cancel_ = client_.Stream(
        http::Endpoint{"127.0.0.1", server_->port()}, std::move(request),
        http::StreamCallbacks{
            .on_head = [&status](const http::Response& head) { status.set_value(head.status); },
            .on_data =
                [this](std::string_view chunk) {
                  std::lock_guard lock(mutex_);
                  received_.append(chunk);
                  arrived_.notify_all();
                  return true;
                },
            .on_end = [](Result<void>) {}});
    return status_future.wait_for(std::chrono::seconds(5)) == std::future_status::ready
               ? status_future.get()
               : -1;
  }

  // Waits (at most 5 s) until `count` order events have arrived; returns their data.
  std::vector<nlohmann::json> OrderEvents(size_t count) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, std::chrono::seconds(5),
                      [&] { return Events(received_, "order").size() >= count; });
    return Events(received_, "order");
  }

  http::Client client_;
  InventoryClient inventory_{client_, {::tinysaga::testing::DeadEndpoint()}, kSecret};
  OrderEventWatcher watcher_{
      db_.db(), clock_,
      [](const OrderId&) { return SagaObservation{SagaPresence::kAbsent, "", false}; },
      OrderEventWatcher::Options{}};
  OrderApi api_{db_.db(), clock_, rng_, inventory_,
                OrderApiHooks{.order_changed = [this](const OrderId& id) { watcher_.Notify(id); }}};
  std::unique_ptr<http::Server> server_;
  std::function<void()> cancel_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::string received_;
};

TEST_F(EventsOverHttpTest, StreamsTheOrderAndItsChangesOverHttp) {
  const std::string order_id = PutOrder(OrderStatus::kInitiated);
  EXPECT_EQ(Open(order_id, {platform::CallerRole::kUser, "bob"}), 404);
  ASSERT_EQ(Open(order_id, {platform::CallerRole::kUser, "alice"}), 200);
  auto events = OrderEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["status"], "INITIATED");

  http::Request request = ::tinysaga::testing::MakeRequest("POST", "/internal/orders/" + order_id + "/payment-pending");
  request.path_params["orderId"] = order_id;
  ASSERT_EQ(api_.PaymentPending(request, {platform::CallerRole::kService, ""}).status, 200);
  events = OrderEvents(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["status"], "PAYMENT_PENDING");
  cancel_();
}

}  // namespace
}  // namespace tinysaga::order
