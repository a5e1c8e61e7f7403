#pragma once
// The handlers of one subscription, registered once per message type:
//
//   auto commands = Handlers::ForCommands("inventory.commands", clock, rng);
//   commands.Answer<contracts::ReserveStock>(
//       [](soci::session& session, const contracts::Message& command,
//          const contracts::ReserveStock& reserve) -> Result<contracts::Payload> {...});
//   messaging.Subscribe("commands", {topic}, std::move(commands).Build());
//
// What happens to a type nobody registered is decided here, for every service: a command (or a
// reply) is dead-lettered (it was addressed to this service, so it is a bug upstream or a
// version this build does not know, for an operator to see), an event is nothing to do, on a
// commands subscription too (events are announced to whoever listens; each subscriber reacts
// to those it needs).

#include <array>
#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/platform/messaging.h"

namespace tinysaga::platform {

class Handlers {
 public:
  // Commands to this service; `Answer` replies on `reply_topic` (the orchestrator's, or in
  // choreography the service's events topic) with `clock` and `rng`, which must outlive the
  // built handler.
  static Handlers ForCommands(std::string subscription, const Clock& clock, Rng& rng,
                              std::string_view reply_topic = contracts::kSagaRepliesTopic);
  // Events of other services.
  static Handlers ForEvents(std::string subscription);

  // Registers `handle(session, message, const T&) -> Result<void>` for messages of type T.
  // Registering a type twice is a programming error.
  template <typename T, typename Handle>
  Handlers& On(Handle handle) {
    MessageHandler& slot = by_type_[contracts::internal::IndexIn<T, contracts::Payload>::value];
    assert(!slot && "one handler per message type");
    slot = [handle = std::move(handle)](soci::session& session,
                                        const contracts::Message& message) -> Result<void> {
      return handle(session, message, std::get<T>(message.payload));
    };
    return *this;
  }

  // Registers `handle` for messages of the type named `type` (a wire name, e.g. when the type
  // comes from a saga declaration). Registering a type twice, or an unknown one, is a
  // programming error.
  Handlers& OnType(std::string_view type, MessageHandler handle);

  // Registers a command's handler that decides its reply:
  // `decide(session, command, const Command&) -> Result<contracts::Payload>`. The reply goes to
  // the reply topic in the same transaction as the handler's effects; an error is returned
  // as it is (retried or dead-lettered, as MessageHandler says), with no reply.
  template <typename Command, typename Decide>
  Handlers& Answer(Decide decide) {
    assert(commands_ && "Answer is for command subscriptions");
    return On<Command>([clock = clock_, rng = rng_, topic = reply_topic_,
                        decide = std::move(decide)](soci::session& session,
                                                    const contracts::Message& command,
                                                    const Command& payload) -> Result<void> {
      Result<contracts::Payload> reply = decide(session, command, payload);
      if (!reply.ok()) return reply.error();
      AppendReply(session, topic, command, std::move(reply).value(), *clock, *rng);
      return Ok();
    });
  }

  // The subscription's handler: calls the handler of each message's type.
  MessageHandler Build() &&;

  // The types a handler built here does nothing with (events nobody registered), for
  // Messaging::Subscribe to acknowledge without a transaction; empty for any other handler.
  static IgnoredTypes IgnoredBy(const MessageHandler& handler);

 private:
  Handlers(std::string subscription, bool commands, const Clock* clock, Rng* rng,
           std::string_view reply_topic);
  static void AppendReply(soci::session& session, std::string_view topic,
                          const contracts::Message& command, contracts::Payload reply,
                          const Clock& clock, Rng& rng);

  std::string subscription_;
  bool commands_;       // else events
  const Clock* clock_;  // commands only
  Rng* rng_;
  std::string_view reply_topic_;  // commands only
  std::array<MessageHandler, std::variant_size_v<contracts::Payload>> by_type_;
};

}  // namespace tinysaga::platform
