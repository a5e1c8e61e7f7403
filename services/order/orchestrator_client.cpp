#include "order/orchestrator_client.h"

#include <nlohmann/json.hpp>

namespace tinysaga::order {

OrchestratorClient::OrchestratorClient(http::Client& client,
                                       std::vector<http::Endpoint> endpoints,
                                       std::string internal_secret,
                                       std::chrono::milliseconds timeout)
    : peer_(client, "orchestrator", std::move(endpoints), std::move(internal_secret), timeout) {}

SagaObservation OrchestratorClient::GetSaga(const OrderId& order_id) {
  http::Request request;
  request.method = "GET";
  request.target = "/api/orders/" + http::PercentEncode(order_id.value()) + "/saga";
  auto response = peer_.SendAsService(std::move(request));
  if (!response.ok()) return SagaObservation{};
  return ParseSagaView(response->status, response->body);
}

SagaObservation ParseSagaView(int status, const std::string& body) {
  if (status == 404) return SagaObservation{SagaPresence::kAbsent, "", false};
  if (status != 200) return SagaObservation{};
  nlohmann::json view = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto state = view.is_object() ? view.find("state") : view.end();
  if (!view.is_object() || state == view.end() || !state->is_string()) return SagaObservation{};
  const bool terminal = *state == "COMPLETED" || *state == "FAILED" || *state == "GAVE_UP";
  return SagaObservation{SagaPresence::kPresent,
                         view.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         terminal};
}

}  // namespace tinysaga::order
