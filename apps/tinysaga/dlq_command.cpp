#include "dlq_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "tinysaga/http/client.h"
#include "tinysaga/http/message.h"

namespace tinysaga::app {
namespace {

std::string Text(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "-";
  return object[key].get<std::string>();
}

http::Request RequestFor(const DlqOptions& options) {
  http::Request request{.method = "GET", .target = "/api/dead-letters"};
  if (options.verb == "list") {
    request.target += "?limit=" + std::to_string(options.limit);
    if (!options.service.empty())
      request.target += "&service=" + http::PercentEncode(options.service);
    if (!options.state.empty()) request.target += "&state=" + http::PercentEncode(options.state);
    if (!options.cursor.empty()) request.target += "&cursor=" + http::PercentEncode(options.cursor);
  } else {
    request.target += "/" + http::PercentEncode(options.id);
    if (options.verb != "show") {
      request.method = "POST";
      request.target += "/" + options.verb;
      request.body = nlohmann::json{{"reason", options.reason}}.dump();
      request.headers.emplace_back("Content-Type", "application/json");
    }
  }
  if (!options.token.empty())
    request.headers.emplace_back("Authorization", "Bearer " + options.token);
  return request;
}

std::string DeadLetterText(const nlohmann::json& item) {
  std::ostringstream out;
  for (const auto& [name, value] : item.items()) {
    out << name << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
  }
  return out.str();
}

}  // namespace

std::string DeadLetterLines(const nlohmann::json& body) {
  std::ostringstream out;
  if (!body.is_object() || !body.contains("deadLetters") || !body["deadLetters"].is_array())
    return "";
  for (const nlohmann::json& item : body["deadLetters"]) {
    out << Text(item, "id") << "  " << Text(item, "state") << "  " << Text(item, "deadLetteredAt")
        << "  " << Text(item, "topic") << "  " << Text(item, "type") << "  "
        << Text(item, "messageId") << "  " << Text(item, "reason") << "\n";
  }
  if (body.contains("nextCursor") && body["nextCursor"].is_string())
    out << "more: --cursor " << body["nextCursor"].get<std::string>() << "\n";
  return out.str();
}

CLI::App* AddDlqCommand(CLI::App& app, DlqOptions& options) {
  auto* dlq = app.add_subcommand("dlq", "Dead letters of a running system (admin token)");
  dlq->require_subcommand(1);
  dlq->add_option("--url", options.url, "Gateway URL")->capture_default_str();
  dlq->add_option("--token", options.token, "Admin JWT")->envname("TINYSAGA_TOKEN");
  dlq->add_flag("--json", options.json, "Print the API's JSON");
  auto* list = dlq->add_subcommand("list", "List dead letters, newest first, across services");
  list->add_option("--service", options.service, "Only this service's");
  list->add_option("--state", options.state, "open, redriven or discarded")
      ->check(CLI::IsMember({"open", "redriven", "discarded"}));
  list->add_option("--limit", options.limit, "At most this many")->check(CLI::Range(1, 100));
  list->add_option("--cursor", options.cursor, "The next page's cursor from the last list");
  list->callback([&options] { options.verb = "list"; });
  // Each verb passes the options it does not know (--url, --token, --json) up to `dlq`, so they
  // may follow it too: `tinysaga dlq redrive payment:3 --reason R --url U`.
  list->fallthrough();
  auto* show = dlq->add_subcommand("show", "Show one dead letter with its payload");
  show->add_option("id", options.id, "Dead letter id, e.g. payment:3")->required();
  show->callback([&options] { options.verb = "show"; });
  show->fallthrough();
  for (const char* verb : {"redrive", "discard"}) {
    auto* act = dlq->add_subcommand(
        verb, std::string(verb) == "redrive"
                  ? "Publish a dead letter again to its topic (applied again by its consumer)"
                  : "Close a dead letter without publishing it");
    act->add_option("id", options.id, "Dead letter id, e.g. payment:3")->required();
    act->add_option("--reason", options.reason, "Why (recorded with your user id)")->required();
    act->callback([&options, verb] { options.verb = verb; });
    act->fallthrough();
  }
  return dlq;
}

int RunDlq(const DlqOptions& options) {
  std::string url = options.url;
  while (url.ends_with('/')) url.pop_back();
  auto gateway = http::Endpoint::Parse(url);
  if (!gateway.ok()) {
    std::cerr << "dlq: bad --url '" << url << "': " << gateway.error().detail << "\n";
    return 2;
  }
  http::Client client;
  auto response = client.SendAndWait(*gateway, RequestFor(options), std::chrono::seconds(10));
  if (!response.ok()) {
    std::cerr << "dlq: cannot reach " << url << ": " << response.error().detail << "\n";
    return 2;
  }
  const nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    const std::string detail = Text(body, "detail") != "-" ? Text(body, "detail") : response->body;
    std::cerr << "dlq " << options.verb << ": HTTP " << response->status << ": " << detail << "\n";
    return 1;
  }
  if (options.json) {
    std::cout << body.dump(2) << "\n";
  } else if (options.verb == "list") {
    std::cout << DeadLetterLines(body);
  } else {
    std::cout << DeadLetterText(body);
  }
  return 0;
}

}  // namespace tinysaga::app
