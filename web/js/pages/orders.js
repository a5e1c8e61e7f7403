// My orders: newest first, with status, a link to each timeline, and cancel where allowed
// (INITIATED, or PLACED through the cancel saga). An admin sees everyone's orders here too.

import { get, post, enc } from '../api.js';
import { isAdmin, currentSession } from '../session.js';
import { h, replaceChildren, problemBox, notice, announce, badge, withBusy, sentence } from '../dom.js';
import { money, dateTime } from '../format.js';
import { productOf } from '../order_summary.js';
import { kCancelable } from './order.js';

const kPageSize = 20;
export const kOrderStatuses = ['INITIATED', 'PAYMENT_PENDING', 'PAYMENT_DONE', 'PLACED', 'ON_WAY', 'DELIVERED', 'FAILED', 'CANCELED'];

// A table of orders with "load more"; used by this page and the admin page.
export function ordersTable({ app, admin = false, idPrefix = 'orders' }) {
  const status = h('div', { id: `${idPrefix}-status` });
  const body = h('tbody', {});
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Load more');
  const filter = h('select', { id: `${idPrefix}-filter` },
    h('option', { value: '' }, 'All statuses'),
    kOrderStatuses.map((value) => h('option', { value }, value.replace(/_/g, ' ').toLowerCase())));
  let cursor = null;

  async function load(reset) {
    if (reset) { cursor = null; replaceChildren(body); }
    const query = new URLSearchParams({ limit: String(kPageSize) });
    if (filter.value) query.set('status', filter.value);
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await get(`/api/orders?${query}`);
      const products = await Promise.all(page.orders.map((order) => productOf(order.productId)));
      page.orders.forEach((order, index) => body.append(row(order, products[index])));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      if (reset && page.orders.length === 0) {
        body.append(h('tr', {}, h('td', { colspan: admin ? 7 : 6, class: 'muted' },
          filter.value ? 'No orders with this status.' : 'No orders yet. ', filter.value ? null : h('a', { href: '#/shop' }, 'Go shopping'))));
      }
    } catch (error) {
      replaceChildren(status, problemBox(error));
    }
  }

  function row(order, product) {
    const actions = h('div', { class: 'cell-actions' });
    const tr = h('tr', { dataset: { order: order.orderId, status: order.status } },
      h('td', { 'data-label': 'Created' }, h('time', { datetime: order.createdAt }, dateTime(order.createdAt))),
      admin ? h('td', { 'data-label': 'Customer' }, order.userId) : null,
      h('td', { 'data-label': 'Product' }, product ? product.productName : order.productId, ` × ${order.quantity}`),
      h('td', { 'data-label': 'Total', class: 'num' }, money(order.price, order.currency)),
      h('td', { 'data-label': 'Status' }, badge(order.status),
        order.cancelRequested && order.status !== 'CANCELED' ? h('span', { class: 'badge badge--canceled' }, 'cancel requested') : null,
        order.statusInfo && order.status !== 'INITIATED' ? h('span', { class: 'status-info' }, ` ${sentence(order.statusInfo)}`) : null),
      h('td', { 'data-label': 'Timeline' }, h('a', { href: `#/orders/${order.orderId}`, 'aria-label': `Timeline of order ${order.orderId}` }, 'Timeline')),
      h('td', { 'data-label': 'Actions' }, actions));
    fillActions(actions, order, tr);
    return tr;
  }

  function fillActions(cell, order, tr) {
    const items = [];
    // Only the customer pays; an admin sees others' orders but does not pay for them.
    if (order.status === 'INITIATED' && order.userId === currentSession()?.userId) items.push(h('a', { class: 'button button--small button--primary', href: `#/orders/${order.orderId}/pay` }, 'Pay'));
    if (kCancelable.has(order.status) && !order.cancelRequested) {
      const cancel = h('button', { type: 'button', class: 'button button--small', 'aria-label': `Cancel order ${order.orderId}` }, 'Cancel');
      cancel.addEventListener('click', () => withBusy(cancel, async () => {
        replaceChildren(status);
        try {
          const updated = await post(`/api/orders/${enc(order.orderId)}/cancel`);
          const product = await productOf(updated.productId ?? order.productId);
          const replacement = row({ ...order, ...updated }, product);
          tr.replaceWith(replacement);
          replaceChildren(status, notice('success', 'Cancel requested', `Order ${order.orderId} is now ${String(updated.status ?? '').replace(/_/g, ' ').toLowerCase()}.`));
          announce(`Order ${order.orderId} ${String(updated.status ?? '').toLowerCase()}`);
          app.refreshBalance();
        } catch (error) {
          replaceChildren(status, problemBox(error, { heading: `Could not cancel order ${order.orderId}` }));
        }
      }));
      items.push(cancel);
    }
    replaceChildren(cell, items);
  }

  filter.addEventListener('change', () => load(true));
  more.addEventListener('click', () => withBusy(more, () => load(false)));

  const element = h('div', { class: 'orders' },
    h('div', { class: 'toolbar' }, h('label', { for: filter.id }, 'Show'), filter),
    status,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'table table--stack', id: `${idPrefix}-table` },
        h('caption', { class: 'visually-hidden' }, admin ? 'All orders, newest first' : 'Your orders, newest first'),
        h('thead', {}, h('tr', {},
          ['Created', admin ? 'Customer' : null, 'Product', 'Total', 'Status', 'Timeline', 'Actions']
            .filter(Boolean).map((text) => h('th', { scope: 'col', class: text === 'Total' ? 'num' : '' }, text)))),
        body)),
    more);
  return { element, load };
}

export async function render({ main, app }) {
  const table = ordersTable({ app, admin: isAdmin() });
  replaceChildren(main,
    h('h1', {}, isAdmin() ? 'Orders' : 'My orders'),
    h('p', { class: 'lead' }, 'Newest first. Open a timeline to see each order\'s saga step by step.'),
    table.element);
  await table.load(true);
}
