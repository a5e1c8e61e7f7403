#pragma once
// The service side of "dead letters you can act on" (issue 15; bus/dead_letters.h): every
// service serves its own database's dead letters to admins, behind the gateway, which lists
// across services by calling each one's GET /api/dead-letters with the same query and merging.
//
//   GET  /api/dead-letters?state=&limit=&cursor=        newest first; payloads left out
//   GET  /api/dead-letters/{deadLetterId}               one, with its payload
//   POST /api/dead-letters/{deadLetterId}/redrive       {"reason"}: publish it again
//   POST /api/dead-letters/{deadLetterId}/discard       {"reason"}: close it
//
// A dead letter's public id is "<service>:<row id>" (e.g. "payment:3"): the gateway routes a
// single one by its prefix. Admin (or service) callers only: 401 anonymous, 403 users. A verb
// needs a reason (400 without one), is idempotent (the same verb again answers 200 with the
// row, unchanged), and answers 409 on a dead letter the verb does not apply to. Redrives and
// discards are counted in tinysaga_dead_letter_actions_total{action}; the rows by state are the
// gauge tinysaga_dead_letters{state}, which Messaging::UpdateMetrics refreshes.
//
// Lifecycle: created by CreateService for every service (the table is always there), owned by
// the ServiceContext, which destroys it after the server stopped. Thread-safe: handlers run on
// the server's workers; its state is the Db and prometheus' thread-safe counters.

#include <functional>
#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"

namespace prometheus {
class Registry;
class Counter;
}  // namespace prometheus
namespace tinysaga::storage {
class Db;
}

namespace tinysaga::platform {

class DeadLetterApi {
 public:
  // `notify_outbox` wakes the relay after a redrive committed. The Db, clock and registry must
  // outlive it.
  DeadLetterApi(std::string service_name, storage::Db& db, const Clock& clock,
                prometheus::Registry& registry, std::function<void()> notify_outbox);

  void Register(http::Server& server, const std::string& internal_secret);

  http::Response List(const http::Request& request, const Caller& caller);
  http::Response Show(const http::Request& request, const Caller& caller);
  http::Response Redrive(const http::Request& request, const Caller& caller);
  http::Response Discard(const http::Request& request, const Caller& caller);

 private:
  http::Response Act(const http::Request& request, const Caller& caller, bool redrive);

  const std::string service_name_;
  storage::Db& db_;
  const Clock& clock_;
  std::function<void()> notify_outbox_;
  prometheus::Counter& redriven_;
  prometheus::Counter& discarded_;
};

}  // namespace tinysaga::platform
