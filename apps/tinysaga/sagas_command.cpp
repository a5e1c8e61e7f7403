#include "sagas_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "tinysaga/http/client.h"

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

CLI::App* AddSagasCommand(CLI::App& app, SagasOptions& options) {
  auto* sagas = app.add_subcommand("sagas", "Sagas of a running system");
  sagas->require_subcommand(1);
  auto* describe =
      sagas->add_subcommand("describe", "Print the saga definitions (GET /api/sagas/definitions)");
  describe->add_option("type", options.type, "Saga type, e.g. order (default: every saga)");
  describe->add_option("--url", options.url, "Gateway URL")->capture_default_str();
  describe->add_flag("--json", options.json, "Print the endpoint's JSON");
  return describe;
}

int RunSagasDescribe(const SagasOptions& options) {
  std::string url = options.url;
  while (url.ends_with('/')) url.pop_back();
  auto gateway = http::Endpoint::Parse(url);
  if (!gateway.ok()) {
    std::cerr << "sagas describe: bad --url '" << url << "': " << gateway.error().detail << "\n";
    return 2;
  }
  http::Client client;
  auto response = client.SendAndWait(
      *gateway, http::Request{.method = "GET", .target = "/api/sagas/definitions"},
      std::chrono::seconds(10));
  if (!response.ok()) {
    std::cerr << "sagas describe: cannot reach " << url << ": " << response.error().detail << "\n";
    return 2;
  }
  const nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    const std::string detail =
        Field(body, "detail").is_string() ? Text(Field(body, "detail")) : response->body;
    std::cerr << "sagas describe: HTTP " << response->status << ": " << detail << "\n";
    return 1;
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
    std::cerr << "sagas describe: " << text.error().detail << "\n";
    return 1;
  }
  std::cout << *text;
  return 0;
}

}  // namespace tinysaga::app
