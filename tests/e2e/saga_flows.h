#pragma once
// The steps of the order flow through the gateway, shared by the end-to-end suites that drive
// sagas (saga_test.cpp, clock_step_test.cpp). Each failed expectation is reported by GoogleTest
// where it happens; the waits are bounded (Eventually), so a stuck saga fails rather than hangs.

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "up_process.h"

namespace tinysaga::e2e {

// A product of our own, so that tests do not share stock: `stock` units at `price` cents.
std::string NewProduct(const Api& admin, int64_t price, int64_t stock);
// A user of our own with `balance` cents (none: no wallet at all).
std::string NewUser(const Api& admin, std::optional<int64_t> balance);

// Creates an order (201 expected); returns its id.
std::string CreateOrder(const Api& api, const std::string& product, int64_t quantity);
Api::Reply Pay(const Api& api, const std::string& order_id, const std::string& key = NewKey());

// Waits for the order to reach `status`; returns the order as last seen.
nlohmann::json WaitForStatus(const Api& api, const std::string& order_id,
                             const std::string& status);
// Waits for the order's saga (GET /api/orders/{id}/saga) to be in `state`; returns its view.
nlohmann::json WaitForSagaState(const Api& api, const std::string& order_id,
                                const std::string& state);

// The user's wallet balance in cents; 0 when the user has no wallet (404).
int64_t Balance(const Api& api, const std::string& user_id);
// The product's availableProductCount; -1 when it cannot be read.
int64_t Stock(const Api& api, const std::string& product);
// The order's transactions (PAYMENT and REFUND rows) as "TYPE:STATUS:amount".
std::multiset<std::string> Transactions(const Api& api, const std::string& order_id);

// A suite parameterised by saga mode whose tests share one `up` per mode, started by the first
// test with `UpArgs()` after the mode (CRTP: each suite keeps its own `up`), stopped after the
// last. Each test ends settled: the suite's Reset() (undo the test's switches), then
// `tinysaga check` must pass.
template <typename Suite>
class SharedUpTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    delete client_;
    delete up_;
    client_ = nullptr;
    up_ = nullptr;
  }
  void SetUp() override {
    if (up_) return;
    std::vector<std::string> args = {"--saga-mode", GetParam()};
    for (std::string& arg : static_cast<Suite*>(this)->UpArgs()) args.push_back(std::move(arg));
    up_ = new UpProcess(args);
    client_ = new http::Client();
  }
  void TearDown() override {
    if (up_ == nullptr) return;
    static_cast<Suite*>(this)->Reset();
    const CheckResult last = AwaitCheckPasses(up_->db_template());
    EXPECT_EQ(last.exit_code, 0) << last.output;
  }

  bool Choreography() const { return GetParam() == "choreography"; }
  Api As(const std::string& user_id, const std::string& role = "user") {
    Api api(*client_, up_->gateway());
    api.SignIn(user_id, role);
    return api;
  }

  static inline UpProcess* up_ = nullptr;
  static inline http::Client* client_ = nullptr;
};

// Sends SIGCONT to a process the test stopped (SIGSTOP) when it goes, however the test ends:
// the process runs again, so that `up` can stop it and the next tests find it serving.
class ResumeOnExit {
 public:
  explicit ResumeOnExit(pid_t pid) : pid_(pid) {}
  ~ResumeOnExit() { kill(pid_, SIGCONT); }
  ResumeOnExit(const ResumeOnExit&) = delete;
  ResumeOnExit& operator=(const ResumeOnExit&) = delete;

 private:
  pid_t pid_;
};

}  // namespace tinysaga::e2e
