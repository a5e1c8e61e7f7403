#pragma once
// `tinysaga sagas`: the sagas of a running system, through the gateway.
//
//   tinysaga sagas describe [TYPE]      the saga definitions (issue 13), GET /api/sagas/definitions
//                                       (public): one block per saga, one line per step: what it
//                                       does, who does it with which command, its replies, its
//                                       compensation and (orchestration) its timings
//   tinysaga sagas describe ORDER_ID    one order's saga (issue 15), GET /api/orders/{id}/saga:
//                                       its steps, where it is, its history with who did what and
//                                       why, the messages it sent and received. An argument that
//                                       starts with "ord_" is an order id (or say --order ID)
//   tinysaga sagas list [--state S] [--stuck-for SECONDS] [--limit N] [--cursor C]
//                                       GET /api/sagas, newest first; S is RUNNING, COMPENSATING,
//                                       COMPLETED, FAILED, GAVE_UP or OVERDUE
//   tinysaga sagas retry ORDER_ID --reason TEXT    POST /api/orders/{id}/saga/retry
//   tinysaga sagas abort ORDER_ID --reason TEXT    POST /api/orders/{id}/saga/abort
//
// Every subcommand takes --url (http://127.0.0.1:8080) and --json (the API's answer as it is);
// all but describe TYPE need an admin token: --token or TINYSAGA_TOKEN (`tinysaga token --user
// root --role admin` makes one), as `tinysaga dlq` does.
//
// Exit codes: 0 done; 1 no saga of that type, or the gateway answered an error (its detail on
// stderr: 400 no reason, 403 not an admin, 404 unknown order or no saga, 409 the saga is in no
// state for the verb); 2 the gateway could not be reached or the URL is malformed.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace CLI {
class App;
}

namespace tinysaga::app {

struct SagasOptions {
  std::string type;  // describe: a saga type (empty: every saga), or an order id ("ord_...")
  std::string url = "http://127.0.0.1:8080";
  bool json = false;  // print the endpoint's JSON instead of the text
  std::string token;  // --token or TINYSAGA_TOKEN
  std::string order_id;     // describe --order, retry, abort
  std::string reason;       // retry, abort
  std::string state;        // list
  int64_t stuck_for_s = 0;  // list; 0: no such filter
  int64_t limit = 50;       // list
  std::string cursor;       // list
  std::string verb;         // set by AddSagasCommand's callbacks: describe, list, retry, abort
};

// Adds `sagas` with its four subcommands; returns `sagas`, parsed() when one of them ran.
CLI::App* AddSagasCommand(CLI::App& app, SagasOptions& options);
int RunSagas(const SagasOptions& options);

// One line per saga of a GET /api/sagas answer, for a terminal. Pure.
std::string SagaLines(const nlohmann::json& body);

// The text of GET /api/orders/{id}/saga's answer: the saga, its steps, where it is, its
// history and its messages, then its earlier sagas in a line each. Pure.
std::string DescribeSaga(const nlohmann::json& body);

// The text of DefinitionsJson `body` for the saga `type` (empty: every saga). Pure.
// kNotFound when no saga has that type; kInvalidRequest when `body` is not such a document.
Result<std::string> DescribeDefinitions(const nlohmann::json& body, std::string_view type);

}  // namespace tinysaga::app
