#include "tinysaga/platform/handlers.h"

#include <memory>

#include "tinysaga/contracts/topics.h"

namespace tinysaga::platform {

Handlers Handlers::ForCommands(std::string subscription, const Clock& clock, Rng& rng) {
  return Handlers(std::move(subscription), true, &clock, &rng);
}

Handlers Handlers::ForEvents(std::string subscription) {
  return Handlers(std::move(subscription), false, nullptr, nullptr);
}

Handlers::Handlers(std::string subscription, bool commands, const Clock* clock, Rng* rng)
    : subscription_(std::move(subscription)), commands_(commands), clock_(clock), rng_(rng) {}

void Handlers::AppendReply(soci::session& session, const contracts::Message& command,
                           contracts::Payload reply, const Clock& clock, Rng& rng) {
  const TimestampMs now_ms = clock.NowMs();
  AppendMessage(session, contracts::kSagaRepliesTopic,
                ReplyTo(command, std::move(reply), now_ms, rng), now_ms);
}

MessageHandler Handlers::Build() && {
  auto by_type = std::make_shared<const decltype(by_type_)>(std::move(by_type_));
  return [by_type, subscription = std::move(subscription_), commands = commands_](
             soci::session& session, const contracts::Message& message) -> Result<void> {
    const MessageHandler& handle = (*by_type)[message.payload.index()];
    if (handle) return handle(session, message);
    if (!commands) return Ok();
    // kInvalidRequest: the inbox consumer dead-letters it with this reason.
    return MakeError(Errc::kInvalidRequest,
                     subscription + " does not take " + std::string(message.type()) + " messages");
  };
}

}  // namespace tinysaga::platform
