// The admin view: every saga (failed and stuck first; one opened with its history, messages and
// the operator's verbs: admin_saga_detail.js), every order (with ON_WAY and DELIVERED on each
// order's page), and stock levels with restock.

import { get, put, enc } from '../api.js';
import { h, replaceChildren, problemBox, notice, announce, badge, withBusy, field, sentence } from '../dom.js';
import { time, humanize } from '../format.js';
import { ordersTable } from './orders.js';
import { forgetProduct } from '../order_summary.js';
import { sagaDetailView, showSaga } from './admin_saga_detail.js';
import { deadLettersCard } from './admin_dead_letters.js';

// A running saga with no step activity for this long is shown as stuck.
const kStuckAfterMs = 30_000;
// GET /api/sagas's states; OVERDUE: unfinished and past a deadline.
const kSagaStates = ['RUNNING', 'COMPENSATING', 'COMPLETED', 'FAILED', 'GAVE_UP', 'OVERDUE'];

function lastActivity(saga) {
  let latest = 0;
  for (const step of saga.steps ?? []) {
    for (const at of [step.startedAt, step.endedAt]) {
      const ms = at ? Date.parse(at) : NaN;
      if (Number.isFinite(ms) && ms > latest) latest = ms;
    }
  }
  return latest;
}

export function isStuck(saga, now = Date.now()) {
  if (saga.state !== 'RUNNING' && saga.state !== 'COMPENSATING') return false;
  const latest = lastActivity(saga);
  return latest > 0 && now - latest > kStuckAfterMs;
}

// Gave up (an operator must act), failed and stuck first, then compensating, running,
// completed; newest activity first within a group.
export function sagaPriority(saga, now = Date.now()) {
  if (saga.state === 'GAVE_UP' || saga.state === 'FAILED' || isStuck(saga, now)) return 0;
  return { COMPENSATING: 1, RUNNING: 2, COMPLETED: 3 }[saga.state] ?? 4;
}

function currentStep(saga) {
  const steps = saga.steps ?? [];
  return steps.find((step) => ['RUNNING', 'COMPENSATING', 'FAILED', 'COMPENSATION_FAILED'].includes(step.status))
    ?? [...steps].reverse().find((step) => step.status !== 'PENDING' && step.status !== 'SKIPPED');
}

function sagasSection() {
  const body = h('div', {});
  const detail = h('div', { id: 'saga-detail' });
  const filter = h('select', { id: 'sagas-filter' }, h('option', { value: '' }, 'All states'),
    kSagaStates.map((value) => h('option', { value }, humanize(value))));
  const stuckFor = h('input', { id: 'sagas-stuck-for', type: 'number', inputmode: 'numeric', min: 1, placeholder: 'seconds', size: 6 });
  async function load() {
    const query = new URLSearchParams({ limit: '100' });
    if (filter.value) query.set('state', filter.value);
    const seconds = Number(stuckFor.value);
    if (stuckFor.value && Number.isSafeInteger(seconds) && seconds > 0) query.set('stuckForS', String(seconds));
    try {
      const list = await get(`/api/sagas?${query}`);
      const sagas = Array.isArray(list) ? list : (list.sagas ?? list.items ?? []);
      const now = Date.now();
      sagas.sort((a, b) => sagaPriority(a, now) - sagaPriority(b, now) || lastActivity(b) - lastActivity(a));
      replaceChildren(body, sagas.length ? sagaTable(sagas, now, open) : h('p', { class: 'muted' }, filter.value || stuckFor.value ? 'No saga matches.' : 'No sagas yet: they start when orders are paid.'));
    } catch (error) {
      replaceChildren(body, problemBox(error, { heading: 'The saga list is unavailable' }));
    }
  }
  // After a verb: the saga as the server answered it, the outcome above it, and the list again.
  async function changed(saga, outcome) {
    replaceChildren(detail, sagaDetailView(saga, changed));
    detail.querySelector('#saga-status').replaceChildren(outcome);
    await load();
  }
  function open(orderId, button) {
    return withBusy(button, () => showSaga(detail, orderId, changed));
  }
  filter.addEventListener('change', load);
  stuckFor.addEventListener('change', load);
  const refresh = h('button', { type: 'button', class: 'button button--small' }, 'Refresh');
  refresh.addEventListener('click', () => withBusy(refresh, load));
  return {
    element: h('section', { 'aria-labelledby': 'sagas-heading', class: 'card' },
      h('h2', { id: 'sagas-heading' }, 'Sagas'),
      h('p', { class: 'muted' }, `Failed sagas and sagas stuck for more than ${kStuckAfterMs / 1000} s come first. Open one to see its history and messages, and to retry it (when it gave up) or abort it (while it runs), with a reason.`),
      h('div', { class: 'toolbar' }, h('label', { for: filter.id }, 'Show'), filter,
        h('label', { for: stuckFor.id }, 'Stuck for at least (s)'), stuckFor, refresh),
      body, detail),
    load,
  };
}

