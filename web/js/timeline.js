// Renders an order's saga as a timeline: the forward steps in order, then the compensations
// (undo steps, run backwards) in a visibly different style, then the order's status history.
// The saga view is GET /api/orders/{id}/saga (libs/saga/include/tinysaga/saga/view.h).

import { h, replaceChildren, badge, problemBox, sentence } from './dom.js';
import { time, duration, humanize } from './format.js';
import { createDefinitionPanel } from './saga_definition.js';

const kCompensationStatuses = new Set(['COMPENSATING', 'COMPENSATED', 'COMPENSATION_FAILED']);

// The saga's own words for what a step does, forward and undoing (its definition's labels, in
// the view); a view without them shows the step's name.
function label(step, direction) {
  return (direction === 'backward' ? step.undoLabel : step.label) ?? humanize(step.name);
}

// "runs together with …" for a step of a parallel group: the labels of the others in it.
function parallelNote(step, steps) {
  if (step.parallelGroup == null) return null;
  const others = steps.filter((other) => other !== step && other.parallelGroup === step.parallelGroup);
  return others.length ? h('span', { class: 'step__parallel' }, `⇉ at the same time as ${others.map((other) => label(other, 'forward')).join(', ')}`) : null;
}

// The forward outcome of a step whose status now describes its compensation: only a step
// that ran can be undone; it failed if it recorded an error, else it had succeeded.
function forwardStatus(step) {
  if (!kCompensationStatuses.has(step.status)) return step.status;
  return step.error && step.status !== 'COMPENSATION_FAILED' ? 'FAILED' : 'SUCCEEDED';
}

const kStepWords = {
  PENDING: 'waiting', RUNNING: 'running', SUCCEEDED: 'done', FAILED: 'failed', SKIPPED: 'skipped',
  COMPENSATING: 'undoing', COMPENSATED: 'undone', COMPENSATION_FAILED: 'undo failed',
};
const kStepIcons = {
  PENDING: '○', RUNNING: '◔', SUCCEEDED: '✓', FAILED: '✗', SKIPPED: '–',
  COMPENSATING: '↺', COMPENSATED: '↩', COMPENSATION_FAILED: '⚠',
};

function stepItem(step, status, direction, steps = []) {
  const compensation = direction === 'backward';
  const facts = [];
  if (!compensation) facts.push(parallelNote(step, steps));
  if (!compensation && step.startedAt) facts.push(h('span', {}, 'started ', h('time', { datetime: step.startedAt }, time(step.startedAt))));
  if (step.endedAt && (compensation || !kCompensationStatuses.has(step.status))) {
    facts.push(h('span', {}, compensation ? 'undone ' : 'ended ', h('time', { datetime: step.endedAt }, time(step.endedAt))));
  }
  const took = !compensation && !kCompensationStatuses.has(step.status) ? duration(step.startedAt, step.endedAt) : '';
  if (took) facts.push(h('span', {}, `took ${took}`));
  if (!compensation && step.attempts > 0) facts.push(h('span', { class: step.attempts > 1 ? 'retried' : '' }, step.attempts === 1 ? '1 attempt' : `${step.attempts} attempts`));
  const showError = step.error && (compensation ? status === 'COMPENSATION_FAILED' || status === 'COMPENSATING' : status === 'FAILED' || status === 'RUNNING');
  return h('li', {
    class: `step step--${status.toLowerCase()}${compensation ? ' step--compensation' : ''}${!compensation && step.parallelGroup != null ? ' step--parallel' : ''}`,
    dataset: { step: step.name, status, direction, ...(step.parallelGroup != null ? { parallelGroup: step.parallelGroup } : {}) },
  },
  h('span', { class: 'step__icon', 'aria-hidden': 'true' }, kStepIcons[status] ?? '•'),
  h('div', { class: 'step__body' },
    h('p', { class: 'step__title' },
      compensation ? h('span', { class: 'step__kind' }, 'Compensation: ') : null,
      h('span', {}, label(step, direction)), ' ',
      badge(status, { label: kStepWords[status] ?? humanize(status) }),
      h('code', { class: 'step__name' }, step.name)),
    facts.some(Boolean) ? h('p', { class: 'step__facts' }, facts.filter(Boolean)) : null,
    showError ? h('p', { class: 'step__error' }, sentence(step.error)) : null));
}

