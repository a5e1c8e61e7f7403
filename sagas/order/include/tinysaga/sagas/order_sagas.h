#pragma once
// The two sagas of DESIGN.md, declared as data for the engine (libs/saga), which runs them in
// orchestration and derives their choreography:
//
// order saga ("order"), started by Payment's PaymentCompleted or PaymentFailed event:
//   0 order               -                 undo: MarkFailed(reason)
//   1 charge_wallet       ChargeWallet      undo: Refund (voids a debit that went through unseen)
//   2 reserve_stock       ReserveStock      undo: ReleaseStock
//   3 order_placed        MarkPlaced        (patient retries: PLACED cannot be undone)
// (PAYMENT_PENDING -> PAYMENT_DONE is no step: Order follows PaymentCompleted itself, in both
// modes.)
// cancel saga ("cancel"), started by Order's OrderCancelRequested event:
//   0 release_stock       ReleaseStock
//   1 refund              Refund
//   2 order_canceled      MarkCanceled
//
// Why the charge is a command although POST /api/payment already debited the wallet, and why
// step 0 has only a compensation: sagas/order/README.md.
//
// In choreography (--saga-mode choreography) the same sagas come out as:
//
//   Payment  POST /api/payment           -> PaymentCompleted | PaymentFailed   (payment.events)
//   Order    PaymentCompleted            -> PAYMENT_DONE
//            PaymentFailed               -> FAILED (insufficient funds | payment unavailable)
//            StockReserved               -> PLACED
//            Refunded                    -> FAILED (out of stock / gave up) | CANCELED (cancel)
//            cancel of a PLACED order    -> OrderCancelRequested                (order.events)
//            PAYMENT_DONE past deadline  -> gives up: OrderCancelRequested in the order saga
//   Inventory PaymentCompleted           -> StockReserved | OutOfStock        (inventory.events)
//            OrderCancelRequested        -> StockReleased
//   Payment  OutOfStock | StockReleased  -> refund -> Refunded                 (payment.events)
//
// Inventory's and Payment's share is derived from the steps' facts
// (saga::ParticipantReactions); Order's status rules are its own (services/order/domain).

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/result.h"
#include "tinysaga/saga/declare.h"
#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/engine.h"

namespace tinysaga::sagas {

inline constexpr std::string_view kOrderSagaType = "order";
inline constexpr std::string_view kCancelSagaType = "cancel";

// The order's statusInfo when the order saga fails (API.md's wording).
inline constexpr std::string_view kReasonInsufficientFunds = "insufficient funds";
inline constexpr std::string_view kReasonOutOfStock = "out of stock, payment refunded";
inline constexpr std::string_view kReasonPaymentUnavailable = "payment service unavailable";
inline constexpr std::string_view kReasonOrderUnavailable =
    "order service unavailable, payment refunded";
inline constexpr std::string_view kReasonInventoryUnavailable =
    "inventory service unavailable, payment refunded";
inline constexpr std::string_view kReasonOrderRejected =
    "order changed meanwhile, payment refunded";
// Why a refund step failed: the wallet refused it for good (RefundRefused).
inline constexpr std::string_view kReasonRefundRefused = "refund refused by the wallet";
// The order's statusInfo when the Order service (choreography) gave up waiting for Inventory.
inline constexpr std::string_view kReasonNoStockAnswer =
    "no answer from inventory in time, payment refunded";

// `reason` for an order whose refund did not happen (refused, or out of attempts): ", payment
// refunded" becomes ", refund not done: an operator must act".
std::string UnrefundedReason(std::string_view reason);

// What both sagas carry: who pays how much for what.
struct OrderSagaData {
  UserId user_id;
  Money amount;
  ProductId product_id;
  int64_t quantity = 0;

  nlohmann::json ToJson() const;  // {"userId", "amount", "currency", "productId", "quantity"}
  static Result<OrderSagaData> FromJson(const nlohmann::json& json);
  bool operator==(const OrderSagaData&) const = default;
};

// The data a message carries whole (PaymentCompleted, PaymentFailed, OrderCancelRequested);
// nullopt for any other.
std::optional<OrderSagaData> SagaDataOf(const contracts::Payload& event);

using saga::ActionTimings;

struct SagaTimings {
  // The charge, which Payment settles by itself: POST /api/payment debits with its own retries,
  // and a payment a crash left PENDING is failed by Payment's reconciler once it is 60 s old
  // (checked every 5 s). ChargeWallet is answered from that record, so an attempt waits as
  // long as the reconciler may take; and in choreography an order waits this budget
  // (~2 minutes) in PAYMENT_PENDING before it gives up.
  ActionTimings charge{60'000, 2};
  // The other forward steps of the order saga: after these, the saga compensates.
  ActionTimings forward;
  // Compensations, and the cancel saga's steps (which cannot be undone, so must get through):
  // more patient, because giving up leaves work for an operator.
  ActionTimings must_finish{
      10'000, 20,
      saga::Backoff{std::chrono::milliseconds(500), 2, std::chrono::milliseconds(60'000)}};
};

saga::SagaDefinition OrderSaga(const SagaTimings& timings = {});
saga::SagaDefinition CancelSaga(const SagaTimings& timings = {});

// Every saga this build runs, with `timings`: the order saga, then the cancel saga.
std::vector<saga::SagaDefinition> AllSagas(const SagaTimings& timings = {});
// Every saga with the default timings (built once, kept for the process's life; thread-safe),
// for whoever reads the sagas rather than runs them: the choreography's participants and view,
// `tinysaga check`.
const std::vector<saga::SagaDefinition>& DefaultDefinitions();
// The definition of `type` among those; nullptr for a type this build does not know.
const saga::SagaDefinition* DefaultDefinition(std::string_view type);

}  // namespace tinysaga::sagas
