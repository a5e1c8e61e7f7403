#include "orchestrator/orchestrator.h"

#include <soci/soci.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "orchestrator/log.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/saga/engine.h"
#include "tinysaga/saga/orchestration_start.h"

namespace tinysaga::orchestrator {

// What one transaction decided, counted and announced only once it is known to stand.
struct Orchestrator::Tally {
  std::vector<std::string> started;  // saga types
  std::vector<std::pair<std::string, DecisionCounts>> decided;
  std::vector<std::string> ignored;  // reasons
  int unreadable = 0;
  size_t commands = 0;
  std::optional<TimestampMs> earliest_deadline;

  void Deadline(const saga::SagaState& state) {
    if (state.terminal()) return;
    if (!earliest_deadline || state.deadline_ms < *earliest_deadline) {
      earliest_deadline = state.deadline_ms;
    }
  }
};

namespace {

std::string StepName(const saga::SagaDefinition& definition, const saga::SagaState& state) {
  if (state.step_index < 0 || state.step_index >= static_cast<int>(definition.steps.size())) {
    return "-";
  }
  return definition.steps[static_cast<size_t>(state.step_index)].name;
}

// One line per applied decision: what the saga is now doing. Terminal states and the start of
// compensation at info, everything else at debug.
void LogDecision(const saga::SagaDefinition& definition, const saga::SagaState& before,
                 const saga::Decision& decision, const DecisionCounts& counts,
                 std::string_view cause) {
  const saga::SagaState& state = decision.state;
  const bool began_compensating = !before.compensating() && state.compensating();
  const bool gave_up_undo = counts.compensations_gave_up > 0;
  const bool finished = state.terminal();
  const auto level = gave_up_undo                       ? spdlog::level::warn
                     : (began_compensating || finished) ? spdlog::level::info
                                                        : spdlog::level::debug;
  Log()->log(level, "saga={} type={} order={} {} -> {} step={} attempt={} commands={}{}{}",
             state.saga_id.value(), state.type, state.order_id.value(), cause,
             saga::SagaStatusName(state.status), StepName(definition, state), state.attempt,
             decision.commands.size(),
             state.failure_reason.empty() ? "" : " reason=", state.failure_reason);
}

std::vector<std::string> SagaTypes(const SagaCatalog& catalog) {
  std::vector<std::string> types;
  for (const saga::SagaDefinition& definition : catalog.definitions()) {
    types.push_back(definition.type);
  }
  return types;
}

void AppendCommands(soci::session& session, const saga::Decision& decision, TimestampMs now_ms) {
  for (const saga::OutgoingCommand& command : decision.commands) {
    platform::AppendMessage(session, command.topic, command.message, now_ms);
  }
}

}  // namespace

std::vector<std::string> SubscribedTopics(const SagaCatalog& catalog) {
  std::vector<std::string> topics =
      saga::TopicsOf(saga::OrchestrationStartEvents(catalog.definitions()));
  topics.emplace_back(contracts::kSagaRepliesTopic);
  return topics;
}

Orchestrator::Orchestrator(storage::Db& db, const Clock& clock, Rng& rng,
                           const SagaCatalog& catalog, prometheus::Registry& registry,
                           const OrchestratorOptions& options, OrchestratorHooks hooks)
    : db_(db),
      clock_(clock),
      rng_(rng),
      catalog_(catalog),
      metrics_(registry, SagaTypes(catalog)),
      options_(options),
      hooks_(std::move(hooks)) {}

platform::MessageHandler Orchestrator::Handler() {
  return [this](soci::session& session, const contracts::Message& message) {
    return HandleMessage(session, message);
  };
}

Result<void> Orchestrator::HandleMessage(soci::session& session,
                                         const contracts::Message& message) {
  Tally tally;
  Result<void> result = Handle(session, message, clock_.NowMs(), tally);
  if (tally.unreadable > 0) metrics_.Unreadable();
  if (!result.ok()) return result;
  Count(tally);
  if (tally.earliest_deadline && hooks_.deadline_set) hooks_.deadline_set(*tally.earliest_deadline);
  return Ok();
}

Result<void> Orchestrator::Handle(soci::session& session, const contracts::Message& message,
                                  TimestampMs now_ms, Tally& tally) {
  switch (contracts::KindOf(message.payload)) {
    case contracts::MessageKind::kEvent:
      return StartSaga(session, message, now_ms, tally);
    case contracts::MessageKind::kReply:
      return ApplyReply(session, message, now_ms, tally);
    case contracts::MessageKind::kCommand:
      // Nobody sends commands to the orchestrator; one on its topics is someone's mistake,
      // and retrying or dead-lettering it helps nobody.
      Log()->debug("ignored command {} id={}", message.type(), message.envelope.message_id);
      tally.ignored.emplace_back(kIgnoredCommand);
      return Ok();
  }
  return Ok();
}

Result<void> Orchestrator::StartSaga(soci::session& session, const contracts::Message& event,
                                     TimestampMs now_ms, Tally& tally) {
  std::string saga_id = NewId("sag", rng_);
  saga_id.resize(std::min(saga_id.size(), saga::kSagaIdLengthMax));
  std::optional<saga::OrchestrationStart> request =
      saga::OrchestrationStartFor(catalog_.definitions(), event, SagaId(saga_id));
  if (!request) {
    // Other services' events share these topics (e.g. choreography's); they are not ours.
    tally.ignored.emplace_back(kIgnoredNotStartEvent);
    return Ok();
  }
  const saga::SagaDefinition& definition = *request->definition;
  const std::string& type = definition.type;
  const OrderId& order_id = event.envelope.order_id;
  TS_ASSIGN_OR_RETURN(std::optional<SagaRow> existing, FindSagaOfOrder(session, order_id, type));
  if (existing) {
    Log()->debug("order={} already has {} saga={}; ignored {} id={}", order_id.value(), type,
                 existing->saga_id.value(), event.type(), event.envelope.message_id);
    tally.ignored.emplace_back(kIgnoredSagaExists);
    return Ok();
  }
  auto decision = saga::Start(definition, std::move(request->start), now_ms);
  if (!decision.ok()) {
    // The event parsed but its data cannot start a saga: retrying cannot help.
    return MakeError(Errc::kUnprocessable, "cannot start a " + type + " saga for order " +
                                               order_id.value() + ": " + decision.error().detail);
  }
  std::string document = StateDocument(decision->state);
  TS_ASSIGN_OR_RETURN(bool inserted, InsertSaga(session, decision->state, document));
  if (!inserted) {  // a concurrent duplicate won the unique index
    tally.ignored.emplace_back(kIgnoredSagaExists);
    return Ok();
  }
  cache_.Remember(std::move(document), LoadedSaga{decision->state, &definition});
  AppendCommands(session, *decision, now_ms);
  tally.started.push_back(type);
  tally.commands += decision->commands.size();
  tally.Deadline(decision->state);
  Log()->info("saga={} type={} order={} started by {} id={}", saga_id, type, order_id.value(),
              event.type(), event.envelope.message_id);
  return Ok();
}

Result<void> Orchestrator::ApplyReply(soci::session& session, const contracts::Message& reply,
                                      TimestampMs now_ms, Tally& tally) {
  const SagaId& saga_id = reply.envelope.saga_id;
  TS_ASSIGN_OR_RETURN(std::optional<SagaRow> row, FindSaga(session, saga_id, RowLock::kForUpdate));
  if (!row) {
    // Nothing here awaits it, like a stale reply. Most likely the Saga DB was reset while the
    // broker kept its topics, or another deployment shares the broker; dead-lettering would
    // only fill the dead-letter topic with messages nobody can apply.
    Log()->debug("reply {} id={} for unknown saga={} order={}: ignored", reply.type(),
                 reply.envelope.message_id, saga_id.value(), reply.envelope.order_id.value());
    tally.ignored.emplace_back(kIgnoredUnknownSaga);
    return Ok();
  }
  auto loaded = Load(*row);
  if (!loaded.ok()) {
    ++tally.unreadable;
    Log()->error("reply {} id={}: {}", reply.type(), reply.envelope.message_id,
                 loaded.error().detail);
    return loaded.error();  // kUnprocessable: dead-lettered with the reason, for an operator
  }
  saga::Decision decision = saga::OnReply(*(*loaded)->definition, (*loaded)->state, reply, now_ms);
  if (decision.disposition != saga::Disposition::kApplied) {
    Log()->debug("saga={} order={} reply {} id={} causation={}: {}", saga_id.value(),
                 row->order_id.value(), reply.type(), reply.envelope.message_id,
                 reply.envelope.causation_id, saga::DispositionName(decision.disposition));
    tally.ignored.emplace_back(saga::DispositionName(decision.disposition));
    return Ok();
  }
  TS_ASSIGN_OR_RETURN(bool saved, Save(session, *row, **loaded, decision, now_ms,
                                       /*by_timer=*/false, tally));
  if (!saved) {
    return MakeError(Errc::kUnavailable,
                     "saga " + saga_id.value() + " changed concurrently; the reply is retried");
  }
  return Ok();
}

Result<bool> Orchestrator::Save(soci::session& session, const SagaRow& row,
                                const LoadedSaga& before, const saga::Decision& decision,
                                TimestampMs now_ms, bool by_timer, Tally& tally) {
  std::string document = StateDocument(decision.state);
  TS_ASSIGN_OR_RETURN(bool updated, UpdateSaga(session, decision.state, document, row.version));
  if (!updated) return false;
  cache_.Remember(std::move(document), LoadedSaga{decision.state, before.definition});
  AppendCommands(session, decision, now_ms);
  tally.commands += decision.commands.size();
  const DecisionCounts counts =
      DecisionCounts::Of(*before.definition, decision, before.state.history.size(), by_timer);
  tally.decided.emplace_back(decision.state.type, counts);
  tally.Deadline(decision.state);
  LogDecision(*before.definition, before.state, decision, counts, by_timer ? "timeout" : "reply");
  return true;
}

Result<size_t> Orchestrator::FireDueTimers(TimestampMs now_ms) {
  Tally tally;
  auto taken = db_.Write<size_t>([&](soci::session& session) -> Result<size_t> {
    tally = Tally{};  // Db::Write may run this again after a transient failure
    TS_ASSIGN_OR_RETURN(
        std::vector<SagaRow> due,
        LockDueSagas(session, now_ms, static_cast<int64_t>(options_.timer_batch_max)));
    for (const SagaRow& row : due) TS_RETURN_IF_ERROR(FireOne(session, row, now_ms, tally));
    return due.size();
  });
  for (int i = 0; i < tally.unreadable; ++i) metrics_.Unreadable();
  if (!taken.ok()) return taken;
  Count(tally);
  if (tally.commands > 0 && hooks_.notify_outbox) hooks_.notify_outbox();
  return taken;
}

Result<void> Orchestrator::FireOne(soci::session& session, const SagaRow& row, TimestampMs now_ms,
                                   Tally& tally) {
  auto loaded = Load(row);
  if (!loaded.ok()) {
    // Put off, not dropped: a newer binary or an operator may make it readable again.
    ++tally.unreadable;
    Log()->error("timer: {}; looking again in {} ms", loaded.error().detail,
                 options_.unreadable_retry.count());
    TS_ASSIGN_OR_RETURN(bool put_off,
                        SetDeadlineColumn(session, row.saga_id, row.version,
                                          now_ms + options_.unreadable_retry.count()));
    (void)put_off;  // false: someone else saved the saga meanwhile
    return Ok();
  }
  const LoadedSaga& saga = **loaded;
  saga::Decision decision = saga::OnTimeout(*saga.definition, saga.state, now_ms);
  if (decision.disposition != saga::Disposition::kApplied) {
    // The column said due but the document says otherwise (not yet due, or finished): the
    // document is the truth, so the column follows it.
    Log()->warn("saga={} deadline column {} disagrees with its state ({}); repaired",
                row.saga_id.value(), row.deadline_ms.value_or(0),
                saga::DispositionName(decision.disposition));
    TS_ASSIGN_OR_RETURN(bool repaired, SetDeadlineColumn(session, row.saga_id, row.version,
                                                         DeadlineColumn(saga.state)));
    (void)repaired;  // false: someone else saved the saga meanwhile, which repairs it too
    return Ok();
  }
  TS_ASSIGN_OR_RETURN(bool saved,
                      Save(session, row, saga, decision, now_ms, /*by_timer=*/true, tally));
  // false: another instance applied this deadline first; nothing to do.
  (void)saved;
  return Ok();
}

Result<std::shared_ptr<const LoadedSaga>> Orchestrator::Load(const SagaRow& row) {
  if (auto cached = cache_.Find(row.saga_id, row.state_json)) return cached;
  TS_ASSIGN_OR_RETURN(LoadedSaga loaded, ReadStoredSaga(catalog_, row.saga_id, row.state_json));
  return std::make_shared<const LoadedSaga>(std::move(loaded));
}

Result<std::optional<TimestampMs>> Orchestrator::EarliestDeadline() {
  return db_.Read<std::optional<TimestampMs>>(
      [](soci::session& session) { return orchestrator::EarliestDeadline(session); });
}

Result<void> Orchestrator::RefreshGauges() {
  auto counts = db_.Read<std::vector<std::pair<std::string, int64_t>>>(
      [](soci::session& session) { return CountUnfinishedByStatus(session); });
  if (!counts.ok()) return counts.error();
  metrics_.SetUnfinished(*counts);
  return Ok();
}

void Orchestrator::Count(const Tally& tally) {
  for (const std::string& type : tally.started) metrics_.Started(type);
  for (const auto& [type, counts] : tally.decided) metrics_.Decided(type, counts);
  for (const std::string& reason : tally.ignored) metrics_.Ignored(reason);
}

}  // namespace tinysaga::orchestrator
