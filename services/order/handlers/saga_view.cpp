#include "order/handlers/saga_view.h"

#include "order/domain/choreography.h"
#include "order/order_repository.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

// The view of one saga, with who it acts for and when it started and last moved, as the
// orchestrator shows it.
std::optional<nlohmann::json> SagaJson(std::string_view saga_type, const Order& order,
                                       const std::vector<saga::ChoreographyFact>& facts) {
  const std::string failure_reason =
      order.status == OrderStatus::kFailed ? order.status_info : std::string();
  const saga::SagaDefinition* definition = sagas::DefaultDefinition(saga_type);
  if (definition == nullptr) return std::nullopt;
  auto view = saga::ChoreographyView(*definition, order.order_id, facts, failure_reason);
  if (!view) return std::nullopt;
  TimestampMs started_ms = 0;
  TimestampMs updated_ms = 0;
  for (const auto& fact : facts) {
    if (fact.saga_type != saga_type) continue;
    if (started_ms == 0) started_ms = fact.time_ms;
    updated_ms = fact.time_ms;
  }
  nlohmann::json json = saga::SagaViewToJson(*view);
  json["userId"] = order.user_id.value();
  json["startedAt"] = FormatRfc3339(started_ms);
  json["updatedAt"] = FormatRfc3339(updated_ms);
  return json;
}

}  // namespace

std::optional<nlohmann::json> ChoreographySagaJson(soci::session& session, const Order& order) {
  const auto facts = SagaFacts(order, ListStatusChanges(session, order.order_id),
                               ListSagaFacts(session, order.order_id));
  auto order_saga = SagaJson(sagas::kOrderSagaType, order, facts);
  auto cancel_saga = SagaJson(sagas::kCancelSagaType, order, facts);
  if (!order_saga) return std::nullopt;
  nlohmann::json earlier = nlohmann::json::array();
  nlohmann::json body;
  if (cancel_saga) {
    earlier.push_back(std::move(*order_saga));
    body = std::move(*cancel_saga);
  } else {
    body = std::move(*order_saga);
  }
  body["earlierSagas"] = std::move(earlier);
  return body;
}

}  // namespace tinysaga::order
