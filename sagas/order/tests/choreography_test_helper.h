#pragma once
// Given / expect / reply for sagas run as choreography, beside saga_test_helper.h's for the
// engine: there is no orchestrator, so what a test drives is the participants' derived
// reactions (saga/choreography_reactions.h) and the view the Order service builds from the facts
// it keeps (saga/choreography.h):
//
//   ChoreographyTest(AllSagas()).GivenStatus("PAYMENT_PENDING")
//       .Given(PaymentCompleted{...})
//       .Expect<ReserveStock>(Participant::kInventory).Reply(StockReserved{})
//       .Expect<MarkPlaced>(Participant::kOrder).ReplyStatus("PLACED")
//       .ExpectNoCommand()
//       .ExpectView("order", SagaStatus::kCompleted, {"SUCCEEDED", ...});
//
// Given publishes an event as a participant would; every participant's ParticipantReactions
// for its type give the commands it runs (ChoreographyCommand), in participant order (order,
// payment, inventory), which Expect takes one by one. Reply answers the command taken as its
// participant does: an event for Payment and Inventory (ReplyTo's envelope: the command's saga
// and order, caused by it), published in turn; a status change for Order (its facts are its
// statuses, and Order follows its own statuses: ParticipantReactions leaves them out).
//
// What a participant reads from its own records is read from the saga data of the last event
// that carried it (the start event): a refund on OutOfStock is built from what was paid, as
// Payment builds it from its payment record. Every event a declaration names is kept as a fact
// of the saga its id names (else of the saga it starts, else of the first saga naming it), as
// the Order service keeps them; ExpectView replays them with ChoreographyView.
//
// One order per test. Time is explicit: every event and status is 1 ms after the one before.
// Test-only; not thread-safe.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "saga_test_helper.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/saga/view.h"

namespace tinysaga::saga::testing {

// A command a participant runs because of an event.
struct ChoreographedCommand {
  contracts::Participant participant = contracts::Participant::kOrder;
  std::string trigger;  // the event's type
  contracts::Message message;
};

class ChoreographyTest {
 public:
  enum class Declarations {
    kChecked,    // every definition is well formed and declares known facts (the default)
    kUnchecked,  // for a test of a broken declaration
  };

  explicit ChoreographyTest(std::vector<SagaDefinition> definitions,
                            Declarations declarations = Declarations::kChecked)
      : definitions_(std::move(definitions)) {
    for (const SagaDefinition& definition : definitions_) {
      if (declarations == Declarations::kUnchecked) break;
      auto checked = CheckDefinition(definition);
      EXPECT_TRUE(checked.ok()) << checked.error().detail;
      auto facts = CheckChoreographyFacts(definition);
      EXPECT_TRUE(facts.ok()) << facts.error().detail;
    }
    for (contracts::Participant participant : kParticipants) {
      reactions_.push_back(ParticipantReactions(definitions_, participant));
    }
  }
  // Reactions point into the definitions: no copies (a move keeps them where they are).
  ChoreographyTest(const ChoreographyTest&) = delete;
  ChoreographyTest& operator=(const ChoreographyTest&) = delete;
  ChoreographyTest(ChoreographyTest&&) = default;

  // `payload` published by a participant, in the saga `saga_type` names (empty: no saga id, as
  // Payment's events after POST /api/payment); a reply names the command it answers.
  ChoreographyTest& Given(contracts::Payload payload, std::string_view saga_type = {},
                          std::string causation_id = {}) {
    contracts::Envelope envelope;
    envelope.causation_id = std::move(causation_id);
    envelope.saga_id = saga_type.empty()
                           ? SagaId()
                           : ChoreographySagaId(saga_type, OrderId(std::string(kOrderId)));
    envelope.order_id = OrderId(std::string(kOrderId));
    Publish(contracts::Message{std::move(envelope), std::move(payload)});
    return *this;
  }

  // The order moved to `status` by the Order service itself (e.g. PAYMENT_PENDING, which POST
  // /api/payment sets): a fact of the saga that declares it, nothing anyone reacts to.
  ChoreographyTest& GivenStatus(const std::string& status, std::string status_info = {}) {
    RecordStatus(status, std::move(status_info), nullptr);
    return *this;
  }

  // The next command run is a T by `participant` (to `check`'s liking); it becomes the one
  // Reply answers.
  template <typename T>
  ChoreographyTest& Expect(contracts::Participant participant,
                           std::function<void(const T&)> check = {}) {
    if (unread_.empty()) {
      ADD_FAILURE() << "expected a " << typeid(T).name() << " but no command was run";
      return *this;
    }
    current_ = unread_.front();
    unread_.pop_front();
    EXPECT_EQ(contracts::ParticipantName(current_->participant),
              contracts::ParticipantName(participant))
        << "who runs " << current_->message.type();
    const T* command = std::get_if<T>(&current_->message.payload);
    if (command == nullptr) {
      ADD_FAILURE() << "expected a " << typeid(T).name() << " but got " << current_->message.type()
                    << " (on " << current_->trigger << ")";
    } else if (check) {
      check(*command);
    }
    return *this;
  }

