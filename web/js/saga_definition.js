// The saga definitions (GET /api/sagas/definitions) drawn beside the live timeline: each saga
// type with its steps in order, who does each one (participant and command), what undoes it,
// and which steps run at the same time. Steps still to run are visible before they start, the
// cancel saga before anyone cancels. The live view's progress is marked on it by step name
// (the view and the definition share the names): the step the saga is at is highlighted
// (aria-current="step"), the others say done, failed, undone or to run.

import { sagaDefinitions } from './api.js';
import { h, replaceChildren, badge } from './dom.js';
import { humanize } from './format.js';

const kProgressWords = {
  PENDING: 'to run', RUNNING: 'running now', SUCCEEDED: 'done', FAILED: 'failed', SKIPPED: 'skipped',
  COMPENSATING: 'undoing now', COMPENSATED: 'undone', COMPENSATION_FAILED: 'undo failed',
};
const kAtStatuses = new Set(['RUNNING', 'COMPENSATING']);

// The live views by saga type: the saga the order is in now, and the ones it went through
// before (a cancel saga follows the order saga that placed the order).
function viewsByType(saga) {
  const views = new Map();
  if (!saga) return views;
  for (const earlier of saga.earlierSagas ?? []) if (earlier?.type && !views.has(earlier.type)) views.set(earlier.type, earlier);
  if (saga.type) views.set(saga.type, saga);
  return views;
}

// The names of the steps the saga is at: those running or being undone; between two steps
// of a running saga, the first one still to run.
function stepsAt(view) {
  if (!view || view.state === 'NOT_STARTED') return new Set();
  const at = view.steps.filter((step) => kAtStatuses.has(step.status));
  if (!at.length && view.state === 'RUNNING') {
    const next = view.steps.find((step) => step.status === 'PENDING');
    if (next) at.push(next);
  }
  return new Set(at.map((step) => step.name));
}

// Consecutive steps of one parallel group become one entry: [{group, steps}], in order.
function entriesOf(steps) {
  const entries = [];
  for (const step of steps) {
    const last = entries.at(-1);
    if (step.parallelGroup != null && last?.group === step.parallelGroup) last.steps.push(step);
    else entries.push({ group: step.parallelGroup ?? null, steps: [step] });
  }
  return entries;
}

const sentenceCase = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function who(participant, command) {
  if (!participant && !command) return 'the saga itself (no command)';
  return [participant ? humanize(participant) : null, command ? h('code', {}, command) : null].filter(Boolean)
    .flatMap((part, index) => (index ? [' · ', part] : [part]));
}

function stepItem(type, step, number, progress, at) {
  const status = progress?.status ?? null;
  const undo = step.compensation;
  return h('li', {
    class: `def-step${status ? ` def-step--${status.toLowerCase()}` : ''}`,
    dataset: { step: step.name, sagaType: type, ...(status ? { status } : {}), ...(step.parallelGroup != null ? { parallelGroup: step.parallelGroup } : {}) },
    'aria-current': at ? 'step' : null,
  },
  h('span', { class: 'def-step__number', 'aria-hidden': 'true' }, number),
  h('div', { class: 'def-step__body' },
    h('p', { class: 'def-step__title' },
      h('span', { class: 'def-step__label' }, step.label ?? humanize(step.name)),
      status ? badge(status, { label: kProgressWords[status] ?? humanize(status) }) : null,
      at ? h('span', { class: 'def-step__at' }, '◀ the saga is here') : null,
      h('code', { class: 'step__name' }, step.name)),
    h('dl', { class: 'def-step__facts' },
      h('dt', {}, 'Done by'),
      h('dd', { dataset: { field: 'participant' } }, who(step.participant, step.command)),
      h('dt', {}, 'Undo'),
      h('dd', { dataset: { field: 'compensation' }, class: undo ? 'def-step__undo' : 'muted' },
        undo ? [undo.label ?? 'undo', undo.command ? [' (', who(undo.participant, undo.command), ')'] : null] : 'none'))));
}

function sagaSection(definition, view, activeType) {
  const progress = new Map((view?.steps ?? []).map((step) => [step.name, step]));
  const at = stepsAt(view);
  const state = view?.state ?? 'NOT_STARTED';
  const headingId = `definition-${definition.type}`;
  let position = 0;
  const entries = entriesOf(definition.steps ?? []).map(({ group, steps }) => {
    position += 1;
    if (steps.length === 1) {
      const [step] = steps;
      return stepItem(definition.type, step, String(position), progress.get(step.name), at.has(step.name));
    }
    // Steps of one group go out together: drawn side by side inside one bracket.
    return h('li', { class: 'def-group', dataset: { parallelGroup: group } },
      h('p', { class: 'def-group__label' }, `⇉ ${steps.length} steps at the same time`),
      h('ul', { class: 'def-group__steps', 'aria-label': `Steps run at the same time: ${steps.map((step) => step.label ?? step.name).join(', ')}` },
        steps.map((step, index) => stepItem(definition.type, step, `${position}${String.fromCharCode(97 + index)}`,
          progress.get(step.name), at.has(step.name)))));
  });
  return h('section', {
    class: `def-saga${definition.type === activeType ? ' def-saga--active' : ''}`,
    'aria-labelledby': headingId,
    dataset: { sagaType: definition.type, state },
  },
  h('div', { class: 'def-saga__head' },
    h('h3', { id: headingId }, `${sentenceCase(humanize(definition.type))} saga`),
    badge(state, { label: humanize(state) }),
    definition.type === activeType ? h('span', { class: 'muted' }, '(this order now)') : null),
  definition.description ? h('p', { class: 'def-saga__description muted' }, definition.description) : null,
  h('ol', { class: 'definition', id: `definition-${definition.type}-steps`, 'aria-label': `Steps of the ${humanize(definition.type)} saga` }, entries),
  definition.reversible === false ? h('p', { class: 'muted def-saga__note' }, 'Once started it only goes forward: its steps are retried, never undone.') : null);
}

// A panel bound to a container; update(saga) marks the live view on it. The definitions are
// fetched once per page load (api.js keeps them); without them the timeline works as before.
export function createDefinitionPanel() {
  const content = h('div', { class: 'def-content' },
    h('p', { class: 'muted', id: 'saga-definition-loading' }, 'Loading the saga definitions…'));
  const element = h('section', { 'aria-labelledby': 'definition-heading', class: 'card definition-panel', id: 'saga-definition' },
    h('h2', { id: 'definition-heading' }, 'Saga definition'),
    h('p', { class: 'muted definition-panel__intro' }, 'Every step as declared, in order; the step the saga is at is highlighted.'),
    content);
  let definitions = null;
  let saga = null;
  const render = () => {
    if (!definitions) return;
    const views = viewsByType(saga);
    replaceChildren(content, definitions.map((definition) => sagaSection(definition, views.get(definition.type), saga?.type)));
  };
  sagaDefinitions().then((answer) => {
    definitions = Array.isArray(answer?.definitions) ? answer.definitions : [];
    element.dataset.loaded = 'true';
    render();
  }, (error) => {
    // Said quietly: the live timeline beside it has everything that matters.
    element.dataset.loaded = 'false';
    replaceChildren(content, h('p', { class: 'muted', id: 'saga-definition-problem' },
      `The saga definitions could not be loaded (${error?.title ?? 'error'}); the live timeline still works.`));
  });
  return {
    element,
    update(view) {
      saga = view ?? null;
      render();
    },
  };
}
