#include "sagas_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "tinysaga/http/client.h"
#include "tinysaga/http/message.h"

namespace tinysaga::app {
namespace {

// The member `key` of `object`, or null: the document comes over the network, so a field may
// be missing or of another type.
const nlohmann::json& Field(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

// A text field, or "-" when it is missing or null.
std::string Or(const nlohmann::json& value) { return value.is_string() ? Text(value) : "-"; }

// " -> payment ChargeWallet (10000 ms per attempt, 3 attempts, backoff 200..5000 ms)"
std::string ActionLine(const nlohmann::json& action) {
  std::string line =
      " -> " + Text(Field(action, "participant")) + " " + Text(Field(action, "command"));
  if (action.contains("timeoutMs")) {
    const nlohmann::json& backoff = Field(action, "backoff");
    line += " (" + Field(action, "timeoutMs").dump() + " ms per attempt, " +
            Field(action, "attemptsMax").dump() + " attempts, backoff " +
            Field(backoff, "initialMs").dump() + ".." + Field(backoff, "maxMs").dump() + " ms)";
  }
  return line;
}

// "PaymentCharged: SUCCESS, PaymentDeclined: FAILURE (insufficient funds)"
std::string RepliesLine(const nlohmann::json& replies) {
  std::string line;
  for (const nlohmann::json& reply : replies) {
    if (!line.empty()) line += ", ";
    line += Text(Field(reply, "type")) + ": " + Text(Field(reply, "outcome"));
    if (reply.contains("reason")) line += " (" + Text(Field(reply, "reason")) + ")";
  }
  return line;
}

void Describe(const nlohmann::json& definition, std::string_view mode, std::ostream& out) {
  out << Text(Field(definition, "type")) << " saga (" << mode
      << "): " << Text(Field(definition, "description")) << "\n";
  if (Field(definition, "reversible") == false) {
    out << "  cannot be undone: a failure ends it GAVE_UP, for an operator\n";
  }
  if (const std::string start = Text(Field(definition, "startFact")); !start.empty()) {
    out << "  started by the fact " << start << "\n";
  }
  int index = 0;
  for (const nlohmann::json& step : Field(definition, "steps")) {
    std::string name = Text(Field(step, "name"));
    name.resize(std::max<size_t>(name.size(), 20), ' ');
    out << "  " << index++ << "  " << name << " " << Text(Field(step, "label"));
    if (!Field(step, "command").is_null()) out << ActionLine(step);
    if (!Field(step, "parallelGroup").is_null()) {
      out << "  [runs together with the rest of group " << Field(step, "parallelGroup").dump()
          << "]";
    }
    if (Field(step, "abortable") == false) out << "  [point of no return: no abort from here]";
    out << "\n";
    const std::string indent(26, ' ');
    if (!Field(step, "replies").is_null())
      out << indent << "replies: " << RepliesLine(Field(step, "replies")) << "\n";
    if (const nlohmann::json& facts = Field(step, "facts"); facts.is_object() && !facts.empty()) {
      std::string line;
      for (const auto& [outcome, fact] : facts.items()) {
        line += (line.empty() ? "" : ", ") + outcome + " " + Text(fact);
      }
      out << indent << "facts: " << line << "\n";
    }
    const nlohmann::json& undo = Field(step, "compensation");
    if (!undo.is_null()) {
      out << indent << "undo: " << Text(Field(undo, "label")) << ActionLine(undo) << "\n";
      out << indent << "      replies: " << RepliesLine(Field(undo, "replies")) << "\n";
    }
  }
}

}  // namespace

Result<std::string> DescribeDefinitions(const nlohmann::json& body, std::string_view type) {
  if (!Field(body, "definitions").is_array()) {
    return MakeError(Errc::kInvalidRequest, "the answer is not a list of saga definitions");
  }
  const std::string mode = Text(Field(body, "mode"));
  std::ostringstream out;
  std::string known;
  bool found = false;
  for (const nlohmann::json& definition : Field(body, "definitions")) {
    if (!Field(definition, "steps").is_array()) {
      return MakeError(Errc::kInvalidRequest, "a saga definition without steps");
    }
    const std::string name = Text(Field(definition, "type"));
    known += (known.empty() ? "" : ", ") + name;
    if (!type.empty() && name != type) continue;
    if (found) out << "\n";
    found = true;
    Describe(definition, mode, out);
  }
  if (!found) {
    return MakeError(Errc::kNotFound,
                     "no saga '" + std::string(type) + "' (the system runs: " + known + ")");
  }
  return out.str();
}

std::string SagaLines(const nlohmann::json& body) {
  std::ostringstream out;
  for (const nlohmann::json& saga : Field(body, "sagas")) {
    out << Or(Field(saga, "orderId")) << "  " << Or(Field(saga, "state")) << "  "
        << Or(Field(saga, "type")) << "  step " << Or(Field(saga, "currentStep")) << "  updated "
        << Or(Field(saga, "updatedAt"));
    if (Field(saga, "failureReason").is_string()) {
      out << "  (" << Text(Field(saga, "failureReason")) << ")";
    }
    out << "\n";
  }
  if (Field(body, "nextCursor").is_string()) {
    out << "more: --cursor " << Text(Field(body, "nextCursor")) << "\n";
  }
  return out.str();
}

std::string DescribeSaga(const nlohmann::json& body) {
  std::ostringstream out;
  out << Or(Field(body, "type")) << " saga " << Or(Field(body, "sagaId")) << " of order "
      << Or(Field(body, "orderId")) << " (" << Or(Field(body, "mode"))
      << "): " << Or(Field(body, "state"));
  if (Field(body, "failureReason").is_string()) {
    out << ", " << Text(Field(body, "failureReason"));
  }
  out << "\n  started " << Or(Field(body, "startedAt")) << ", updated "
      << Or(Field(body, "updatedAt")) << ", retried " << Field(body, "retries").dump()
      << " times\n";
  if (Field(body, "currentStep").is_string()) {
    out << "  now at " << Text(Field(body, "currentStep")) << ", attempt "
        << Field(body, "attempt").dump() << ", " << Or(Field(body, "phase")) << ", deadline "
        << Or(Field(body, "deadlineAt")) << "\n";
  }
  out << "  steps:\n";
  for (const nlohmann::json& step : Field(body, "steps")) {
    std::string name = Text(Field(step, "name"));
    name.resize(std::max<size_t>(name.size(), 20), ' ');
    out << "    " << name << " " << Or(Field(step, "status")) << ", "
        << Field(step, "attempts").dump() << " attempts";
    if (Field(step, "error").is_string()) out << ": " << Text(Field(step, "error"));
    out << "\n";
  }
  out << "  history:\n";
  for (const nlohmann::json& event : Field(body, "history")) {
    out << "    " << Or(Field(event, "at")) << "  " << Or(Field(event, "step")) << " "
        << Or(Field(event, "kind")) << " " << Or(Field(event, "type"));
    if (Field(event, "attempt") != 0) out << " #" << Field(event, "attempt").dump();
    if (Field(event, "replyType").is_string()) out << " " << Text(Field(event, "replyType"));
    if (Field(event, "error").is_string()) out << ": " << Text(Field(event, "error"));
    if (Field(event, "actor").is_string()) {
      out << " by " << Text(Field(event, "actor")) << ": " << Or(Field(event, "reason"));
    }
    out << "\n";
  }
  out << "  messages:\n";
  for (const nlohmann::json& message : Field(body, "messages")) {
    out << "    " << Or(Field(message, "at")) << "  " << Or(Field(message, "direction")) << " "
        << Or(Field(message, "type")) << " " << Or(Field(message, "messageId")) << " on "
        << Or(Field(message, "topic")) << "\n";
  }
  for (const nlohmann::json& earlier : Field(body, "earlierSagas")) {
    out << "  earlier: " << Or(Field(earlier, "type")) << " saga " << Or(Field(earlier, "sagaId"))
        << ": " << Or(Field(earlier, "state")) << "\n";
  }
  return out.str();
}

CLI::App* AddSagasCommand(CLI::App& app, SagasOptions& options) {
  auto* sagas = app.add_subcommand("sagas", "Sagas of a running system");
  sagas->require_subcommand(1);
  auto common = [&options](CLI::App* command, bool admin) {
    command->add_option("--url", options.url, "Gateway URL")->capture_default_str();
    command->add_flag("--json", options.json, "Print the API's JSON");
    if (admin)
      command->add_option("--token", options.token, "Admin JWT")->envname("TINYSAGA_TOKEN");
  };
  auto* describe = sagas->add_subcommand(
      "describe",
      "Print the saga definitions (GET /api/sagas/definitions), or one order's saga when given "
      "an order id (ord_..., or --order; admin token)");
  describe->add_option("type", options.type,
                       "Saga type, e.g. order (default: every saga), or an order id ord_...");
  describe->add_option("--order", options.order_id, "Describe this order's saga");
  common(describe, true);
  describe->callback([&options] { options.verb = "describe"; });
  auto* list = sagas->add_subcommand("list", "List sagas, newest first (admin token)");
  list->add_option("--state", options.state,
                   "RUNNING, COMPENSATING, COMPLETED, FAILED, GAVE_UP or OVERDUE")
      ->check(
          CLI::IsMember({"RUNNING", "COMPENSATING", "COMPLETED", "FAILED", "GAVE_UP", "OVERDUE"}));
  list->add_option("--stuck-for", options.stuck_for_s,
                   "Only unfinished sagas unmoved for this many seconds")
      ->check(CLI::Range(int64_t{1}, int64_t{31'536'000}));
  list->add_option("--limit", options.limit, "At most this many")->check(CLI::Range(1, 200));
  list->add_option("--cursor", options.cursor, "The next page's cursor from the last list");
  common(list, true);
  list->callback([&options] { options.verb = "list"; });
  for (const char* verb : {"retry", "abort"}) {
    auto* act = sagas->add_subcommand(
        verb, std::string(verb) == "retry"
                  ? "Go on with a saga that GAVE_UP, from what it gave up on (admin token)"
                  : "Stop a RUNNING saga and compensate from where it is (admin token)");
    act->add_option("order", options.order_id, "Order id, e.g. ord_...")->required();
    act->add_option("--reason", options.reason, "Why (recorded with your user id)")->required();
    common(act, true);
    act->callback([&options, verb] { options.verb = verb; });
  }
  return sagas;
}

namespace {

bool DescribesAnOrder(const SagasOptions& options) {
  return !options.order_id.empty() || options.type.starts_with("ord_");
}

http::Request RequestFor(const SagasOptions& options) {
  http::Request request{.method = "GET", .target = "/api/sagas/definitions"};
  const std::string order = options.order_id.empty() ? options.type : options.order_id;
  if (options.verb == "list") {
    request.target = "/api/sagas?limit=" + std::to_string(options.limit);
    if (!options.state.empty()) request.target += "&state=" + http::PercentEncode(options.state);
    if (options.stuck_for_s > 0)
      request.target += "&stuckForS=" + std::to_string(options.stuck_for_s);
    if (!options.cursor.empty()) request.target += "&cursor=" + http::PercentEncode(options.cursor);
  } else if (options.verb == "retry" || options.verb == "abort") {
    request.method = "POST";
    request.target = "/api/orders/" + http::PercentEncode(order) + "/saga/" + options.verb;
    request.body = nlohmann::json{{"reason", options.reason}}.dump();
    request.headers.emplace_back("Content-Type", "application/json");
  } else if (DescribesAnOrder(options)) {
    request.target = "/api/orders/" + http::PercentEncode(order) + "/saga";
  }
  if (!options.token.empty())
    request.headers.emplace_back("Authorization", "Bearer " + options.token);
  return request;
}

}  // namespace

int RunSagas(const SagasOptions& options) {
  const std::string command = "sagas " + options.verb;
  std::string url = options.url;
  while (url.ends_with('/')) url.pop_back();
  auto gateway = http::Endpoint::Parse(url);
  if (!gateway.ok()) {
    std::cerr << command << ": bad --url '" << url << "': " << gateway.error().detail << "\n";
    return 2;
  }
  http::Client client;
  auto response = client.SendAndWait(*gateway, RequestFor(options), std::chrono::seconds(10));
  if (!response.ok()) {
    std::cerr << command << ": cannot reach " << url << ": " << response.error().detail << "\n";
    return 2;
  }
  const nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    const std::string detail =
        Field(body, "detail").is_string() ? Text(Field(body, "detail")) : response->body;
    std::cerr << command << ": HTTP " << response->status << ": " << detail << "\n";
    return 1;
  }
  if (options.verb != "describe" || DescribesAnOrder(options)) {
    if (options.json) {
      std::cout << body.dump(2) << "\n";
    } else {
      std::cout << (options.verb == "list" ? SagaLines(body) : DescribeSaga(body));
    }
    return 0;
  }
  if (options.json) {
    if (options.type.empty()) {
      std::cout << body.dump(2) << "\n";
      return 0;
    }
    for (const nlohmann::json& definition : Field(body, "definitions")) {
      if (Text(Field(definition, "type")) == options.type) {
        std::cout << definition.dump(2) << "\n";
        return 0;
      }
    }
  }
  auto text = DescribeDefinitions(body, options.type);
  if (!text.ok()) {
    std::cerr << command << ": " << text.error().detail << "\n";
    return 1;
  }
  std::cout << *text;
  return 0;
}

}  // namespace tinysaga::app
