// `tinysaga bench` (bench.h): seeding, the virtual users' closed loop, the rows (one per
// concurrency level), resource sampling (CPU, write syscalls, Kafka messages) and the check.
// The histogram, the mix, the reports, the comparison and the HTML page are pure, in
// bench_stats.h, bench_compare.h and bench_report_html.h.
//
// Threads: the virtual users are not threads. Each is a small state machine driven by the
// HTTP client's callbacks (on its I/O threads) and by one timer thread for the pauses between
// polls, so C = 256 costs 256 states, not 256 stacks. A virtual user has at most one request
// or timer outstanding, so its state is touched by one callback at a time; what they share
// (the Recorder) has a mutex. The main thread prints the progress, samples the resources at
// the window's edges, stops the loop, and runs the rows one after another.

#include "bench.h"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <sstream>
#include <thread>

#include "bench_compare.h"
#include "bench_disk.h"
#include "bench_report_html.h"
#include "bench_stats.h"
#include "process_usage.h"
#include "timer_queue.h"
#include "tinysaga/auth/token.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/http/client.h"
#include "tinysaga/invariants/check.h"

namespace tinysaga::app::bench {
namespace {

using nlohmann::json;

// The sums every seeded account starts with, in cents. Products cost kPriceCents.
constexpr int64_t kPriceCents = 100;
constexpr int64_t kRichDepositCents = 1'000'000'000'000;  // ten billion orders' worth
constexpr int64_t kPoorDepositCents = 1;                  // never enough for one
constexpr int64_t kHugeStock = 1'000'000'000;             // the Inventory's maximum
// Products an admin of the seeding creates: two requests each, 40 in all, the gateway's
// default burst per identity, so that no rate limit paces the seeding.
constexpr size_t kProductsPerAdmin = 20;
// An out-of-stock product's stock when a virtual user sets it: that many of its sagas before
// it sets it again (see Driver::CreateOrder). An order of 100 costs 10,000 cents.
constexpr int64_t kOutOfStockRefill = 100;
// After an error a virtual user pauses, so that a gateway that is down is not hammered.
constexpr auto kPauseAfterError = std::chrono::milliseconds(10);
// Requests of one virtual user: beyond this an answer is a transport timeout. The gateway's
// upstream timeout: a payment whose wallet hangs takes up to ~15 s to fail (PaymentOptions).
constexpr auto kRequestTimeout = std::chrono::seconds(30);

// ---- What the run measures ------------------------------------------------------------

// The timeline of one run: warmup, then the measured window.
struct Window {
  TimePoint start;  // the end of the warmup
  TimePoint end;
  bool Contains(TimePoint at) const { return at >= start && at < end; }
};

int64_t WallMicroseconds() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Account {
  std::string user_id;
  std::string token;
};

// Everything the virtual users report. Latencies count for sagas that end inside the
// window; errors and mismatched outcomes count over the whole run, since each one matters.
// Thread-safe.
class Recorder {
 public:
  explicit Recorder(Window window) : window_(window) {}

  // A saga of the window, for the breakdown afterwards.
  struct Sample {
    Flow flow;
    std::string order_id;
    const Account* account;  // who may read the order
  };

  // `seen` decides whether the saga counts in the window.
  void RecordSaga(Flow flow, const SagaTimeline& timeline, TimePoint seen,
                  const std::string& mismatch, const std::string& order_id,
                  const Account* account) {
    completed_total_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    if (!mismatch.empty()) {
      ++mismatches_[std::string(FlowName(flow)) + ": " + mismatch];
      ++flow_mismatches_[static_cast<size_t>(flow)];
      mismatches_total_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!window_.Contains(seen)) return;
    const SagaDurations durations = Durations(timeline);
    all_.Record(durations.total_us);
    by_flow_[static_cast<size_t>(flow)].Record(durations.total_us);
    create_.Record(durations.create_us);
    pay_.Record(durations.pay_us);
    settle_.Record(durations.settle_us);
    detect_.Record(durations.detect_us);
    if (mismatch.empty() && samples_.size() < kSamplesMax)
      samples_.push_back({flow, order_id, account});
  }

  // A payment answered with the other decided status (200 for a poor user, 402 for a rich
  // one): the saga's outcome is known to be wrong without waiting for it.
  void RecordMismatch(Flow flow, const std::string& what) {
    std::lock_guard lock(mutex_);
    ++mismatches_[std::string(FlowName(flow)) + ": " + what];
    ++flow_mismatches_[static_cast<size_t>(flow)];
    mismatches_total_.fetch_add(1, std::memory_order_relaxed);
  }

  void RecordError(const std::string& kind) {
    errors_total_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    ++errors_[kind];
  }

  void CountRequest(bool poll) {
    if (!window_.Contains(SteadyClock::now())) return;
    requests_.fetch_add(1, std::memory_order_relaxed);
    if (poll) polls_.fetch_add(1, std::memory_order_relaxed);
  }

  std::vector<Sample> samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
  }

  uint64_t completed_total() const { return completed_total_.load(std::memory_order_relaxed); }
  uint64_t errors_total() const { return errors_total_.load(std::memory_order_relaxed); }
  uint64_t mismatches_total() const { return mismatches_total_.load(std::memory_order_relaxed); }

  // Fills what the recorder knows into `report`.
  void Fill(Report& report) const {
    std::lock_guard lock(mutex_);
    report.completed = all_.count();
    report.latency = Summarize(all_);
    report.phases = {{"create", Summarize(create_)},
                     {"pay", Summarize(pay_)},
                     {"settle", Summarize(settle_)},
                     {"detect", Summarize(detect_)}};
    for (size_t i = 0; i < kFlowCount; ++i) {
      report.flows[i].completed = by_flow_[i].count();
      report.flows[i].latency = Summarize(by_flow_[i]);
      report.flows[i].mismatches = flow_mismatches_[i];
    }
    report.mismatches = mismatches_;
    report.errors = errors_;
    report.requests = requests_.load();
    report.polls = polls_.load();
  }

