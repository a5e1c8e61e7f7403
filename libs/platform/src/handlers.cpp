#include "tinysaga/platform/handlers.h"

#include <memory>

namespace tinysaga::platform {

Handlers Handlers::ForCommands(std::string subscription, const Clock& clock, Rng& rng,
                               std::string_view reply_topic) {
  return Handlers(std::move(subscription), true, &clock, &rng, reply_topic);
}

Handlers Handlers::ForEvents(std::string subscription) {
  return Handlers(std::move(subscription), false, nullptr, nullptr, {});
}

Handlers::Handlers(std::string subscription, bool commands, const Clock* clock, Rng* rng,
                   std::string_view reply_topic)
    : subscription_(std::move(subscription)),
      commands_(commands),
      clock_(clock),
      rng_(rng),
      reply_topic_(reply_topic) {}

Handlers& Handlers::OnType(std::string_view type, MessageHandler handle) {
  size_t index = 0;
  while (index < by_type_.size() && contracts::TypeNameAt(index) != type) ++index;
  assert(index < by_type_.size() && "a message type this build knows");
  if (index == by_type_.size()) return *this;
  assert(!by_type_[index] && "one handler per message type");
  by_type_[index] = std::move(handle);
  return *this;
}

void Handlers::AppendReply(soci::session& session, std::string_view topic,
                           const contracts::Message& command, contracts::Payload reply,
                           const Clock& clock, Rng& rng) {
  const TimestampMs now_ms = clock.NowMs();
  AppendMessage(session, topic, ReplyTo(command, std::move(reply), now_ms, rng), now_ms);
}

MessageHandler Handlers::Build() && {
  auto by_type = std::make_shared<const decltype(by_type_)>(std::move(by_type_));
  return [by_type, subscription = std::move(subscription_), commands = commands_](
             soci::session& session, const contracts::Message& message) -> Result<void> {
    const MessageHandler& handle = (*by_type)[message.payload.index()];
    if (handle) return handle(session, message);
    // An event is announced to whoever listens, on a commands subscription too (Order follows
    // PaymentCompleted beside its commands); a command or reply was addressed here.
    if (!commands || contracts::KindOf(message.payload) == contracts::MessageKind::kEvent) {
      return Ok();
    }
    // kInvalidRequest: the inbox consumer dead-letters it with this reason.
    return MakeError(Errc::kInvalidRequest,
                     subscription + " does not take " + std::string(message.type()) + " messages");
  };
}

}  // namespace tinysaga::platform
