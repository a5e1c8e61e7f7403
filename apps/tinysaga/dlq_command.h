#pragma once
// `tinysaga dlq list|show|redrive|discard` (issue 15): the dead letters of a running system,
// through the gateway's admin API (GET /api/dead-letters, GET /api/dead-letters/{id},
// POST .../redrive and .../discard with a reason). An admin token comes from --token or
// TINYSAGA_TOKEN (`tinysaga token --user root --role admin` makes one).
//
//   tinysaga dlq list [--service S] [--state open|redriven|discarded] [--limit N] [--cursor C]
//   tinysaga dlq show ID
//   tinysaga dlq redrive ID --reason TEXT
//   tinysaga dlq discard ID --reason TEXT
//
// `--url`, `--token` and `--json` may come before or after the verb. `--json` prints the API's
// answer as it is. Exit codes: 0 done; 1 the gateway answered an
// error (its detail on stderr: 400 no reason, 403 not an admin, 404 unknown id, 409 wrong
// state); 2 the gateway could not be reached or the URL is malformed.

#include <nlohmann/json.hpp>
#include <string>

namespace CLI {
class App;
}

namespace tinysaga::app {

struct DlqOptions {
  std::string url = "http://127.0.0.1:8080";
  std::string token;  // --token or TINYSAGA_TOKEN
  std::string id;     // show, redrive, discard
  std::string reason;
  std::string service;
  std::string state;
  int64_t limit = 50;
  std::string cursor;
  bool json = false;
  std::string verb;  // set by AddDlqCommand's callbacks: list, show, redrive, discard
};

// Adds `dlq` with its four subcommands; returns `dlq`, parsed() when one of them ran.
CLI::App* AddDlqCommand(CLI::App& app, DlqOptions& options);
int RunDlq(const DlqOptions& options);

// One line per dead letter of a list answer, for a terminal. Pure.
std::string DeadLetterLines(const nlohmann::json& body);

}  // namespace tinysaga::app
