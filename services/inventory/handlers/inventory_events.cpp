#include "inventory/handlers/inventory_events.h"

#include <string>

#include "inventory/handlers/inventory_commands.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::inventory {

platform::MessageHandler InventoryEventHandler(const Clock& clock, Rng& rng,
                                               const InventoryFaults* faults) {
  // The orchestrator's commands' own handler, answering on inventory.events instead.
  platform::MessageHandler commands =
      InventoryCommandHandler(clock, rng, contracts::kInventoryEventsTopic, faults);
  auto events = platform::Handlers::ForEvents("inventory: payment.events, order.events");
  for (const saga::ParticipantReaction& reaction : saga::ParticipantReactions(
           sagas::DefaultDefinitions(), contracts::Participant::kInventory)) {
    events.OnType(reaction.trigger, [reaction, commands](soci::session& session,
                                                         const contracts::Message& event) {
      std::optional<contracts::Message> command = saga::ChoreographyCommand(reaction, event);
      if (!command) {
        return Result<void>(MakeError(
            Errc::kInvalidRequest,
            std::string(event.type()) + " carries no saga data for " + reaction.action->command));
      }
      return commands(session, *command);
    });
  }
  return std::move(events).Build();
}

}  // namespace tinysaga::inventory