 private:
  static constexpr size_t kSamplesMax = 200'000;  // about 60 bytes each; beyond, none are kept
  const Window window_;
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
  LatencyHistogram all_, create_, pay_, settle_, detect_;
  std::array<LatencyHistogram, kFlowCount> by_flow_;
  std::array<uint64_t, kFlowCount> flow_mismatches_{};
  std::map<std::string, uint64_t> mismatches_;
  std::map<std::string, uint64_t> errors_;
  std::atomic<uint64_t> completed_total_{0}, errors_total_{0}, mismatches_total_{0};
  std::atomic<uint64_t> requests_{0}, polls_{0};
};

// ---- Seeding --------------------------------------------------------------------------

// What the virtual users work with, all made by this run (ids carry the run id).
struct World {
  std::string run_id;
  std::vector<Account> rich;    // pay for placed and out-of-stock orders
  std::vector<Account> poor;    // one cent: insufficient funds
  std::vector<std::string> products;  // huge stock each, shared by the placed flow's sagas
  std::vector<Account> admins;  // per virtual user (out-of-stock flow), so no admin is rate-limited
  std::vector<std::string> out_of_stock_products;  // per virtual user: only it changes its stock
};

std::string NewRunId() {
  // Six base-36 characters: unique enough for runs against one data directory.
  std::random_device device;
  std::mt19937_64 random(device() ^
                         static_cast<uint64_t>(SteadyClock::now().time_since_epoch().count()));
  constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id;
  for (int i = 0; i < 6; ++i) id += kDigits[random() % 36];
  return id;
}

http::Request JsonRequest(std::string method, std::string target, const json& body,
                          const std::string& token, std::string idempotency_key = "") {
  http::Request request{
      .method = std::move(method), .target = std::move(target), .body = body.dump()};
  request.headers = {{"Content-Type", "application/json"}};
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  if (!idempotency_key.empty())
    request.headers.emplace_back("Idempotency-Key", std::move(idempotency_key));
  return request;
}

std::string Describe(const http::Request& request, const http::Response& response) {
  return request.method + " " + request.target + ": HTTP " + std::to_string(response.status) + " " +
         response.body.substr(0, 300);
}

// How long a 429 asks to wait: its Retry-After, 1 to 10 s.
std::chrono::milliseconds RetryAfter(const http::Response& response) {
  const auto header = response.Header("Retry-After");
  const int seconds = header ? std::atoi(std::string(*header).c_str()) : 1;
  return std::chrono::milliseconds(1000 * std::clamp(seconds, 1, 10));
}

// Seeding requests, retried after a 429 (the gateway's per-user and per-address limits apply
// to the bench like to anyone; seeding is not measured, so waiting is fine).
class Seeder {
 public:
  Seeder(http::Client& client, http::Endpoint gateway, std::string secret)
      : client_(client), gateway_(std::move(gateway)), secret_(std::move(secret)) {}

  Result<http::Response> Call(const http::Request& request, std::initializer_list<int> expected) {
    for (int attempt = 0;; ++attempt) {
      TS_ASSIGN_OR_RETURN(auto response, client_.SendAndWait(gateway_, request, kRequestTimeout));
      if (response.status == 429 && attempt < kRateLimitedAttemptsMax) {
        rate_limited_.fetch_add(1);
        std::this_thread::sleep_for(RetryAfter(response));
        continue;
      }
      if (std::find(expected.begin(), expected.end(), response.status) == expected.end()) {
        return MakeError(Errc::kInternal, Describe(request, response));
      }
      return response;
    }
  }

  // A token for `user_id`: minted with --secret, else from the dev-mode endpoint.
  Result<std::string> Token(const std::string& user_id, bool admin) {
    if (!secret_.empty()) {
      return auth::IssueToken({user_id, admin ? auth::Role::kAdmin : auth::Role::kUser}, secret_,
                              SystemClock().NowMs(), std::chrono::hours(24));
    }
    json body{{"userId", user_id}};
    if (admin) body["role"] = "admin";
    auto response = Call(JsonRequest("POST", "/api/auth/dev-token", body, ""), {201, 200});
    if (!response.ok()) {
      return MakeError(response.error().code,
                       response.error().detail +
                           " (the gateway issues tokens only in dev mode; else pass "
                           "--secret with its TINYSAGA_JWT_SECRET)");
    }
    const auto parsed = json::parse(response->body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("token") || !parsed["token"].is_string()) {
      return MakeError(Errc::kInternal, "dev-token answered without a token: " + response->body);
    }
    return parsed["token"].get<std::string>();
  }

  uint64_t rate_limited() const { return rate_limited_.load(); }

