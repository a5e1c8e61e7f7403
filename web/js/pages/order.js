// The order page: the order, its live saga timeline and status history, and what may be done
// with it now (pay, cancel; for an admin, ON_WAY and DELIVERED).

import { get, post, put, enc } from '../api.js';
import { isAdmin, currentSession } from '../session.js';
import { h, replaceChildren, problemBox, notice, announce, withBusy } from '../dom.js';
import { OrderFeed } from '../order_feed.js';
import { createTimeline } from '../timeline.js';
import { orderSummary, productOf } from '../order_summary.js';

export const kCancelable = new Set(['INITIATED', 'PLACED']);
const kNextByAdmin = { PLACED: 'ON_WAY', ON_WAY: 'DELIVERED' };

export async function render({ main, params, app }) {
  const { orderId } = params;
  const order = await get(`/api/orders/${enc(orderId)}`);
  const product = await productOf(order.productId);
  const summary = h('div', {}, orderSummary(order, product));
  const actions = h('div', { class: 'actions', id: 'order-actions' });
  const actionStatus = h('div', { id: 'order-action-status' });
  const timeline = createTimeline();
  let current = order;
  let busy = false;

  async function act(button, label, action) {
    busy = true;
    await withBusy(button, async () => {
      replaceChildren(actionStatus);
      try {
        const updated = await action();
        if (updated?.status) current = updated;
        replaceChildren(actionStatus, notice('success', label, `The order is now ${current.status.replace(/_/g, ' ').toLowerCase()}.`));
        announce(`${label}.`);
        app.refreshBalance();
      } catch (error) {
        replaceChildren(actionStatus, problemBox(error));
      } finally {
        feed.kick();
      }
    });
    busy = false;
    renderActions();
  }

  function renderActions() {
    if (busy) return;
    const buttons = [];
    if (current.status === 'INITIATED' && current.userId === currentSession()?.userId) {
      buttons.push(h('a', { class: 'button button--primary', href: `#/orders/${orderId}/pay` }, 'Pay'));
    }
    if (kCancelable.has(current.status) && !current.cancelRequested) {
      const cancel = h('button', { type: 'button', class: 'button', id: 'cancel-button' },
        current.status === 'PLACED' ? 'Cancel (refund and restock)' : 'Cancel order');
      cancel.addEventListener('click', () => act(cancel, 'Cancel requested',
        () => post(`/api/orders/${enc(orderId)}/cancel`)));
      buttons.push(cancel);
    }
    const next = kNextByAdmin[current.status];
    if (isAdmin() && next) {
      const advance = h('button', { type: 'button', class: 'button', id: 'advance-button', dataset: { next } },
        next === 'ON_WAY' ? 'Mark as on its way' : 'Mark as delivered');
      advance.addEventListener('click', () => act(advance, `Marked ${next.replace('_', ' ').toLowerCase()}`,
        () => put(`/api/orders/${enc(orderId)}/status`, { status: next })));
      buttons.push(advance);
    }
    replaceChildren(actions, buttons.length ? buttons : h('p', { class: 'muted' }, 'Nothing to do with this order now.'));
  }

  let lastSeen = `${order.status}`;
  const feed = new OrderFeed(orderId, (state) => {
    timeline.update(state);
    if (!state.order) return;
    current = state.order;
    // A payment, refund or cancel moves money: the header follows every change.
    const seen = `${current.status}/${state.saga?.state ?? ''}`;
    if (seen !== lastSeen) {
      lastSeen = seen;
      app.refreshBalance();
    }
    replaceChildren(summary, orderSummary(current, product));
    renderActions();
  });

  replaceChildren(main,
    h('h1', {}, 'Order'),
    h('section', { 'aria-labelledby': 'order-heading', class: 'card' },
      h('h2', { id: 'order-heading' }, product ? product.productName : order.productId),
      summary, actions, actionStatus,
      h('p', {}, h('a', { href: isAdmin() ? '#/admin' : '#/orders' }, isAdmin() ? 'Back to admin' : 'My orders'))),
    timeline.element);
  renderActions();
  feed.start();
  return () => feed.stop();
}
