// The admin page's dead letters (issue 15): messages a consumer could not apply, each recorded
// by the service that consumed it. Lists them across services (by service and state, a page at
// a time), shows one (where it came from, why, its payload, who acted and why), and redrives or
// discards an open one with a reason. The server decides what a verb may do: its 400 and 409
// answers are shown as they come.

import { get, post, enc } from '../api.js';
import { h, replaceChildren, problemBox, notice, announce, withBusy, field, sentence } from '../dom.js';
import { dateTime, humanize } from '../format.js';

const kServices = ['order', 'payment', 'wallet', 'inventory', 'orchestrator'];
const kStates = ['open', 'redriven', 'discarded'];
const kPageSize = 20;
// The server's limit on a reason (platform/dead_letter_api.cpp).
const kReasonLengthMax = 500;

// Open needs an operator (red); the closed states read as done. The text is the state itself.
function stateBadge(state) {
  const look = { open: 'failed', redriven: 'completed', discarded: 'canceled' }[state] ?? 'running';
  return h('span', { class: `badge badge--${look}`, dataset: { state } }, humanize(state));
}

function select(id, allLabel, values, selected) {
  return h('select', { id }, h('option', { value: '' }, allLabel),
    values.map((value) => h('option', { value, selected: value === selected }, humanize(value))));
}

// The payload as sent: pretty-printed when it is JSON, as it is otherwise (a poison message
// need not be JSON). Behind a disclosure: it is the one place the page shows raw data.
function payloadViewer(payload) {
  let text = payload ?? '';
  try {
    text = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON: shown as received.
  }
  return h('details', { class: 'payload', id: 'dead-letter-payload' },
    h('summary', {}, 'Payload'),
    h('div', { class: 'table-wrap' }, h('pre', { tabindex: '0', 'aria-label': 'Payload' }, h('code', {}, text))));
}

function facts(pairs) {
  return h('dl', { class: 'summary' }, pairs.filter(([, value]) => value !== undefined).flatMap(([term, value]) =>
    [h('dt', {}, term), h('dd', {}, value === null || value === '' ? '—' : value)]));
}

// One dead letter, with the verbs while it is open. `changed` is called with the row a verb
// answered, so the list can follow.
function detailView(row, changed) {
  const status = h('div', { id: 'dead-letter-status' });
  const closed = row.state !== 'open';
  return h('div', { class: 'stack dead-letter', dataset: { deadLetter: row.id, state: row.state } },
    h('h3', { id: 'dead-letter-heading', tabindex: '-1' }, 'Dead letter ', h('code', {}, row.id)),
    facts([
      ['State', stateBadge(row.state)],
      ['Service', row.service],
      ['Consumer', row.consumer],
      ['Topic', h('code', {}, row.topic)],
      ['Partition', String(row.partition)],
      ['Offset', String(row.offset)],
      ['Key', row.key ? h('code', {}, row.key) : null],
      ['Message id', row.messageId ? h('code', {}, row.messageId) : null],
      ['Type', row.type ?? null],
      ['Reason', sentence(row.reason)],
      ['Dead-lettered', dateTime(row.deadLetteredAt)],
      ['Acted by', row.actedBy ?? null],
      ['Why', row.actionReason ? sentence(row.actionReason) : null],
      ['Acted', row.actedAt ? dateTime(row.actedAt) : null],
    ]),
    payloadViewer(row.payload),
    status,
    closed
      ? h('p', { class: 'muted' }, `${humanize(row.state)}: nothing more to do. A redriven message that fails again is a new dead letter.`)
      : actionForm(row, status, changed));
}

function actionForm(row, status, changed) {
  const reason = h('textarea', { id: 'dead-letter-reason', rows: 2, maxlength: kReasonLengthMax, required: true, autocomplete: 'off' });
  const redrive = h('button', { type: 'submit', class: 'button button--primary', value: 'redrive' }, 'Redrive');
  const discard = h('button', { type: 'submit', class: 'button', value: 'discard' }, 'Discard');
  const form = h('form', { id: 'dead-letter-actions', novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const verb = event.submitter?.value === 'discard' ? 'discard' : 'redrive';
    const text = reason.value.trim();
    if (!text) {
      reason.setAttribute('aria-invalid', 'true');
      replaceChildren(status, notice('error', 'Give a reason', 'Say why, for whoever reads this dead letter later: it is recorded with your user id.'));
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    const button = verb === 'discard' ? discard : redrive;
    withBusy(button, async () => {
      try {
        const answered = await post(`/api/dead-letters/${enc(row.id)}/${verb}`, { reason: text });
        const done = verb === 'discard' ? 'Discarded' : 'Redriven';
        announce(`Dead letter ${row.id} ${done.toLowerCase()}`);
        changed(answered, notice('success', done, verb === 'discard'
          ? 'Closed without publishing it again.'
          : 'Published again to its topic; the consumer that refused it applies it again (the others still drop it as a duplicate).'));
      } catch (error) {
        replaceChildren(status, problemBox(error, { heading: `Not ${verb === 'discard' ? 'discarded' : 'redriven'}` }));
      }
    });
  } },
  field('Reason (required)', reason, 'Recorded with your user id. Redrive publishes the message again to its topic; discard closes it.'),
  h('div', { class: 'actions' }, redrive, discard));
  return form;
}

