#include "payment/payment_service.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "payment/handlers/payment_api.h"
#include "payment/handlers/payment_commands.h"
#include "payment/handlers/payment_events.h"
#include "payment/log.h"
#include "payment/order_client.h"
#include "payment/schema.h"
#include "payment/wallet_client.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/thread_name.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/platform/peer_client.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::payment {
namespace {

// The background thread: the reconciler at startup and every reconcile_interval, the refund
// queue every refund_poll_interval. Started by its constructor, stopped and joined by its
// destructor (or Stop()), which interrupts the wait but lets a running pass finish (bounded by
// one wallet timeout per pass).
class Background {
 public:
  Background(Reconciler& reconciler, RefundWorker& refunds, const Clock& clock,
             const PaymentOptions& options)
      : reconciler_(reconciler), refunds_(refunds), clock_(clock), options_(options) {
    thread_ = std::thread([this] {
      NameThisThread("refunds");
      Loop();
    });
  }
  ~Background() { Stop(); }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Runs a pass now instead of at the next poll (a refund was queued).
  void Wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    wake_.notify_all();
  }

 private:
  void Loop() {
    TimestampMs next_reconcile_ms = 0;  // at once: payments a crash left PENDING
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      const TimestampMs now_ms = clock_.NowMs();
      if (now_ms >= next_reconcile_ms) {
        if (auto done = reconciler_.RunOnce(now_ms); !done.ok())
          Log()->error("reconciler: {}", done.error().detail);
        next_reconcile_ms = now_ms + options_.reconcile_interval.count();
      }
      if (auto done = refunds_.RunOnce(now_ms); !done.ok())
        Log()->error("refund worker: {}", done.error().detail);
      lock.lock();
      wake_.wait_for(lock, options_.refund_poll_interval, [this] { return stopping_ || woken_; });
      woken_ = false;
    }
  }

  Reconciler& reconciler_;
  RefundWorker& refunds_;
  const Clock& clock_;
  const PaymentOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

// What the payment routes, handlers and background thread use, destroyed in reverse order:
// the background thread first (joined), then the handlers, the clients, and the HTTP client
// they send through. RunService destroys the parts after the server and the consumers stopped.
struct PaymentParts {
  PaymentParts(platform::ServiceContext& service, const PaymentOptions& options,
               std::vector<http::Endpoint> wallet_endpoints,
               std::vector<http::Endpoint> order_endpoints)
      : notify([&service] { service.NotifyOutbox(); }),
        wallet(client, wallet_endpoints, service.config.internal_secret,
               Retrier(options.wallet_retry, service.rng, RealSleeper())),
        refund_wallet(
            client, wallet_endpoints, service.config.internal_secret,
            Retrier(RetryPolicy{.attempts_max = 1, .per_attempt_timeout = options.refund_timeout},
                    service.rng, RealSleeper())),
        orders(client, std::move(order_endpoints), service.config.internal_secret,
               options.order_timeout),
        api(*service.db, service.clock, service.rng, wallet, orders, notify),
        reconciler(*service.db, service.rng, notify, options.reconciler),
        refunds_refused(prometheus::BuildCounter()
                            .Name("tinysaga_refunds_refused_total")
                            .Help("Refunds the wallet refused for good; each waits for an "
                                  "operator (tinysaga check lists them)")
                            .Register(*service.registry)
                            .Add({})),
        refunds(*service.db, refund_wallet, service.clock, service.rng, notify, options.refunds,
                [this] { refunds_refused.Increment(); }),
        background(reconciler, refunds, service.clock, options) {}

  std::function<void()> notify;
  http::Client client;
  WalletClient wallet;         // POST /api/payment's debits, with the retry policy
  WalletClient refund_wallet;  // the refund worker's single attempts (its queue retries)
  OrderClient orders;
  PaymentApi api;
  Reconciler reconciler;
  prometheus::Counter& refunds_refused;
  RefundWorker refunds;
  Background background;
};

}  // namespace

std::chrono::milliseconds RequestNetworkTimeMax(const PaymentOptions& options) {
  return 2 * options.order_timeout + RetryWindowMax(options.wallet_retry);
}