  ChoreographyTest& ExpectNoCommand() {
    for (const auto& command : unread_) {
      ADD_FAILURE() << "unexpected " << command.message.type() << " by "
                    << contracts::ParticipantName(command.participant) << " on " << command.trigger;
    }
    unread_.clear();
    return *this;
  }

  // Payment or Inventory answers the command last taken by Expect with the event `reply`.
  ChoreographyTest& Reply(contracts::Payload reply) {
    if (!current_) {
      ADD_FAILURE() << "Reply before any Expect";
      return *this;
    }
    EXPECT_NE(contracts::ParticipantName(current_->participant), "order")
        << "Order answers with a status: ReplyStatus";
    const contracts::Envelope& command = current_->message.envelope;
    contracts::Envelope envelope;
    envelope.saga_id = command.saga_id;
    envelope.order_id = command.order_id;
    envelope.traceparent = command.traceparent;
    envelope.causation_id = command.message_id;
    Publish(contracts::Message{std::move(envelope), std::move(reply)});
    return *this;
  }

  // Order answers the command last taken by Expect: the order is now `status` (`status_info`:
  // its statusInfo, the failure reason once FAILED).
  ChoreographyTest& ReplyStatus(const std::string& status, std::string status_info = {}) {
    if (!current_) {
      ADD_FAILURE() << "ReplyStatus before any Expect";
      return *this;
    }
    EXPECT_EQ(contracts::ParticipantName(current_->participant), "order")
        << "only Order answers with a status";
    RecordStatus(status, std::move(status_info), SagaNamed(current_->message.envelope.saga_id));
    return *this;
  }

  // The view of the order's `saga_type` saga: its status and its steps' statuses, in order.
  ChoreographyTest& ExpectView(std::string_view saga_type, SagaStatus status,
                               const std::vector<std::string>& step_statuses) {
    std::optional<SagaView> seen = View(saga_type);
    if (!seen) {
      ADD_FAILURE() << "no " << saga_type << " saga in the facts";
      return *this;
    }
    EXPECT_EQ(SagaStatusName(seen->state), SagaStatusName(status)) << saga_type << " saga";
    std::vector<std::string> statuses;
    for (const StepView& step : seen->steps) statuses.emplace_back(StepViewStatusName(step.status));
    EXPECT_EQ(statuses, step_statuses) << saga_type << " saga's steps";
    return *this;
  }

  ChoreographyTest& ExpectNoView(std::string_view saga_type) {
    EXPECT_FALSE(View(saga_type).has_value()) << "a " << saga_type << " saga in the facts";
    return *this;
  }

  // ChoreographyView of the facts, as the Order service builds it.
  std::optional<SagaView> View(std::string_view saga_type) const {
    const SagaDefinition* definition = FindDefinition(definitions_, saga_type);
    if (definition == nullptr) {
      ADD_FAILURE() << "no saga of type " << saga_type;
      return std::nullopt;
    }
    return ChoreographyView(*definition, OrderId(std::string(kOrderId)), facts_, status_info_);
  }

  // The command last taken by Expect.
  const ChoreographedCommand& current() const { return *current_; }
  const std::vector<ChoreographedCommand>& run() const { return run_; }
  const std::vector<contracts::Message>& published() const { return published_; }
  const std::vector<ChoreographyFact>& facts() const { return facts_; }
  TimestampMs now_ms() const { return now_ms_; }

 private:
  static constexpr std::array kParticipants = {contracts::Participant::kOrder,
                                               contracts::Participant::kPayment,
                                               contracts::Participant::kInventory};

  void Publish(contracts::Message event) {
    event.envelope.message_id = "evt-" + std::to_string(published_.size() + 1);
    event.envelope.time_ms = ++now_ms_;
    auto parsed = contracts::Parse(contracts::Serialize(event));
    ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
    EXPECT_EQ(*parsed, event) << "event did not survive the wire format";
    published_.push_back(event);
    for (const SagaDefinition& definition : definitions_) {
      if (definition.data_of && definition.data_of(event.payload)) data_event_ = event.payload;
    }
    RecordFact(event);
    for (size_t p = 0; p < kParticipants.size(); ++p) {
      for (const ParticipantReaction& reaction : reactions_[p]) {
        if (reaction.trigger != event.type() || !CallsFor(reaction, event)) continue;
        Run(kParticipants[p], reaction, event);
      }
    }
  }