function sagaSection(saga, sagaProblem, order) {
  const content = [];
  if (!saga) {
    // Before the payment there is no saga to show, whatever the saga view answers.
    if (sagaProblem && order?.status !== 'INITIATED') content.push(problemBox(sagaProblem, { heading: 'The saga view is unavailable' }));
    else if (order?.status === 'INITIATED') content.push(h('p', { class: 'muted', id: 'saga-empty' }, 'No saga yet: it starts when the order is paid.'));
    else {
      content.push(h('p', { class: 'muted', id: 'saga-empty' }, 'No saga view for this order yet.'));
    }
    return content;
  }
  if (saga.state === 'NOT_STARTED') {
    // Before the payment: what will run, all still waiting.
    content.push(h('p', { class: 'muted', id: 'saga-empty' }, 'No saga yet: it starts when the order is paid. These steps will run:'));
    content.push(h('ol', { class: 'timeline timeline--planned', id: 'saga-steps', 'aria-label': 'Saga steps to run' },
      saga.steps.map((step) => stepItem(step, step.status, 'forward', saga.steps))));
    return content;
  }
  const compensations = saga.steps.filter((step) => kCompensationStatuses.has(step.status)).reverse();
  content.push(h('p', { class: 'saga-summary', id: 'saga-summary' },
    h('span', {}, `${humanize(saga.type ?? 'saga')} · ${saga.mode ?? ''} · `),
    badge(saga.state, { label: humanize(saga.state) }),
    h('code', { class: 'saga-id' }, saga.sagaId)));
  if (saga.failureReason) content.push(h('p', { class: 'saga-reason' }, 'Why it failed: ', sentence(saga.failureReason)));
  content.push(h('ol', { class: 'timeline', id: 'saga-steps', 'aria-label': 'Saga steps' },
    saga.steps.map((step) => stepItem(step, forwardStatus(step), 'forward', saga.steps))));
  if (compensations.length) {
    content.push(h('h3', { class: 'compensation-heading' }, '↩ Compensations (undo, newest step first)'));
    content.push(h('ol', { class: 'timeline timeline--compensation', id: 'saga-compensations', 'aria-label': 'Compensations' },
      compensations.map((step) => stepItem(step, step.status, 'backward'))));
  }
  return content;
}

function historySection(order) {
  const history = order?.history ?? [];
  if (!history.length) return [h('p', { class: 'muted' }, 'No status changes yet.')];
  return [h('ol', { class: 'history', id: 'order-history', 'aria-label': 'Order status history' },
    history.map((change) => h('li', { dataset: { status: change.status } },
      h('time', { datetime: change.at }, time(change.at)), ' ',
      badge(change.status),
      change.statusInfo ? h('span', { class: 'history__info' }, sentence(change.statusInfo)) : null)))];
}

// A timeline bound to a container; update() re-renders from a feed's state. The saga's
// definition is drawn beside it (above it on a phone), with the live progress marked.
export function createTimeline() {
  const definition = createDefinitionPanel();
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'timeline-live' });
  const mode = h('p', { class: 'feed-mode muted', id: 'feed-mode' });
  const saga = h('div', { class: 'saga' });
  const history = h('div', {});
  const element = h('div', { class: 'timeline-grid' },
    definition.element,
    h('section', { 'aria-labelledby': 'saga-heading', class: 'card saga-card' },
      h('h2', { id: 'saga-heading' }, 'Saga timeline'), mode, saga),
    h('section', { 'aria-labelledby': 'history-heading', class: 'card' },
      h('h2', { id: 'history-heading' }, 'Order status history'), history),
    live);
  let lastAnnounced = '';
  let lastRendered = '';
  return {
    element,
    update(state) {
      // Polls repeat the same state: re-rendering it would re-announce alerts and flicker.
      const key = JSON.stringify([state.order, state.saga, state.sagaProblem?.detail, state.mode, state.error?.detail]);
      if (key === lastRendered) return;
      lastRendered = key;
      replaceChildren(saga, sagaSection(state.saga, state.sagaProblem, state.order));
      definition.update(state.saga);
      replaceChildren(history, historySection(state.order));
      const modeText = { stream: 'Live (server-sent events)', polling: 'Live (refreshing every half second while the saga runs)', connecting: 'Connecting…' }[state.mode] ?? '';
      replaceChildren(mode, state.error ? `Connection problem: ${state.error.title}. Retrying…` : modeText);
      const summary = [state.order ? `Order ${humanize(state.order.status)}` : '', state.saga ? `saga ${humanize(state.saga.state)}` : ''].filter(Boolean).join(', ');
      if (summary && summary !== lastAnnounced) {
        lastAnnounced = summary;
        live.textContent = summary;
      }
    },
  };
}
