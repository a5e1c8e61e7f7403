#include "order/handlers/saga_view.h"

#include "order/domain/choreography.h"
#include "order/order_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/view.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

// The messages of one saga the facts know: the events Order heard (received) and the cancel
// requests it announced (sent), with their ids, as the orchestrator lists its commands and
// replies. Statuses and operators' facts are no messages.
nlohmann::json MessagesJson(std::string_view saga_type,
                            const std::vector<saga::ChoreographyFact>& facts) {
  nlohmann::json messages = nlohmann::json::array();
  for (const saga::ChoreographyFact& fact : facts) {
    if (fact.saga_type != saga_type || fact.message_id.empty()) continue;
    const std::string_view topic = contracts::ChoreographyTopicOf(fact.type);
    messages.push_back({{"direction", fact.type == "OrderCancelRequested" ? "sent" : "received"},
                        {"messageId", fact.message_id},
                        {"type", fact.type},
                        {"topic", topic.empty() ? nlohmann::json(nullptr) : nlohmann::json(topic)},
                        {"at", FormatRfc3339(fact.time_ms)},
                        {"step", nullptr}});
  }
  return messages;
}

// The view of one saga, with who it acts for and when it started and last moved, as the
// orchestrator shows it, and what an operator reads (where it is, its history, its messages).
std::optional<nlohmann::json> SagaJson(std::string_view saga_type, const Order& order,
                                       const std::vector<saga::ChoreographyFact>& facts) {
  const std::string failure_reason =
      order.status == OrderStatus::kFailed ? order.status_info : std::string();
  const saga::SagaDefinition* definition = sagas::DefaultDefinition(saga_type);
  if (definition == nullptr) return std::nullopt;
  auto state = saga::ChoreographyState(*definition, order.order_id, facts, failure_reason);
  if (!state) return std::nullopt;
  const saga::SagaView view = saga::BuildView(*definition, *state, SagaMode::kChoreography);
  TimestampMs started_ms = 0;
  TimestampMs updated_ms = 0;
  for (const auto& fact : facts) {
    if (fact.saga_type != saga_type) continue;
    if (started_ms == 0) started_ms = fact.time_ms;
    updated_ms = fact.time_ms;
  }
  nlohmann::json json = saga::SagaViewToJson(view);
  json["userId"] = order.user_id.value();
  json["startedAt"] = FormatRfc3339(started_ms);
  json["updatedAt"] = FormatRfc3339(updated_ms);
  json.update(saga::SagaProgressJson(*definition, *state));
  json["history"] = saga::SagaHistoryJson(*definition, state->history);
  json["messages"] = MessagesJson(saga_type, facts);
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
