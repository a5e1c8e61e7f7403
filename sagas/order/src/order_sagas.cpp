#include "tinysaga/sagas/order_sagas.h"

#include <cassert>

#include "tinysaga/core/json_reader.h"

namespace tinysaga::sagas {
namespace {

using contracts::Participant;
using contracts::Payload;
using saga::Action;
using saga::Failure;
using saga::FailureEffectUnknown;
using saga::MakeAction;
using saga::ReplyRule;
using saga::Retry;
using saga::SagaDefinition;
using saga::SagaState;
using saga::Step;
using saga::Success;

// Builders read the data that Start (and CheckStateFits, after a load) checked.
OrderSagaData Data(const SagaState& state) {
  auto data = OrderSagaData::FromJson(state.data);
  assert(data.ok());
  return std::move(data).value();
}

contracts::ChargeWallet BuildChargeWallet(const SagaState& state) {
  OrderSagaData data = Data(state);
  return contracts::ChargeWallet{data.user_id, data.amount};
}
contracts::Refund BuildRefund(const SagaState& state) {
  OrderSagaData data = Data(state);
  return contracts::Refund{data.user_id, data.amount};
}
contracts::ReserveStock BuildReserveStock(const SagaState& state) {
  OrderSagaData data = Data(state);
  return contracts::ReserveStock{data.product_id, data.quantity};
}
contracts::ReleaseStock BuildReleaseStock(const SagaState& state) {
  OrderSagaData data = Data(state);
  return contracts::ReleaseStock{data.product_id, data.quantity};
}
// The reply to ChargeWallet that Payment's event about the charge stands for.
std::string ChargeReplyOf(const Payload& event) {
  const auto* failed = std::get_if<contracts::PaymentFailed>(&event);
  if (failed == nullptr) return "PaymentCharged";
  return failed->failure == contracts::PaymentFailure::kInsufficientFunds ? "PaymentDeclined"
                                                                          : "PaymentUnavailable";
}

// The order saga's step whose compensation is the refund.
constexpr int kChargeWalletStep = 1;

// The reasons are chosen when compensation begins; a refund abandoned since then makes
// "payment refunded" untrue.
contracts::MarkFailed BuildMarkFailed(const SagaState& state) {
  return contracts::MarkFailed{saga::CompensationAbandoned(state.history, kChargeWalletStep)
                                   ? UnrefundedReason(state.failure_reason)
                                   : state.failure_reason};
}

contracts::MarkPlaced BuildMarkPlaced(const SagaState&) { return {}; }
contracts::MarkCanceled BuildMarkCanceled(const SagaState&) { return {}; }

// An order status change: success when the Order service made (or had made) it.
template <typename Build>
Action OrderCommand(Build build, std::vector<ReplyRule> failures, const ActionTimings& timings) {
  failures.insert(failures.begin(), Success("OrderStatusChanged"));
  return MakeAction(Participant::kOrder, std::move(build), std::move(failures), timings);
}

Result<void> CheckOrderSagaData(const nlohmann::json& data) {
  auto parsed = OrderSagaData::FromJson(data);
  if (!parsed.ok()) return parsed.error();
  return Ok();
}

std::optional<nlohmann::json> OrderSagaDataOf(const Payload& event) {
  std::optional<OrderSagaData> data = SagaDataOf(event);
  if (!data) return std::nullopt;
  return data->ToJson();
}

OrderSagaData DataOf(const auto& event) {
  return OrderSagaData{event.user_id, event.amount, event.product_id, event.quantity};
}

}  // namespace

std::optional<OrderSagaData> SagaDataOf(const contracts::Payload& event) {
  return std::visit(
      [](const auto& payload) -> std::optional<OrderSagaData> {
        if constexpr (requires {
                        payload.user_id;
                        payload.amount;
                        payload.product_id;
                        payload.quantity;
                      }) {
          return DataOf(payload);
        } else {
          return std::nullopt;
        }
      },
      event);
}

std::string UnrefundedReason(std::string_view reason) {
  constexpr std::string_view kRefunded = ", payment refunded";
  if (reason.ends_with(kRefunded)) reason.remove_suffix(kRefunded.size());
  return std::string(reason) + ", refund not done: an operator must act";
}

nlohmann::json OrderSagaData::ToJson() const {
  return {{"userId", user_id.value()},
          {"amount", amount.cents()},
          {"currency", amount.currency()},
          {"productId", product_id.value()},
          {"quantity", quantity}};
}

Result<OrderSagaData> OrderSagaData::FromJson(const nlohmann::json& json) {
  JsonReader reader(json, "order saga data");
  auto user_id = reader.ReadId<UserId>("userId");
  auto amount = reader.ReadMoney("amount", "currency");
  auto product_id = reader.ReadId<ProductId>("productId");
  int64_t quantity = reader.Integer("quantity", contracts::kQuantityMin, contracts::kQuantityMax);
  TS_RETURN_IF_ERROR(reader.Finish());
  return OrderSagaData{std::move(user_id), *amount, std::move(product_id), quantity};
}

SagaDefinition OrderSaga(const SagaTimings& timings) {
  const ActionTimings& forward = timings.forward;
  const ActionTimings& must_finish = timings.must_finish;
  SagaDefinition saga{
      .type = std::string(kOrderSagaType),
      .check_data = &CheckOrderSagaData,
      .description =
          "Pays for an order, reserves its stock and places it; started by Payment's "
          "PaymentCompleted or PaymentFailed",
      // Choreography: POST /api/payment marks the order PAYMENT_PENDING before it debits.
      .start_fact = "status:PAYMENT_PENDING",
      .data_of = &OrderSagaDataOf};
  // Only a compensation: whatever fails later, the last undo marks the order FAILED with the
  // reason. Having no forward command, this step can never be the one that fails, so every
  // failure reaches the refund below it.
  saga.steps.push_back(
      Step{.name = "order",
           .label = "Saga started for the order",
           .undo_label = "Order marked FAILED",
           .compensation =
               OrderCommand(&BuildMarkFailed, {Failure("OrderStatusRejected", "")}, must_finish),
           .facts = {.undone = "status:FAILED"}});
  assert(saga.steps.size() == static_cast<size_t>(kChargeWalletStep));
  saga.steps.push_back(
      Step{.name = "charge_wallet",
           .label = "Charge the wallet",
           .undo_label = "Refund the payment",
           .forward = MakeAction(
               Participant::kPayment, &BuildChargeWallet,
               {Success("PaymentCharged"), Failure("PaymentDeclined", kReasonInsufficientFunds),
                FailureEffectUnknown("PaymentUnavailable", kReasonPaymentUnavailable)},
               timings.charge),
           .compensation = MakeAction(Participant::kPayment, &BuildRefund,
                                      {Success("Refunded"), Retry("PaymentUnavailable"),
                                       Failure("RefundRefused", kReasonRefundRefused)},
                                      must_finish),
           .reason_when_exhausted = std::string(kReasonPaymentUnavailable),
           // Choreography: Payment's own event is the charge's outcome. In both modes Order
           // follows that event itself (PAYMENT_PENDING -> PAYMENT_DONE), with no command: a
           // command and its reply would only echo a charge that already happened.
           .facts = {.done = "PaymentCompleted",
                     .failed = "PaymentFailed",
                     .undone = "Refunded",
                     .undo_failed = "RefundRefused"},
           // Orchestration: the saga starts from Payment's event, the very answer ChargeWallet
           // would get from Payment's record, so the charge is decided with no round trip.
           .reply_of_fact = &ChargeReplyOf});
  saga.steps.push_back(Step{
      .name = "reserve_stock",
      .label = "Reserve stock",
      .undo_label = "Release the stock",
      .forward =
          MakeAction(Participant::kInventory, &BuildReserveStock,
                     {Success("StockReserved"), Failure("OutOfStock", kReasonOutOfStock)}, forward),
      .compensation = MakeAction(Participant::kInventory, &BuildReleaseStock,
                                 {Success("StockReleased")}, must_finish),
      .reason_when_exhausted = std::string(kReasonInventoryUnavailable),
      // Choreography: Order announces OrderCancelRequested when Inventory does not answer in
      // time (order_deadlines.h); whatever was reserved is released.
      .facts = {.done = "StockReserved",
                .failed = "OutOfStock",
                .gave_up = "OrderCancelRequested",
                .undone = "StockReleased"}});
  // Paid and reserved, the order only has to become PLACED, and that cannot be undone: once
  // applied, MarkFailed is refused. So an unanswered MarkPlaced, which may have been applied (an
  // orchestrator catching up after a restart meets its reply late), is asked again with the
  // patient timings instead of compensated after the forward attempts. Found by the crash test:
  // an order PLACED while its saga FAILED, refunded and released its stock. Only a refusal
  // (the order changed meanwhile) undoes the saga.
  saga.steps.push_back(Step{
      .name = "order_placed",
      .label = "Order placed",
      .forward = OrderCommand(&BuildMarkPlaced,
                              {Failure("OrderStatusRejected", kReasonOrderRejected)}, must_finish),
      .reason_when_exhausted = std::string(kReasonOrderUnavailable),
      .facts = {.done = "status:PLACED"},
      // The point of no return: an operator's abort is refused from here on.
      .abortable = false});
  return saga;
}

SagaDefinition CancelSaga(const SagaTimings& timings) {
  // Nothing here can be undone (stock released and money returned are what the user asked
  // for), so every step uses the patient timings and none has a compensation.
  const ActionTimings& must_finish = timings.must_finish;
  // A failure leaves the cancel half done (e.g. the stock released, the money not back), so
  // the saga ends GAVE_UP, for an operator.
  SagaDefinition saga{
      .type = std::string(kCancelSagaType),
      .check_data = &CheckOrderSagaData,
      .reversible = false,
      .description =
          "Cancels a placed order: releases its stock, refunds the payment and marks "
          "it CANCELED; started by Order's OrderCancelRequested",
      .start_fact = "OrderCancelRequested",
      .data_of = &OrderSagaDataOf};
  saga.steps.push_back(Step{.name = "release_stock",
                            .label = "Release the stock",
                            .forward = MakeAction(Participant::kInventory, &BuildReleaseStock,
                                                  {Success("StockReleased")}, must_finish),
                            .reason_when_exhausted = "inventory service unavailable",
                            .facts = {.done = "StockReleased"}});
  saga.steps.push_back(Step{.name = "refund",
                            .label = "Refund the payment",
                            .forward = MakeAction(Participant::kPayment, &BuildRefund,
                                                  {Success("Refunded"), Retry("PaymentUnavailable"),
                                                   Failure("RefundRefused", kReasonRefundRefused)},
                                                  must_finish),
                            .reason_when_exhausted = "payment service unavailable",
                            .facts = {.done = "Refunded", .failed = "RefundRefused"}});
  saga.steps.push_back(
      Step{.name = "order_canceled",
           .label = "Order canceled",
           .forward = OrderCommand(&BuildMarkCanceled,
                                   {Failure("OrderStatusRejected", "order could not be canceled")},
                                   must_finish),
           .reason_when_exhausted = "order service unavailable",
           .facts = {.done = "status:CANCELED"}});
  return saga;
}

std::vector<SagaDefinition> AllSagas(const SagaTimings& timings) {
  std::vector<SagaDefinition> sagas;
  sagas.push_back(OrderSaga(timings));
  sagas.push_back(CancelSaga(timings));
  return sagas;
}

const std::vector<SagaDefinition>& DefaultDefinitions() {
  static const std::vector<SagaDefinition> defaults = AllSagas();
  return defaults;
}

const SagaDefinition* DefaultDefinition(std::string_view type) {
  return saga::FindDefinition(DefaultDefinitions(), type);
}

}  // namespace tinysaga::sagas