// The section: {element, load}. `load` shows the first page of the current filter.
export function deadLettersSection() {
  const service = select('dead-letters-service', 'All services', kServices, '');
  const state = select('dead-letters-state', 'All states', kStates, 'open');
  const body = h('div', {});
  const detail = h('div', { id: 'dead-letter-detail' });
  const pager = h('div', { class: 'toolbar' });
  const reload = h('button', { type: 'button', class: 'button button--small', id: 'dead-letters-reload' }, 'Reload');
  // Cursors of the pages before this one, for "Newer"; null is the first page.
  let cursors = [];
  let cursor = null;

  async function loadPage() {
    const query = new URLSearchParams({ limit: String(kPageSize) });
    if (service.value) query.set('service', service.value);
    if (state.value) query.set('state', state.value);
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await get(`/api/dead-letters?${query}`);
      const rows = page?.deadLetters ?? [];
      replaceChildren(body, rows.length ? table(rows) : h('p', { class: 'muted' }, cursor ? 'No more dead letters.' : emptyText()));
      replaceChildren(pager,
        cursors.length ? h('button', { type: 'button', class: 'button button--small', id: 'dead-letters-newer', onclick: (event) => withBusy(event.currentTarget, () => {
          cursor = cursors.pop();
          return loadPage();
        }) }, 'Newer') : null,
        page?.nextCursor ? h('button', { type: 'button', class: 'button button--small', id: 'dead-letters-older', onclick: (event) => withBusy(event.currentTarget, () => {
          cursors.push(cursor);
          cursor = page.nextCursor;
          return loadPage();
        }) }, 'Older') : null);
    } catch (error) {
      replaceChildren(body, problemBox(error, { heading: 'The dead letters are unavailable' }));
      replaceChildren(pager);
    }
  }

  function emptyText() {
    const what = `No ${state.value ? `${state.value} ` : ''}dead letters${service.value ? ` in ${service.value}` : ''}.`;
    if (!state.value) return `${what} Every message was applied.`;
    return state.value === 'open' ? `${what} Nothing waits for an operator.` : what;
  }

  function load() {
    cursors = [];
    cursor = null;
    return loadPage();
  }

  async function show(id, button) {
    await withBusy(button, async () => {
      try {
        const row = await get(`/api/dead-letters/${enc(id)}`);
        replaceChildren(detail, detailView(row, changed));
        detail.querySelector('#dead-letter-heading').focus();
      } catch (error) {
        replaceChildren(detail, problemBox(error, { heading: `Dead letter ${id} is unavailable` }));
      }
    });
  }

  // After a verb: the row as the server answered it, its outcome above it, and the list again.
  async function changed(row, outcome) {
    replaceChildren(detail, detailView(row, changed));
    detail.querySelector('#dead-letter-status').replaceChildren(outcome);
    await loadPage();
  }

  function table(rows) {
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table table--stack', id: 'dead-letters-table' },
      h('caption', { class: 'visually-hidden' }, 'Dead letters, newest first'),
      h('thead', {}, h('tr', {}, ['State', 'Service', 'Type', 'Topic', 'Reason', 'Dead-lettered', 'Details']
        .map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.map((row) => {
        const open = h('button', { type: 'button', class: 'button button--small', 'aria-label': `Details of dead letter ${row.id}` }, 'Details');
        open.addEventListener('click', () => show(row.id, open));
        return h('tr', { dataset: { deadLetter: row.id, state: row.state } },
          h('td', { 'data-label': 'State' }, stateBadge(row.state)),
          h('td', { 'data-label': 'Service' }, row.service),
          h('td', { 'data-label': 'Type' }, row.type ?? '—'),
          h('td', { 'data-label': 'Topic' }, h('code', {}, row.topic)),
          h('td', { 'data-label': 'Reason' }, sentence(row.reason)),
          h('td', { 'data-label': 'Dead-lettered' }, dateTime(row.deadLetteredAt)),
          h('td', { 'data-label': 'Details', class: 'cell-actions' }, open));
      }))));
  }

  service.addEventListener('change', load);
  state.addEventListener('change', load);
  reload.addEventListener('click', () => withBusy(reload, load));
  return {
    element: h('section', { 'aria-labelledby': 'dead-letters-heading', class: 'card', id: 'dead-letters' },
      h('h2', { id: 'dead-letters-heading' }, 'Dead letters'),
      h('p', { class: 'muted' }, 'Messages a service could not apply. Redrive one once its cause is fixed, or discard it; either way with a reason.'),
      h('div', { class: 'toolbar' },
        h('label', { for: service.id }, 'Service'), service,
        h('label', { for: state.id }, 'State'), state, reload),
      body, pager, detail),
    load,
  };
}

// The section, already loading: what the admin page places (its load shows its own errors).
export function deadLettersCard() {
  const section = deadLettersSection();
  section.load();
  return section.element;
}
