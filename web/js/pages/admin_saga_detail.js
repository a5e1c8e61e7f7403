// One saga for an operator (issue 15), opened from the admin page's saga list: where it is,
// its whole history (with who retried or aborted it and why), the messages it sent and
// received, and the verbs: retry a saga that gave up, abort a running one, each with a reason.
// The server decides what a verb may do; its 400 and 409 answers are shown as they come.

import { get, post, enc } from '../api.js';
import { h, replaceChildren, problemBox, notice, announce, badge, withBusy, field, sentence } from '../dom.js';
import { dateTime, humanize } from '../format.js';

// The server's limit on a reason (orchestrator and order saga verbs).
const kReasonLengthMax = 500;

function facts(pairs) {
  return h('dl', { class: 'summary' }, pairs.filter(([, value]) => value !== undefined).flatMap(([term, value]) =>
    [h('dt', {}, term), h('dd', {}, value === null || value === '' ? '—' : value)]));
}

function historyTable(history) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table table--stack', id: 'saga-history' },
    h('caption', {}, 'History, oldest first'),
    h('thead', {}, h('tr', {}, ['When', 'Step', 'What', 'Detail'].map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, history.map((line) => {
      const operator = line.actor ? `by ${line.actor}: ${line.reason ?? ''}` : null;
      const what = `${humanize(line.type)}${line.kind === 'COMPENSATION' ? ' (undo)' : ''}${line.attempt > 0 ? `, attempt ${line.attempt}` : ''}`;
      return h('tr', { dataset: { type: line.type, step: line.step } },
        h('td', { 'data-label': 'When' }, dateTime(line.at)),
        h('td', { 'data-label': 'Step' }, humanize(line.step)),
        h('td', { 'data-label': 'What' }, what),
        h('td', { 'data-label': 'Detail' }, operator ?? [line.replyType, line.error ? sentence(line.error) : null].filter(Boolean).join(' — ')));
    }))));
}

function messagesTable(messages) {
  if (!messages.length) return h('p', { class: 'muted' }, 'No messages recorded.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table table--stack', id: 'saga-messages' },
    h('caption', {}, 'Messages sent and received'),
    h('thead', {}, h('tr', {}, ['When', 'Direction', 'Type', 'Topic', 'Id'].map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, messages.map((message) => h('tr', { dataset: { direction: message.direction } },
      h('td', { 'data-label': 'When' }, dateTime(message.at)),
      h('td', { 'data-label': 'Direction' }, humanize(message.direction)),
      h('td', { 'data-label': 'Type' }, message.type),
      h('td', { 'data-label': 'Topic' }, message.topic ? h('code', {}, message.topic) : '—'),
      h('td', { 'data-label': 'Id' }, h('code', {}, message.messageId)))))));
}

// The verbs. Retry applies to a saga that gave up, abort to a running one; both buttons are
// always there when either could apply, and the server's answer says why one does not.
function actionForm(saga, status, changed) {
  const reason = h('textarea', { id: 'saga-reason', rows: 2, maxlength: kReasonLengthMax, required: true, autocomplete: 'off' });
  const retry = h('button', { type: 'submit', class: 'button button--primary', value: 'retry', id: 'saga-retry' }, 'Retry');
  const abort = h('button', { type: 'submit', class: 'button', value: 'abort', id: 'saga-abort' }, 'Abort');
  const form = h('form', { id: 'saga-actions', novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const verb = event.submitter?.value === 'abort' ? 'abort' : 'retry';
    const text = reason.value.trim();
    if (!text) {
      reason.setAttribute('aria-invalid', 'true');
      replaceChildren(status, notice('error', 'Give a reason', 'Say why, for whoever reads this saga later: it is recorded in its history with your user id.'));
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    withBusy(verb === 'abort' ? abort : retry, async () => {
      try {
        const answered = await post(`/api/orders/${enc(saga.orderId)}/saga/${verb}`, { reason: text });
        const done = verb === 'abort' ? 'Aborted' : 'Retried';
        announce(`Saga of order ${saga.orderId} ${done.toLowerCase()}`);
        changed(answered, notice('success', done, verb === 'abort'
          ? 'It stops going forward and undoes what it did: the money and the stock come back, and the order ends failed.'
          : 'It goes on from what it gave up on, with fresh attempts.'));
      } catch (error) {
        replaceChildren(status, problemBox(error, { heading: verb === 'abort' ? 'Not aborted' : 'Not retried' }));
      }
    });
  } },
  field('Reason (required)', reason, 'Recorded in the saga\'s history with your user id.'),
  h('div', { class: 'actions' }, retry, abort));
  return form;
}

// The view of one saga (GET /api/orders/{orderId}/saga's body). `changed(saga, outcome)` is
// called with the saga a verb answered.
export function sagaDetailView(saga, changed) {
  const status = h('div', { id: 'saga-status' });
  const actionable = saga.state === 'GAVE_UP' || saga.state === 'RUNNING';
  // Not a .stack (28rem wide): the history and messages tables need the card's width.
  return h('div', { class: 'saga-detail', dataset: { orderId: saga.orderId, state: saga.state } },
    h('h3', { id: 'saga-detail-heading', tabindex: '-1' }, `${humanize(saga.type ?? '')} saga of order `, h('code', {}, saga.orderId)),
    facts([
      ['State', badge(saga.state)],
      ['Saga', saga.sagaId ? h('code', {}, saga.sagaId) : null],
      ['Mode', saga.mode],
      ['Why it failed', saga.failureReason ? sentence(saga.failureReason) : null],
      ['Current step', saga.currentStep ? humanize(saga.currentStep) : null],
      ['Attempt', saga.attempt ?? null],
      ['Deadline', saga.deadlineAt ? dateTime(saga.deadlineAt) : null],
      ['Retried', String(saga.retries ?? 0)],
      ['Started', saga.startedAt ? dateTime(saga.startedAt) : null],
      ['Last moved', saga.updatedAt ? dateTime(saga.updatedAt) : null],
    ]),
    historyTable(saga.history ?? []),
    messagesTable(saga.messages ?? []),
    status,
    actionable
      ? actionForm(saga, status, changed)
      : h('p', { class: 'muted' }, `${humanize(saga.state)}: there is nothing to retry or abort.`));
}

// Loads the saga of `orderId` into `container`; `changed` as for sagaDetailView.
export async function showSaga(container, orderId, changed) {
  try {
    const saga = await get(`/api/orders/${enc(orderId)}/saga`);
    replaceChildren(container, sagaDetailView(saga, changed));
    container.querySelector('#saga-detail-heading').focus();
  } catch (error) {
    replaceChildren(container, problemBox(error, { heading: `The saga of order ${orderId} is unavailable` }));
  }
}
