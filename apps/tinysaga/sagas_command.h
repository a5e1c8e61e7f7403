#pragma once
// `tinysaga sagas describe [TYPE] [--url URL] [--json]` (issue 13): the saga definitions the
// running system uses, read from GET /api/sagas/definitions (public), printed one block per
// saga and one line per step: what it does, who does it with which command, its replies, its
// compensation and (orchestration) its timings. The operator verbs of issue 15 (list, retry,
// abort) belong beside it.
//
// Exit codes: 0 printed; 1 no saga of that type, or the gateway answered an error; 2 the
// gateway could not be reached or the URL is malformed.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace CLI {
class App;
}

namespace tinysaga::app {

struct SagasOptions {
  std::string type;  // empty: every saga
  std::string url = "http://127.0.0.1:8080";
  bool json = false;  // print the endpoint's JSON instead of the text
};

// Adds `sagas` with its `describe` subcommand; returns `describe`, parsed() when it ran.
CLI::App* AddSagasCommand(CLI::App& app, SagasOptions& options);
int RunSagasDescribe(const SagasOptions& options);

// The text of DefinitionsJson `body` for the saga `type` (empty: every saga). Pure.
// kNotFound when no saga has that type; kInvalidRequest when `body` is not such a document.
Result<std::string> DescribeDefinitions(const nlohmann::json& body, std::string_view type);

}  // namespace tinysaga::app