  // Whether `event`'s own saga, when it names one, calls for `reaction`'s command on it: a
  // Refunded of the cancel saga is no MarkFailed of the order saga.
  bool CallsFor(const ParticipantReaction& reaction, const contracts::Message& event) const {
    const SagaDefinition* saga = SagaNamed(event.envelope.saga_id);
    if (saga == nullptr || saga == reaction.saga) return true;
    for (const Reaction& declared : ChoreographyReactions(*saga)) {
      const Step& step = saga->steps[static_cast<size_t>(declared.step)];
      const std::optional<Action>& action =
          declared.kind == ActionKind::kForward ? step.forward : step.compensation;
      if (declared.trigger == reaction.trigger && action &&
          action->participant == reaction.action->participant &&
          action->command == reaction.action->command) {
        return true;
      }
    }
    return false;
  }

  void Run(contracts::Participant participant, const ParticipantReaction& reaction,
           const contracts::Message& event) {
    std::optional<contracts::Message> command = ChoreographyCommand(reaction, event);
    if (!command && data_event_) {
      // The participant's own record of the order: what the saga's start event carried.
      command = ChoreographyCommand(reaction, contracts::Message{event.envelope, *data_event_});
    }
    if (!command) {
      ADD_FAILURE() << event.type() << " carries no saga data for " << reaction.action->command;
      return;
    }
    // Not checked against the wire format: a participant runs it in-process (and Order's
    // MarkFailed has no reason here; Order chooses it from the event: FollowEvent).
    EXPECT_EQ(command->type(), reaction.action->command);
    ChoreographedCommand run{participant, std::string(event.type()), std::move(*command)};
    run_.push_back(run);
    unread_.push_back(std::move(run));
  }

  // The saga `saga_id` names among the definitions; nullptr when it names none.
  const SagaDefinition* SagaNamed(const SagaId& saga_id) const {
    for (const SagaDefinition& definition : definitions_) {
      if (saga_id == ChoreographySagaId(definition.type, OrderId(std::string(kOrderId)))) {
        return &definition;
      }
    }
    return nullptr;
  }

  static bool Declares(const SagaDefinition& definition, const std::string& fact) {
    if (definition.start_fact == fact) return true;
    return std::any_of(definition.steps.begin(), definition.steps.end(), [&](const Step& step) {
      const auto all = step.facts.All();
      return std::any_of(all.begin(), all.end(), [&](const std::string* f) { return *f == fact; });
    });
  }

  // The saga a fact belongs to: `named` when it declares it, else the saga it starts, else the
  // first that declares it; nullptr when no saga does (the fact is not kept).
  const SagaDefinition* SagaOfFact(const std::string& fact, const SagaDefinition* named) const {
    if (named != nullptr && Declares(*named, fact)) return named;
    for (const SagaDefinition& definition : definitions_) {
      if (definition.start_fact == fact) return &definition;
    }
    for (const SagaDefinition& definition : definitions_) {
      if (Declares(definition, fact)) return &definition;
    }
    return nullptr;
  }

  void RecordFact(const contracts::Message& event) {
    const std::string type(event.type());
    const SagaDefinition* saga = SagaOfFact(type, SagaNamed(event.envelope.saga_id));
    if (saga == nullptr) return;  // no declaration names it: Order does not keep it
    facts_.push_back(ChoreographyFact{.saga_type = saga->type,
                                      .type = type,
                                      .time_ms = event.envelope.time_ms,
                                      .detail = "",
                                      .message_id = event.envelope.message_id,
                                      .actor = "",
                                      .reason = ""});
  }

  void RecordStatus(const std::string& status, std::string status_info,
                    const SagaDefinition* named) {
    ++now_ms_;
    status_info_ = std::move(status_info);
    const std::string fact = std::string(kStatusFact) + ":" + status;
    const SagaDefinition* saga = SagaOfFact(fact, named);
    if (saga == nullptr) return;
    facts_.push_back(ChoreographyFact{.saga_type = saga->type,
                                      .type = std::string(kStatusFact),
                                      .time_ms = now_ms_,
                                      .detail = status,
                                      .message_id = "",
                                      .actor = "",
                                      .reason = ""});
  }

  std::vector<SagaDefinition> definitions_;
  std::vector<std::vector<ParticipantReaction>> reactions_;  // by kParticipants
  std::optional<contracts::Payload> data_event_;
  std::vector<ChoreographyFact> facts_;
  std::string status_info_;
  TimestampMs now_ms_ = kStartMs;
  std::vector<contracts::Message> published_;
  std::deque<ChoreographedCommand> unread_;
  std::vector<ChoreographedCommand> run_;
  std::optional<ChoreographedCommand> current_;
};

}  // namespace tinysaga::saga::testing