 private:
  static constexpr int kRateLimitedAttemptsMax = 120;
  http::Client& client_;
  const http::Endpoint gateway_;
  const std::string secret_;
  std::atomic<uint64_t> rate_limited_{0};
};

// Runs `task(i)` for i in [0, count) on a few threads; the first error, if any.
Result<void> ParallelFor(size_t count, const std::function<Result<void>(size_t)>& task) {
  constexpr size_t kThreads = 8;
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::optional<Error> first_error;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < std::min(kThreads, count); ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) {
        {
          std::lock_guard lock(mutex);
          if (first_error) return;
        }
        if (auto done = task(i); !done.ok()) {
          std::lock_guard lock(mutex);
          if (!first_error) first_error = done.error();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (first_error) return *first_error;
  return Ok();
}

// The error of a Result, or Ok: for calls whose value is not needed.
template <typename T>
Result<void> Status(const Result<T>& result) {
  if (!result.ok()) return result.error();
  return Ok();
}

Result<void> CreateProduct(Seeder& seeder, const std::string& admin_token,
                           const std::string& product_id, int64_t stock) {
  TS_RETURN_IF_ERROR(Status(seeder.Call(JsonRequest("POST", "/api/products",
                                                    {{"productId", product_id},
                                                     {"productName", "Bench product " + product_id},
                                                     {"productType", "bench"},
                                                     {"price", kPriceCents}},
                                                    admin_token),
                                        {201})));
  return Status(seeder.Call(JsonRequest("PUT", "/api/products/" + product_id + "/stock",
                                        {{"availableCount", stock}}, admin_token),
                            {200}));
}

// N users: the poor ones get the insufficient flow's share of them (at least one when the
// flow is in the mix), the rich ones the rest. Each user's saga rate is then about the same.
size_t PoorUserCount(const Mix& mix, size_t users) {
  if (mix.weight(Flow::kInsufficient) == 0) return 0;
  if (mix.weight(Flow::kInsufficient) == mix.total()) return users;
  const auto share =
      static_cast<size_t>(static_cast<double>(users) * mix.weight(Flow::kInsufficient) /
                          static_cast<double>(mix.total()));
  return std::clamp<size_t>(share, 1, users - 1);
}

// `count` products with a huge stock each, created by one admin per kProductsPerAdmin.
Result<std::vector<std::string>> SeedProducts(Seeder& seeder, const std::string& prefix,
                                              size_t count) {
  std::vector<std::string> products(count);
  const size_t admins = (count + kProductsPerAdmin - 1) / kProductsPerAdmin;
  TS_RETURN_IF_ERROR(ParallelFor(admins, [&](size_t admin) -> Result<void> {
    TS_ASSIGN_OR_RETURN(const std::string token,
                        seeder.Token(prefix + "admin-" + std::to_string(admin), true));
    const size_t end = std::min(count, (admin + 1) * kProductsPerAdmin);
    for (size_t i = admin * kProductsPerAdmin; i < end; ++i) {
      products[i] = prefix + "item-" + std::to_string(i);
      TS_RETURN_IF_ERROR(CreateProduct(seeder, token, products[i], kHugeStock));
    }
    return Ok();
  }));
  return products;
}

// Users with their wallets, the products and, for the out-of-stock flow, an admin and a
// private product per virtual user. Users deposit into their own wallets (API.md allows it),
// so that one admin identity does not carry N deposits through its rate limit.
Result<World> Seed(Seeder& seeder, const Mix& mix, int concurrency, int users, int products) {
  World world;
  world.run_id = NewRunId();
  const std::string prefix = "bench-";
  TS_ASSIGN_OR_RETURN(world.products, SeedProducts(seeder, prefix + world.run_id + "-",
                                                   static_cast<size_t>(products)));

  const size_t poor = PoorUserCount(mix, static_cast<size_t>(users));
  std::vector<Account> accounts(static_cast<size_t>(users));
  TS_RETURN_IF_ERROR(ParallelFor(accounts.size(), [&](size_t i) -> Result<void> {
    Account& account = accounts[i];
    account.user_id = prefix + "u" + world.run_id + "-" + std::to_string(i);
    TS_ASSIGN_OR_RETURN(account.token, seeder.Token(account.user_id, false));
    const int64_t deposit = i >= accounts.size() - poor ? kPoorDepositCents : kRichDepositCents;
    return Status(seeder.Call(
        JsonRequest("POST", "/api/wallets/" + account.user_id + "/deposits", {{"amount", deposit}},
                    account.token, "bench-seed-" + account.user_id),
        {201}));
  }));
  world.rich.assign(accounts.begin(), accounts.end() - static_cast<std::ptrdiff_t>(poor));
  world.poor.assign(accounts.end() - static_cast<std::ptrdiff_t>(poor), accounts.end());

  if (mix.weight(Flow::kOutOfStock) > 0) {
    world.admins.resize(static_cast<size_t>(concurrency));
    world.out_of_stock_products.resize(static_cast<size_t>(concurrency));
    TS_RETURN_IF_ERROR(ParallelFor(world.admins.size(), [&](size_t i) -> Result<void> {
      world.admins[i].user_id = prefix + "a" + world.run_id + "-" + std::to_string(i);
      TS_ASSIGN_OR_RETURN(world.admins[i].token, seeder.Token(world.admins[i].user_id, true));
      world.out_of_stock_products[i] = prefix + world.run_id + "-gone-" + std::to_string(i);
      return CreateProduct(seeder, world.admins[i].token, world.out_of_stock_products[i], 0);
    }));
  }
  return world;
}

// ---- The virtual users ---------------------------------------------------------------

std::string HttpError(std::string_view step, const http::Response& response) {
  const std::string slug = ProblemSlug(response.body);
  return std::string(step) + ": HTTP " + std::to_string(response.status) +
         (slug.empty() ? "" : " " + slug);
}

std::string TransportError(std::string_view step, const Error& error) {
  // kTimeout: sent, no answer in time; kUnavailable: not sent (refused, pool full).
  return std::string(step) +
         (error.code == Errc::kTimeout ? ": no answer in time" : ": transport unavailable");
}

// C virtual users in a closed loop. Lifecycle: construct, Start(), Stop(), WaitIdle(); it
// must outlive every request and timer it started (RunBench destroys the client first).
//
// How a virtual user sees its saga end (--wait):
// - long-poll (the default): GET /api/orders/{id}?waitMs=N, which Order holds until no saga
//   moves the order any more (OrderWaits) and answers as the saga's last change commits: one
//   request per saga and no polling lag, as a client awaiting a workflow's result has with
//   the peers. Asked again as a poll would be should it come back early (the wait ran out, or
//   Order held as many as it may).
// - poll: GET /api/orders/{id} until the status is terminal. The latency does
//   not depend on when a poll comes: it runs to the order's updatedAt at its terminal status
//   (SagaDurations), and the polling lag is reported apart ("detect"). So the polls can be
//   few, and they should be: each is a request through the gateway to Order, on the same
//   cores as the system (polling every 2 ms meant 26 polls per saga at C=16, and Order spent
//   half a core answering them). The first poll comes at 80 % of the flow's recent settle time (the
//   median of its last 32 sagas), the next ones every 10 % of it, at least --poll-interval-ms
//   apart: about 3 polls per saga, and a lag of about a tenth of the settle time, which
//   only slows the loop a little.
// - sse: GET /api/orders/{id}/events and read `event: order` until the status is terminal.
//   One request per saga, but a new connection each (streams are not pooled), a blocking
//   order lookup in the gateway, and Order's event watcher sees the changes the saga's
//   commands make only on its ~100 ms poll: measured at C=16, the lag from the commit to the
//   event was 60 ms (median) against 13 ms polling, and the throughput 10-20 % lower. Kept
//   to measure the live-events path itself.
class Driver {
 public:
  // `row`: the run's row (0, 1, ...) this load is, so that its idempotency keys are its own.
  Driver(const BenchOptions& options, size_t row, int concurrency, const Mix& mix,
         const World& world, http::Client& client, http::Endpoint gateway, Recorder& recorder,
         TimerQueue& timers)
      : options_(options),
        key_prefix_("bench-" + world.run_id + "-r" + std::to_string(row) + "-"),
        schedule_(MixSchedule(mix)),
        world_(world),
        client_(client),
        gateway_(std::move(gateway)),
        recorder_(recorder),
        timers_(timers),
        users_(static_cast<size_t>(concurrency)) {
    // The world has an admin and a product per virtual user of the largest level.
    assert(world.admins.empty() || world.admins.size() >= users_.size());
    for (size_t i = 0; i < users_.size(); ++i) users_[i].index = i;
  }

  void Start() {
    {
      std::lock_guard lock(mutex_);
      running_ = users_.size();
    }
    for (auto& user : users_) Next(user);
  }

  void Stop() { stopping_ = true; }

  // Until every virtual user has finished the saga it had in hand, or `deadline`.
  bool WaitIdle(TimePoint deadline) {
    std::unique_lock lock(mutex_);
    return idle_.wait_until(lock, deadline, [&] { return running_ == 0; });
  }

  size_t running() const {
    std::lock_guard lock(mutex_);
    return running_;
  }

 private:
  struct VirtualUser {
    size_t index = 0;
    Flow flow = Flow::kPlaced;
    uint64_t sequence = 0;
    const Account* account = nullptr;
    std::string order_id;
    SagaTimeline times;
    TimePoint paid;  // steady: the polls and the deadline count from it
    TimePoint deadline;
    // The stock of the user's out-of-stock product, which only this user changes; unknown
    // (nullopt) at first and after an error, when the next such saga sets it again.
    std::optional<int64_t> stock;
  };
  using Then = std::function<void(VirtualUser&, const http::Response&)>;

  void Next(VirtualUser& user) {
    if (stopping_) {
      std::lock_guard lock(mutex_);
      if (--running_ == 0) idle_.notify_all();
      return;
    }
    user.sequence = next_sequence_++;
    user.flow = schedule_[user.sequence % schedule_.size()];
    user.order_id.clear();
    user.account = user.flow == Flow::kInsufficient
                       ? &world_.poor[next_poor_++ % world_.poor.size()]
                       : &world_.rich[next_rich_++ % world_.rich.size()];
    if (user.flow == Flow::kOutOfStock && user.stock.value_or(0) == 0) {
      // Set-up, not timed: see CreateOrder.
      return SetStock(user, kOutOfStockRefill, [this](VirtualUser& user) { CreateOrder(user); });
    }
    CreateOrder(user);
  }

  void Send(VirtualUser& user, http::Request request, std::string_view step, bool poll, Then then) {
    recorder_.CountRequest(poll);
    client_.Send(
        gateway_, std::move(request),
        [this, &user, step, then = std::move(then)](Result<http::Response> result) {
          if (!result.ok()) return Fail(user, TransportError(step, result.error()));
          then(user, *result);
        },
        kRequestTimeout);
  }

  void Fail(VirtualUser& user, const std::string& kind) {
    recorder_.RecordError(kind);
    user.stock.reset();  // a stock change may or may not have happened
    timers_.At(SteadyClock::now() + kPauseAfterError, [this, &user] { Next(user); });
  }

  std::string Key(const VirtualUser& user, std::string_view what) const {
    // Sequences start at 0 in every row: the row in the prefix keeps a key from replaying
    // another row's order or payment.
    return key_prefix_ + std::to_string(user.sequence) + "-" + std::string(what);
  }

  void SetStock(VirtualUser& user, int64_t count, std::function<void(VirtualUser&)> then) {
    const std::string& product = world_.out_of_stock_products[user.index];
    Send(user,
         JsonRequest("PUT", "/api/products/" + product + "/stock", {{"availableCount", count}},
                     world_.admins[user.index].token),
         "stock", false,
         [this, count, then = std::move(then)](VirtualUser& user, const http::Response& response) {
           if (response.status != 200) return Fail(user, HttpError("stock", response));
           user.stock = count;
           then(user);
         });
  }

  // The placed flow's product for the saga of `sequence`: a fixed scatter (Fibonacci hashing),
  // so consecutive sagas order different products, and every run orders the same ones.
  size_t ProductIndex(uint64_t sequence) const {
    return static_cast<size_t>((sequence * 0x9E3779B97F4A7C15ULL) >> 32) % world_.products.size();
  }

  // An out-of-stock saga orders all of its product's stock, N units (an order needs them
  // available now), and then one unit is taken away before the payment: Inventory finds N-1.
  // The next one orders those N-1, and so on down to one unit, after which the stock is set
  // again: one set-up request per saga instead of two (up, then down), which halved the
  // set-up's share of the failure mix's CPU (each is a durable write in Inventory).
  void CreateOrder(VirtualUser& user) {
    const bool out_of_stock = user.flow == Flow::kOutOfStock;
    const std::string& product = out_of_stock ? world_.out_of_stock_products[user.index]
                                              : world_.products[ProductIndex(user.sequence)];
    const int64_t quantity = out_of_stock ? *user.stock : 1;
    user.times = SagaTimeline{.started_us = WallMicroseconds()};
    Send(user,
         JsonRequest("POST", "/api/orders", {{"productId", product}, {"quantity", quantity}},
                     user.account->token, Key(user, "order")),
         "create", false, [this](VirtualUser& user, const http::Response& response) {
           user.times.created_us = WallMicroseconds();
           if (response.status != 201) return Fail(user, HttpError("create", response));
           const auto order = json::parse(response.body, nullptr, false);
           if (!order.is_object() || !order.contains("orderId") || !order["orderId"].is_string()) {
             return Fail(user, "create: no orderId in the answer");
           }
           user.order_id = order["orderId"].get<std::string>();
           if (user.flow == Flow::kOutOfStock) {
             return SetStock(user, *user.stock - 1, [this](VirtualUser& user) { Pay(user); });
           }
           Pay(user);
         });
  }

  void Pay(VirtualUser& user) {
    user.times.pay_sent_us = WallMicroseconds();
    Send(user,
         JsonRequest("POST", "/api/payment", {{"orderId", user.order_id}}, user.account->token,
                     Key(user, "pay")),
         "pay", false, [this](VirtualUser& user, const http::Response& response) {
           user.times.paid_us = WallMicroseconds();
           user.paid = SteadyClock::now();
           if (response.status == ExpectedPaymentStatus(user.flow)) return Wait(user);
           if (response.status == 200 || response.status == 402) {
             recorder_.RecordMismatch(user.flow,
                                      "payment answered " + std::to_string(response.status));
             return Next(user);
           }
           Fail(user, HttpError("pay", response));
         });
  }

  void Wait(VirtualUser& user) {
    user.deadline = user.paid + std::chrono::milliseconds(options_.terminal_timeout_ms);
    if (options_.wait == "sse") return Watch(user);
    if (options_.wait == "long-poll") return Poll(user);
    timers_.At(user.paid + FirstPollDelay(user.flow), [this, &user] { Poll(user); });
  }

  void Poll(VirtualUser& user) {
    http::Request request{.method = "GET", .target = "/api/orders/" + user.order_id};
    if (options_.wait == "long-poll") {
      request.target += "?waitMs=" + std::to_string(LongPollWaitMs(user));
    }
    request.headers = {{"Authorization", "Bearer " + user.account->token}};
    Send(user, std::move(request), "wait", true,
         [this](VirtualUser& user, const http::Response& response) {
           const auto now = SteadyClock::now();
           if (response.status == 429) {
             // A poll refused is not the saga's failure: it goes on, and so does the wait.
             recorder_.RecordError("wait: HTTP 429 rate-limited (the poll was repeated)");
             if (now >= user.deadline) return Fail(user, "wait: not terminal in time");
             return timers_.At(now + RetryAfter(response), [this, &user] { Poll(user); });
           }
           if (response.status != 200) return Fail(user, HttpError("wait", response));
           const auto order = json::parse(response.body, nullptr, false);
           const std::string status = JsonString(order, "status");
           if (IsSettledStatus(status)) return Settled(user, order);
           if (now >= user.deadline) {
             return Fail(user, "wait: not terminal in time (last " + status + ")");
           }
           // A long poll back early (Order held as many as it may) is asked again like a poll.
           timers_.At(now + PollInterval(user, now), [this, &user] { Poll(user); });
         });
  }

  // The shared state of one event stream: its callbacks and its timeout race to finish it.
  struct Watching {
    std::string buffer;  // touched by the stream's callbacks only, one at a time
    std::atomic<bool> finished{false};
    std::mutex mutex;
    std::function<void()> cancel;
  };

  void Watch(VirtualUser& user) {
    auto watching = std::make_shared<Watching>();
    http::Request request{.method = "GET", .target = "/api/orders/" + user.order_id + "/events"};
    request.headers = {{"Authorization", "Bearer " + user.account->token},
                       {"Accept", "text/event-stream"}};
    recorder_.CountRequest(false);
    auto cancel = client_.Stream(
        gateway_, std::move(request),
        http::StreamCallbacks{
            .on_head =
                [this, &user, watching](const http::Response& head) {
                  if (head.status != 200 && !watching->finished.exchange(true))
                    Fail(user, HttpError("wait", head));
                },
            .on_data = [this, &user, watching](
                           std::string_view chunk) { return OnEvents(user, *watching, chunk); },
            .on_end =
                [this, &user, watching](Result<void> end) {
                  if (watching->finished.exchange(true)) return;
                  Fail(user, end.ok() ? "wait: event stream ended before a terminal status"
                                      : TransportError("wait", end.error()));
                },
        });
    {
      std::lock_guard lock(watching->mutex);
      watching->cancel = std::move(cancel);
    }
    timers_.At(user.deadline, [this, &user, weak = std::weak_ptr<Watching>(watching)] {
      auto watching = weak.lock();
      if (!watching || watching->finished.exchange(true)) return;
      std::function<void()> cancel;
      {
        std::lock_guard lock(watching->mutex);
        cancel = watching->cancel;
      }
      if (cancel) cancel();
      Fail(user, "wait: not terminal in time (event stream)");
    });
  }

  bool OnEvents(VirtualUser& user, Watching& watching, std::string_view chunk) {
    if (watching.finished) return false;
    watching.buffer.append(chunk);
    for (const auto& event : TakeServerSentEvents(watching.buffer)) {
      if (event.event != "order") continue;
      const auto order = json::parse(event.data, nullptr, false);
      if (!IsSettledStatus(JsonString(order, "status"))) continue;
      if (watching.finished.exchange(true)) return false;
      Settled(user, order);
      return false;
    }
    return true;
  }

  // `order` is the order JSON with a terminal status.
  void Settled(VirtualUser& user, const json& order) {
    const TimePoint seen = SteadyClock::now();
    user.times.seen_us = WallMicroseconds();
    if (auto updated_ms = ParseRfc3339(JsonString(order, "updatedAt")); updated_ms.ok()) {
      user.times.committed_us = *updated_ms * 1000;
    }
    const std::string status = JsonString(order, "status");
    const std::string status_info = JsonString(order, "statusInfo");
    std::string mismatch;
    const std::string_view expected_info = ExpectedStatusInfo(user.flow);
    if (status != ExpectedStatus(user.flow) ||
        (!expected_info.empty() && status_info != expected_info)) {
      mismatch = "ended " + status + (status_info.empty() ? "" : " (" + status_info + ")");
    }
    recorder_.RecordSaga(user.flow, user.times, seen, mismatch, user.order_id, user.account);
    UpdateSettleEstimate(user.flow, Durations(user.times).settle_us);
    Next(user);
  }

  // What a long poll asks Order to wait: the rest of the user's wait, within Order's bound.
  int64_t LongPollWaitMs(const VirtualUser& user) const {
    constexpr int64_t kOrderWaitMsMax = 20'000;  // GET /api/orders/{orderId}?waitMs= (API.md)
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(user.deadline - SteadyClock::now());
    return std::clamp<int64_t>(left.count(), 1, kOrderWaitMsMax);
  }

  // How long the flow's sagas run after the payment's answer: the median of the last 32.
  // A median, so that one stall of seconds does not space out the polls of the sagas after.
  void UpdateSettleEstimate(Flow flow, int64_t sample_us) {
    std::lock_guard lock(estimate_mutex_);
    settle_estimates_[static_cast<size_t>(flow)].Add(sample_us);
  }
  int64_t SettleEstimateUs(Flow flow) const {
    std::lock_guard lock(estimate_mutex_);
    return settle_estimates_[static_cast<size_t>(flow)].Median().value_or(0);
  }

  // When to poll first after the payment's answer, and then how often. Until a saga of the
  // flow has ended there is no estimate: at once, then as the wait goes on.
  std::chrono::microseconds FirstPollDelay(Flow flow) const {
    return std::chrono::microseconds(SettleEstimateUs(flow) * 8 / 10);
  }
  // A fifth of the wait so far too: a saga that stalls for seconds (a freshly started
  // system does) is polled ever less often, 40-odd times in 5 s rather than 2,500.
  std::chrono::microseconds PollInterval(const VirtualUser& user, TimePoint now) const {
    const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(now - user.paid);
    return std::max({std::chrono::microseconds(SettleEstimateUs(user.flow) / 10), waited / 5,
                     std::chrono::microseconds(int64_t{options_.poll_interval_ms} * 1000)});
  }

  const BenchOptions& options_;
  const std::string key_prefix_;
  const std::vector<Flow> schedule_;
  const World& world_;
  http::Client& client_;
  const http::Endpoint gateway_;
  Recorder& recorder_;
  TimerQueue& timers_;
  std::vector<VirtualUser> users_;  // never resized: callbacks hold references
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_sequence_{0}, next_rich_{0}, next_poor_{0};
  mutable std::mutex estimate_mutex_;
  std::array<RecentMedian, kFlowCount> settle_estimates_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  size_t running_ = 0;
};

// ---- Where the time went --------------------------------------------------------------

// SagaBreakdown over up to `per_flow` sagas of each flow, spread over the window; asked
// after the load, so it does not disturb it.
std::vector<std::pair<std::string, LatencySummary>> Breakdown(
    http::Client& client, const http::Endpoint& gateway,
    const std::vector<Recorder::Sample>& samples, int per_flow) {
  std::vector<std::pair<std::string, LatencyHistogram>> parts;
  auto get = [&](const std::string& target, const std::string& token) -> json {
    http::Request request{.method = "GET", .target = target};
    request.headers = {{"Authorization", "Bearer " + token}};
    auto response = client.SendAndWait(gateway, std::move(request), kRequestTimeout);
    if (!response.ok() || response->status != 200) return nullptr;
    return json::parse(response->body, nullptr, false);
  };
  for (Flow flow : kFlows) {
    std::vector<const Recorder::Sample*> of_flow;
    for (const auto& sample : samples) {
      if (sample.flow == flow) of_flow.push_back(&sample);
    }
    const size_t count = std::min(of_flow.size(), static_cast<size_t>(per_flow));
    for (size_t i = 0; i < count; ++i) {
      const Recorder::Sample& sample = *of_flow[i * of_flow.size() / count];
      const json order = get("/api/orders/" + sample.order_id, sample.account->token);
      const json saga = get("/api/orders/" + sample.order_id + "/saga", sample.account->token);
      for (const auto& [name, duration_us] : SagaBreakdown(order, saga)) {
        const std::string key = std::string(FlowName(flow)) + ": " + name;
        auto part =
            std::find_if(parts.begin(), parts.end(), [&](const auto& p) { return p.first == key; });
        if (part == parts.end()) part = parts.insert(parts.end(), {key, LatencyHistogram()});
        part->second.Record(duration_us);
      }
    }
  }
  std::vector<std::pair<std::string, LatencySummary>> summaries;
  for (const auto& [name, histogram] : parts) summaries.emplace_back(name, Summarize(histogram));
  return summaries;
}

// ---- The run --------------------------------------------------------------------------

Result<http::Endpoint> GatewayOf(const BenchOptions& options, std::string& url) {
  url = options.url;
  if (url.empty() && options.port != 0) url = "http://127.0.0.1:" + std::to_string(options.port);
  if (url.empty() && !options.data_dir.empty()) {
    if (auto status = ReadUpStatus(options.data_dir)) url = JsonString(*status, "url");
  }
  if (url.empty()) url = "http://127.0.0.1:8080";
  while (url.ends_with('/')) url.pop_back();
  return http::Endpoint::Parse(url);
}

// Sleeps until `until`; true at once instead when one of `signals` arrives (null: none;
// they must be blocked in every thread, so that only this wait takes them).
bool SleepUntil(TimePoint until, const sigset_t* signals) {
  if (signals == nullptr) {
    std::this_thread::sleep_until(until);
    return false;
  }
  for (auto left = until - SteadyClock::now(); left > SteadyClock::duration::zero();
       left = until - SteadyClock::now()) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const timespec wait{static_cast<time_t>(ns / 1'000'000'000),
                        static_cast<long>(ns % 1'000'000'000)};
    if (sigtimedwait(signals, nullptr, &wait) > 0) return true;  // else time's up, or EINTR
  }
  return false;
}

// What Supervise saw of one row's load.
struct Supervised {
  TimePoint ended;  // the window's end, or when a signal ended the load
  bool signalled = false;
  ResourceSample before, after;             // at the window's edges
  std::vector<uint64_t> sagas_each_second;  // as the progress lines print them
};

// Prints a progress line a second on stderr while the loop runs, takes `sample` at the
// window's edges, and stops the virtual users at its end, or when one of `stop_signals`
// (null: none) arrives. Returns when the window ended.
Supervised Supervise(Driver& driver, const Recorder& recorder, const Window& window,
                     TimePoint started, int concurrency,
                     const std::function<ResourceSample()>& sample, const sigset_t* stop_signals) {
  Supervised seen;
  TimePoint tick = started + std::chrono::seconds(1);
  bool sampled_before = false;
  uint64_t completed_last = 0;
  const auto progress = [&] {
    const uint64_t completed = recorder.completed_total();
    seen.sagas_each_second.push_back(completed - completed_last);
    // tests/crash reads these lines: "[", then the count before "/s  errors".
    std::fprintf(stderr, "[%5.0f s %-7s C=%d] sagas %8llu  %6llu/s  errors %llu  mismatched %llu\n",
                 std::chrono::duration<double>(tick - started).count(),
                 tick <= window.start ? "warmup" : "measure", concurrency,
                 static_cast<unsigned long long>(completed),
                 static_cast<unsigned long long>(completed - completed_last),
                 static_cast<unsigned long long>(recorder.errors_total()),
                 static_cast<unsigned long long>(recorder.mismatches_total()));
    completed_last = completed;
    tick += std::chrono::seconds(1);
  };
  while (true) {
    const TimePoint wake =
        std::min(sampled_before ? tick : std::min(tick, window.start), window.end);
    if (SleepUntil(wake, stop_signals)) {
      std::fprintf(stderr, "bench: signalled, ending the load\n");
      seen.after = sample();
      if (!sampled_before) seen.before = seen.after;
      driver.Stop();
      seen.ended = SteadyClock::now();
      seen.signalled = true;
      return seen;
    }
    if (!sampled_before && wake >= window.start) {
      seen.before = sample();
      sampled_before = true;
    }
    if (wake >= window.end) {
      seen.after = sample();
      driver.Stop();
      if (wake >= tick) progress();  // the last second, when the window ends on a whole one
      seen.ended = window.end;
      return seen;
    }
    if (wake >= tick) progress();
  }
}

// Waits for the system to settle (every saga terminal, every outbox drained), then prints
// the invariant report. True when every invariant holds.
bool CheckWhenSettled(const BenchOptions& options, std::ostream& out) {
  invariants::CheckOptions check{.db_url_template = "sqlite:" + options.data_dir, .settled = true};
  const auto deadline = SteadyClock::now() + std::chrono::seconds(options.settle_timeout_seconds);
  const auto started = SteadyClock::now();
  std::fprintf(stderr, "checking the invariants once the system has settled (at most %d s)...\n",
               options.settle_timeout_seconds);
  while (true) {
    auto report = invariants::Check(check);
    if (!report.ok()) {
      out << "check: cannot read the databases: " << report.error().detail << "\n";
      return false;
    }
    if (report->ok() || SteadyClock::now() >= deadline) {
      out << "\n";
      invariants::PrintReport(*report, out);
      out << "(settled after "
          << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started)
                 .count()
          << " ms)\n";
      return report->ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Waits for the gateway to be ready (a gateway that answers 503 for up to kReadyWait; one
// that does not answer is an error at once), then seeds the run's users and products.
// The world is sized for `concurrency_max`, the largest level of the run.
Result<World> Prepare(http::Client& client, const http::Endpoint& gateway, const std::string& url,
                      const BenchOptions& options, const Mix& mix, int concurrency_max, int users) {
  const int products = options.products;
  constexpr auto kReadyWait = std::chrono::seconds(60);
  const auto deadline = SteadyClock::now() + kReadyWait;
  for (bool said = false;; said = true) {
    auto ready = client.SendAndWait(gateway, {.method = "GET", .target = "/readyz"},
                                    std::chrono::seconds(5));
    if (ready.ok() && ready->status == 200) break;
    if (!ready.ok() || SteadyClock::now() >= deadline) {
      return MakeError(
          Errc::kUnavailable,
          "the gateway at " + url + " is not ready (" +
              (ready.ok() ? "HTTP " + std::to_string(ready->status) : ready.error().detail) + ")");
    }
    if (!said) std::fprintf(stderr, "waiting for the gateway at %s to be ready...\n", url.c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::fprintf(stderr, "seeding %d users and %d products at %s...\n", users, products, url.c_str());
  Seeder seeder(client, gateway, options.secret);
  auto world = Seed(seeder, mix, concurrency_max, users, products);
  if (!world.ok()) return MakeError(world.error().code, "seeding failed: " + world.error().detail);
  if (seeder.rate_limited() > 0) {
    std::fprintf(stderr, "seeding waited out %llu rate-limited answers (429)\n",
                 static_cast<unsigned long long>(seeder.rate_limited()));
  }
  // tests/crash waits for this line ("run ..."): the load begins.
  std::string levels;
  for (int level : options.concurrency_levels)
    levels += (levels.empty() ? "" : ",") + std::to_string(level);
  std::fprintf(stderr, "run %s: %s virtual users, each row %.1f s warmup, %.1f s measured\n",
               world->run_id.c_str(), levels.c_str(), options.warmup_seconds, options.seconds);
  return world;
}

// One row's table and its check's report on stdout, as soon as the row is over.
void PrintRow(const Report& report, const std::string& check_output) {
  std::cout << FormatReport(report) << check_output;
  if (std::any_of(report.errors.begin(), report.errors.end(), [](const auto& error) {
        return error.first.find("HTTP 429") != std::string::npos;
      })) {
    std::cout << "note: the gateway rate-limited the bench; start `tinysaga up` with a higher "
                 "--rate-limit-per-second and --rate-limit-burst, or give more --users\n";
  }
  std::cout << std::endl;  // flushed: a long run shows each row as it ends
}

// False when the file cannot be written (said on stderr).
bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.close();
  if (!file) std::cerr << "bench: cannot write " << path << "\n";
  return static_cast<bool>(file);
}

// What every row shares: set up once, before the first.
struct RunContext {
  const BenchOptions& options;
  const Mix& mix;
  const World& world;
  const http::Endpoint& gateway;
  const std::string& url;
  int users;
  http::Client& control;  // seeding, /metrics, the breakdown: never the load
  const std::vector<ProcessRef>& processes;
  const sigset_t* stop_signals;  // null: no signal ends the load
};

struct RowOutcome {
  Report report;
  std::string check_output;
  bool signalled = false;
};

// What a row's recorder and Supervise saw, the processes' usage and, asked of the services
// now that the load is over, where the time went.
Report RowReport(const RunContext& run, int concurrency, const Window& window,
                 const Recorder& recorder, const Supervised& seen) {
  const BenchOptions& options = run.options;
  // A load ended early by a signal (--faults) had a shorter window.
  const double window_seconds =
      !seen.signalled
          ? options.seconds
          : std::max(0.0, std::chrono::duration<double>(seen.ended - window.start).count());
  Report report{.url = run.url,
                .concurrency = concurrency,
                .users = run.users,
                .products = run.options.products,
                .warmup_seconds = options.warmup_seconds,
                .wait_mode = options.wait,
                .mix = run.mix,
                .window_seconds = window_seconds};
  recorder.Fill(report);
  report.sagas_each_second = seen.sagas_each_second;
  if (!run.processes.empty())
    report.processes =
        UsageOver(run.processes, seen.before, seen.after, options.data_dir, report.notes);
  if (options.breakdown_samples > 0) {
    std::fprintf(stderr, "asking the services where the time went (%d sagas of each flow)...\n",
                 options.breakdown_samples);
    report.breakdown =
        Breakdown(run.control, run.gateway, recorder.samples(), options.breakdown_samples);
  }
  return report;
}

// The virtual users' closed loop at `concurrency`, from its warmup to its drained end; the
// report of what the loop and Supervise saw (the check not yet run).
RowOutcome LoadRow(const RunContext& run, size_t row_index, int concurrency) {
  const BenchOptions& options = run.options;
  std::fprintf(stderr, "row C=%d: %.1f s warmup, %.1f s measured\n", concurrency,
               options.warmup_seconds, options.seconds);
  // At most one request per virtual user is in flight (event streams have their own).
  auto client = std::make_unique<http::Client>(
      http::ClientOptions{.io_threads = options.io_threads,
                          .connections_per_endpoint_max = static_cast<size_t>(concurrency) + 16,
                          .request_timeout = kRequestTimeout});
  const TimePoint started = SteadyClock::now();
  const auto to_duration = [](double seconds) {
    return std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(seconds));
  };
  const Window window{started + to_duration(options.warmup_seconds),
                      started + to_duration(options.warmup_seconds + options.seconds)};
  Recorder recorder(window);
  TimerQueue timers;
  Driver driver(options, row_index, concurrency, run.mix, run.world, *client, run.gateway, recorder,
                timers);
  driver.Start();
  const Supervised seen = Supervise(
      driver, recorder, window, started, concurrency,
      [&] { return SampleResources(run.processes, run.control); }, run.stop_signals);
  const bool drained =
      driver.WaitIdle(SteadyClock::now() + std::chrono::milliseconds(options.terminal_timeout_ms) +
                      std::chrono::seconds(15));
  if (!drained)
    std::fprintf(stderr, "bench: %zu virtual users still busy after the window\n",
                 driver.running());
  // Order matters: no timer may start a request once the client is gone, and the client's
  // cancelled requests call back into the driver and the recorder, which are still here.
  timers.Stop();
  client.reset();

  return {.report = RowReport(run, concurrency, window, recorder, seen),
          .signalled = seen.signalled};
}

// One row: its load, then the invariant check once the system has settled, so that the next
// row starts on a quiet system and a failure is pinned to the row that caused it.
RowOutcome RunRow(const RunContext& run, size_t row_index, int concurrency) {
  RowOutcome row = LoadRow(run, row_index, concurrency);
  std::ostringstream check_output;
  if (run.options.check && !run.options.data_dir.empty()) {
    row.report.check_ran = true;
    row.report.check_passed = CheckWhenSettled(run.options, check_output);
  } else if (run.options.check) {
    check_output << "check: skipped (give --data DIR of `tinysaga up` to run it, or --no-check)\n";
  }
  row.check_output = check_output.str();
  return row;
}

// The disk's sync latency where the databases live, printed before the rows; nullopt without
// --data (the bench may run elsewhere than the system) or when the probe fails.
std::optional<LatencySummary> ProbeDisk(const std::string& data_dir) {
  constexpr int kSamples = 200;
  if (data_dir.empty()) {
    std::cout << "disk: not probed (give --data DIR of `tinysaga up` to time its syncs)\n";
    return std::nullopt;
  }
  auto probe = ProbeDiskSync(data_dir, kSamples);
  if (!probe.ok()) {
    std::cout << "disk: not probed: " << probe.error().detail << "\n";
    return std::nullopt;
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "disk: 4 KiB write + fdatasync in %s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms "
                "(%d in a row; each durable commit waits for one)\n",
                data_dir.c_str(), probe->p50_ms, probe->p90_ms, probe->p99_ms, kSamples);
  std::cout << line << std::flush;
  return *probe;
}

// The comparison on stdout, the JSON and the HTML page if asked. False when a file could not
// be written.
bool PublishRun(const BenchOptions& options, const std::vector<Report>& rows,
                const std::optional<LatencySummary>& disk_sync) {
  std::cout << FormatComparison(rows);
  bool written = true;
  if (!options.json_path.empty()) {
    json run = RunJson(rows);
    run["diskSyncMs"] = disk_sync ? json{{"p50", disk_sync->p50_ms},
                                         {"p90", disk_sync->p90_ms},
                                         {"p99", disk_sync->p99_ms},
                                         {"samples", disk_sync->count}}
                                  : json(nullptr);
    written &= WriteFile(options.json_path, run.dump(2) + "\n");
  }
  if (!options.report_path.empty()) written &= WriteFile(options.report_path, HtmlReport(rows));
  return written;
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app, BenchOptions& options) {
  auto* command = app.add_subcommand(
      "bench",
      "Closed-loop saga load generator through the gateway: create order -> pay -> terminal state");
  auto* url = command->add_option("--url", options.url, "Gateway URL, e.g. http://127.0.0.1:8080");
  command->add_option("--port", options.port, "Gateway port on 127.0.0.1")->excludes(url);
  command->add_option(
      "--data", options.data_dir,
      "`tinysaga up`'s --data: its processes' CPU, writes and Kafka messages, and the "
      "invariant check after each row");
  command->add_flag_function(
      "--no-check", [&options](int64_t) { options.check = false; },
      "Do not run the invariant check afterwards");
  command
      ->add_option_function<std::string>(
          "--concurrency,-c",
          [&options](const std::string& text) {
            options.concurrency_levels = *ParseConcurrencyList(text);  // checked below
          },
          "Virtual users (sagas in flight); a list such as 1,16,64 runs one row per level "
          "against the same system, each with its warmup, window and check, then compares them")
      ->check([](const std::string& text) {
        auto levels = ParseConcurrencyList(text);
        return levels.ok() ? std::string() : levels.error().detail;
      })
      ->default_str("16");
  command
      ->add_option("--users", options.users,
                   "Users to seed (default max(4 x the largest concurrency, 64))")
      ->check(CLI::Range(2, 1'000'000));
  command
      ->add_option("--products", options.products,
                   "Products to seed, each with a huge stock; the placed flow's sagas spread "
                   "over them")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  command->add_option("--seconds", options.seconds, "Measured window")
      ->check(CLI::Range(0.1, 86'400.0))
      ->capture_default_str();
  command
      ->add_option("--warmup", options.warmup_seconds,
                   "Warmup before the window (a freshly started `up` needs about 25 s before its "
                   "sagas flow steadily)")
      ->check(CLI::Range(0.0, 3'600.0))
      ->capture_default_str();
  command
      ->add_option("--mix", options.mix,
                   "Weights of the flows: placed, insufficient (funds), out-of-stock")
      ->check([](const std::string& text) {
        auto mix = ParseMix(text);
        return mix.ok() ? std::string() : mix.error().detail;
      })
      ->capture_default_str();
  command->add_option("--json", options.json_path,
                      "Also write every row's report and the comparison as JSON to this file");
  command->add_option("--report", options.report_path,
                      "Also write every row as one self-contained HTML page with charts (inline "
                      "SVG: no script, no network) to this file");
  command->footer(
      "Measured per row and process of `up` (with --data): CPU time, write syscalls "
      "(/proc/<pid>/io "
      "syscw: writes of every kind, files, pipes and eventfds, not fsyncs) and Kafka messages "
      "(each service's tinysaga_outbox_published_total on its /metrics). fsyncs per saga are not "
      "measured: Linux keeps no per-process count of them.");
  command->add_option("--secret", options.secret,
                      "Mint tokens with this HS256 secret (default: ask the gateway's dev-mode "
                      "/api/auth/dev-token)");
  command
      ->add_option("--wait", options.wait,
                   "How to see a saga end: ask for the order and let Order hold the answer "
                   "until the saga ends (long-poll), poll the order, or read its event stream")
      ->check(CLI::IsMember({"long-poll", "poll", "sse"}))
      ->capture_default_str();
  command
      ->add_option("--poll-interval-ms", options.poll_interval_ms,
                   "Shortest pause between two polls of one order (--wait poll)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  command
      ->add_option("--terminal-timeout-ms", options.terminal_timeout_ms,
                   "Longest wait for a terminal status")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  command
      ->add_option("--settle-timeout", options.settle_timeout_seconds,
                   "Longest wait for the check, in seconds")
      ->check(CLI::Range(0, 3'600))
      ->capture_default_str();
  command
      ->add_option(
          "--breakdown", options.breakdown_samples,
          "Sagas of each flow whose timestamps say where the time went, asked afterwards (0: none)")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  command->add_option("--io-threads", options.io_threads, "HTTP client threads")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  command->add_flag(
      "--faults", options.faults,
      "The system is being crashed meanwhile: mismatched outcomes do not fail the "
      "exit code, and SIGINT/SIGTERM ends the load early (the report is printed, the rows "
      "not yet run are skipped)");
  return command;
}

int RunBench(const BenchOptions& options) {
  // --faults: SIGINT and SIGTERM end the load; blocked before any thread starts, so that only
  // Supervise's wait takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (options.faults) pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto mix = ParseMix(options.mix);
  if (!mix.ok()) {
    std::cerr << "bench: --mix " << mix.error().detail << "\n";
    return 2;
  }
  if (options.concurrency_levels.empty()) {
    std::cerr << "bench: no --concurrency level\n";
    return 2;
  }
  std::string url;
  auto gateway = GatewayOf(options, url);
  if (!gateway.ok()) {
    std::cerr << "bench: bad gateway URL '" << url << "': " << gateway.error().detail << "\n";
    return 2;
  }
  const int concurrency_max =
      *std::max_element(options.concurrency_levels.begin(), options.concurrency_levels.end());
  const int users = options.users > 0 ? options.users : std::max(4 * concurrency_max, 64);
  // Seeding runs on a few threads (ParallelFor); the rows load through clients of their own.
  http::Client control(http::ClientOptions{
      .io_threads = 1, .connections_per_endpoint_max = 16, .request_timeout = kRequestTimeout});
  auto world = Prepare(control, *gateway, url, options, *mix, concurrency_max, users);
  if (!world.ok()) {
    std::cerr << "bench: " << world.error().detail << "\n";
    return 2;
  }
  const auto processes =
      ProcessesToWatch(options.data_dir.empty() ? "/nonexistent" : options.data_dir);
  const RunContext run{.options = options,
                       .mix = *mix,
                       .world = *world,
                       .gateway = *gateway,
                       .url = url,
                       .users = users,
                       .control = control,
                       .processes = processes,
                       .stop_signals = options.faults ? &stop_signals : nullptr};
  const std::optional<LatencySummary> disk_sync = ProbeDisk(options.data_dir);
  std::vector<Report> rows;
  for (size_t i = 0; i < options.concurrency_levels.size(); ++i) {
    RowOutcome row = RunRow(run, i, options.concurrency_levels[i]);
    PrintRow(row.report, row.check_output);
    rows.push_back(std::move(row.report));
    if (row.signalled) break;  // --faults: the signal ends the run, not only this row
  }
  if (!PublishRun(options, rows, disk_sync)) return 2;
  const bool mismatched = std::any_of(rows.begin(), rows.end(),
                                      [](const Report& row) { return row.mismatches_total() > 0; });
  if (options.faults && mismatched)
    std::cout << "(--faults: mismatched outcomes do not fail the run)\n";
  const bool check_failed = std::any_of(rows.begin(), rows.end(), [](const Report& row) {
    return row.check_ran && !row.check_passed;
  });
  return (!options.faults && mismatched) || check_failed ? 1 : 0;
}

}  // namespace tinysaga::app::bench
