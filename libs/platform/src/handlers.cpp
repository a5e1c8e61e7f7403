#include "tinysaga/platform/handlers.h"

#include <array>
#include <memory>
#include <optional>

namespace tinysaga::platform {
namespace {

constexpr size_t kTypes = std::variant_size_v<contracts::Payload>;

// What Build() returns: calls the handler of each message's type. IgnoredBy finds it inside
// a MessageHandler to say which types it ignores.
struct Dispatch {
  std::shared_ptr<const std::array<MessageHandler, kTypes>> by_type;
  std::string subscription;
  bool commands;

  // An event is announced to whoever listens, on a commands subscription too (Order follows
  // PaymentCompleted beside its commands), and nothing to do without a handler; a command or
  // reply was addressed here.
  bool Ignores(size_t index) const {
    return !(*by_type)[index] &&
           (!commands || contracts::KindAt(index) == contracts::MessageKind::kEvent);
  }

  Result<void> operator()(soci::session& session, const contracts::Message& message) const {
    const size_t index = message.payload.index();
    if (const MessageHandler& handle = (*by_type)[index]) return handle(session, message);
    if (Ignores(index)) return Ok();
    // kInvalidRequest: the inbox consumer dead-letters it with this reason.
    return MakeError(Errc::kInvalidRequest,
                     subscription + " does not take " + std::string(message.type()) + " messages");
  }
};

}  // namespace

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
  const std::optional<size_t> index = contracts::IndexOfType(type);
  assert(index && "a message type this build knows");
  if (!index) return *this;
  assert(!by_type_[*index] && "one handler per message type");
  by_type_[*index] = std::move(handle);
  return *this;
}

void Handlers::AppendReply(soci::session& session, std::string_view topic,
                           const contracts::Message& command, contracts::Payload reply,
                           const Clock& clock, Rng& rng) {
  const TimestampMs now_ms = clock.NowMs();
  AppendMessage(session, topic, ReplyTo(command, std::move(reply), now_ms, rng), now_ms);
}

MessageHandler Handlers::Build() && {
  return Dispatch{
      .by_type = std::make_shared<const std::array<MessageHandler, kTypes>>(std::move(by_type_)),
      .subscription = std::move(subscription_),
      .commands = commands_};
}

IgnoredTypes Handlers::IgnoredBy(const MessageHandler& handler) {
  const Dispatch* dispatch = handler.target<Dispatch>();
  if (dispatch == nullptr) return {};
  std::array<bool, kTypes> ignored{};
  for (size_t index = 0; index < kTypes; ++index) ignored[index] = dispatch->Ignores(index);
  return [ignored](std::string_view type) {
    const std::optional<size_t> index = contracts::IndexOfType(type);
    return index && ignored[*index];  // a type this build does not know: dead-lettered
  };
}

}  // namespace tinysaga::platform