Result<void> CheckPaymentOptions(const PaymentOptions& options) {
  TS_RETURN_IF_ERROR(CheckRetryPolicy(options.wallet_retry));
  using std::chrono::milliseconds;
  for (const auto& [name, value] : {std::pair{"order timeout", options.order_timeout},
                                    std::pair{"refund timeout", options.refund_timeout},
                                    std::pair{"refund poll interval", options.refund_poll_interval},
                                    std::pair{"reconcile interval", options.reconcile_interval},
                                    std::pair{"refund retry", options.refunds.retry_initial}}) {
    if (value <= milliseconds(0)) {
      return MakeError(Errc::kInvalidRequest, std::string(name) + " must be positive");
    }
  }
  if (options.refunds.retry_max < options.refunds.retry_initial || options.refunds.batch_max < 1 ||
      options.reconciler.batch_max < 1) {
    return MakeError(Errc::kInvalidRequest, "refund retry and batch bounds are inconsistent");
  }
  const milliseconds request_max = RequestNetworkTimeMax(options);
  if (options.reconciler.stale_after <= 2 * request_max) {
    return MakeError(Errc::kInvalidRequest,
                     "the stale limit (" + std::to_string(options.reconciler.stale_after.count()) +
                         " ms) must exceed twice the longest request (2 x " +
                         std::to_string(request_max.count()) +
                         " ms), or a running payment could be failed under it");
  }
  return Ok();
}

int Run(const platform::ServiceConfig& config) { return Run(config, PaymentOptions{}); }

int Run(const platform::ServiceConfig& config, const PaymentOptions& options) {
  if (auto checked = CheckPaymentOptions(options); !checked.ok()) {
    Log()->error("bad payment options: {}", checked.error().detail);
    return 1;
  }
  auto wallet_endpoints = platform::PeerEndpoints(config, "wallet");
  auto order_endpoints = platform::PeerEndpoints(config, "order");
  if (!wallet_endpoints.ok() || !order_endpoints.ok()) {
    Log()->error(
        "bad peer URL: {}",
        (!wallet_endpoints.ok() ? wallet_endpoints.error() : order_endpoints.error()).detail);
    return 1;
  }
  if (wallet_endpoints->empty())
    Log()->warn("no wallet peer configured; payments and user listings will answer 503");
  if (order_endpoints->empty()) Log()->warn("no order peer configured; payments will answer 503");
  return platform::RunService(
      config, schema::AllMigrations(), [&](platform::ServiceContext& service) {
        auto parts = std::make_shared<PaymentParts>(service, options, std::move(*wallet_endpoints),
                                                    std::move(*order_endpoints));
        parts->api.Register(*service.server, config.internal_secret);
        if (service.messaging) {
          // Orchestration: the orchestrator's commands. Choreography: Inventory's events.
          const bool choreography = config.saga_mode == SagaMode::kChoreography;
          const std::vector<std::string> topics =
              choreography
                  ? saga::ChoreographyTopics(sagas::DefaultDefinitions(),
                                             contracts::Participant::kPayment)
                  : std::vector<std::string>{std::string(contracts::kPaymentCommandsTopic)};
          platform::MessageHandler handle = choreography
                                                ? PaymentEventHandler(service.clock, service.rng)
                                                : PaymentCommandHandler(service.clock, service.rng);
          // The handlers queue refunds inside the consumer's transaction; the worker is woken
          // after the commit, so the refund need not wait for its next poll.
          platform::IgnoredTypes ignores = platform::Handlers::IgnoredBy(handle);
          auto refund_queued = std::make_shared<std::atomic<bool>>(false);
          auto handler = [handle = std::move(handle), refund_queued](
                             soci::session& session, const contracts::Message& message) {
            auto handled = handle(session, message);
            if (handled.ok() && CausesRefund(message)) *refund_queued = true;
            return handled;
          };
          auto subscribed = service.messaging->Subscribe(
              choreography ? "events" : "commands", topics, std::move(handler),
              [refund_queued, background = &parts->background] {
                if (refund_queued->exchange(false)) background->Wake();
              },
              std::move(ignores));
          if (!subscribed.ok()) {
            Log()->error("cannot consume {}: {}", topics.front(), subscribed.error().detail);
          }
        }
        return platform::ServiceParts(std::move(parts));
      });
}

}  // namespace tinysaga::payment