function sagaTable(sagas, now, open) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table table--stack', id: 'sagas-table' },
    h('caption', { class: 'visually-hidden' }, 'Sagas, failed and stuck first'),
    h('thead', {}, h('tr', {}, ['State', 'Saga', 'Order', 'Current step', 'Last activity', 'Reason', 'Details']
      .map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, sagas.map((saga) => {
      const step = currentStep(saga);
      const stuck = isStuck(saga, now);
      const latest = lastActivity(saga);
      return h('tr', { dataset: { saga: saga.sagaId, state: saga.state, stuck: String(stuck), order: saga.orderId, type: saga.type } },
        h('td', { 'data-label': 'State' }, badge(saga.state), stuck ? h('span', { class: 'badge badge--stuck' }, 'stuck') : null),
        h('td', { 'data-label': 'Saga' }, `${humanize(saga.type ?? '')} `, h('code', {}, saga.sagaId)),
        h('td', { 'data-label': 'Order' }, saga.orderId ? h('a', { href: `#/orders/${saga.orderId}` }, saga.orderId) : '—'),
        h('td', { 'data-label': 'Current step' }, step ? `${humanize(step.name)}: ${humanize(step.status)}` : '—',
          step?.attempts > 1 ? ` (${step.attempts} attempts)` : ''),
        h('td', { 'data-label': 'Last activity' }, latest ? time(new Date(latest).toISOString()) : '—'),
        h('td', { 'data-label': 'Reason' }, saga.failureReason ? sentence(saga.failureReason) : (step?.error ? sentence(step.error) : '')),
        h('td', { 'data-label': 'Details', class: 'cell-actions' }, saga.orderId ? details(saga, open) : null));
    }))));
}

function details(saga, open) {
  const button = h('button', { type: 'button', class: 'button button--small', 'aria-label': `Details of the ${saga.type ?? ''} saga of order ${saga.orderId}` }, 'Details');
  button.addEventListener('click', () => open(saga.orderId, button));
  return button;
}

function stockSection() {
  const body = h('div', {});
  const status = h('div', { id: 'stock-status' });
  async function load() {
    try {
      const { products } = await get('/api/products', { token: null });
      replaceChildren(body, h('div', { class: 'table-wrap' }, h('table', { class: 'table table--stack', id: 'stock-table' },
        h('caption', { class: 'visually-hidden' }, 'Stock by product'),
        h('thead', {}, h('tr', {}, ['Product', 'In stock', 'Set stock to'].map((text) => h('th', { scope: 'col' }, text)))),
        h('tbody', {}, products.map((product) => stockRow(product, status, load))))));
    } catch (error) {
      replaceChildren(body, problemBox(error));
    }
  }
  return {
    element: h('section', { 'aria-labelledby': 'stock-heading', class: 'card' },
      h('h2', { id: 'stock-heading' }, 'Stock'), status, body),
    load,
  };
}

function stockRow(product, status, reload) {
  const input = h('input', { id: `stock-${product.productId}`, type: 'number', inputmode: 'numeric', min: 0, value: product.availableProductCount, required: true });
  const submit = h('button', { type: 'submit', class: 'button button--small' }, 'Set');
  const form = h('form', { class: 'inline-form inline-form--tight', novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const count = Number(input.value);
    if (!Number.isSafeInteger(count) || count < 0) {
      input.setAttribute('aria-invalid', 'true');
      replaceChildren(status, notice('error', 'Check the count', 'Stock is a whole number, 0 or more.'));
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    withBusy(submit, async () => {
      try {
        await put(`/api/products/${enc(product.productId)}/stock`, { availableCount: count });
        forgetProduct(product.productId);
        replaceChildren(status, notice('success', 'Stock updated', `${product.productName}: ${count} in stock.`));
        announce(`${product.productName} now has ${count} in stock`);
        await reload();
      } catch (error) {
        replaceChildren(status, problemBox(error));
      }
    });
  } }, field(`Stock of ${product.productName}`, input), submit);
  form.querySelector('label').classList.add('visually-hidden');
  return h('tr', { dataset: { product: product.productId } },
    h('td', { 'data-label': 'Product' }, product.productName),
    h('td', { 'data-label': 'In stock', class: 'num' }, String(product.availableProductCount)),
    h('td', { 'data-label': 'Set stock to' }, form));
}

export async function render({ main, app }) {
  const sagas = sagasSection();
  const stock = stockSection();
  const orders = ordersTable({ app, admin: true, idPrefix: 'admin-orders' });
  replaceChildren(main,
    h('h1', {}, 'Admin'),
    h('p', { class: 'lead' }, 'Every saga and order. Open an order to see its full timeline and move it on (on its way, delivered).'),
    sagas.element,
    deadLettersCard(),
    h('section', { 'aria-labelledby': 'admin-orders-heading', class: 'card' },
      h('h2', { id: 'admin-orders-heading' }, 'Orders'), orders.element),
    stock.element);
  await Promise.all([sagas.load(), orders.load(true), stock.load()]);
}
