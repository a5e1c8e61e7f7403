// The order's facts (product, quantity, unit price, total, status) as a description list,
// shared by the payment page and the order page.

import { get, enc } from './api.js';
import { currentSession } from './session.js';
import { h, badge, sentence } from './dom.js';
import { money, dateTime } from './format.js';

const productCache = new Map();

// The product's catalogue entry, or null when Inventory cannot say (the order still shows).
export async function productOf(productId) {
  if (!productCache.has(productId)) {
    productCache.set(productId, get(`/api/products/${enc(productId)}`, { token: null }).catch(() => null));
  }
  return productCache.get(productId);
}

export function forgetProduct(productId) {
  productCache.delete(productId);
}

export function orderSummary(order, product) {
  const unit = order.quantity > 0 && Number.isSafeInteger(order.price) && order.price % order.quantity === 0
    ? money(order.price / order.quantity, order.currency) : null;
  const row = (term, ...definition) => [h('dt', {}, term), h('dd', {}, ...definition)];
  return h('dl', { class: 'summary', id: 'order-summary' },
    row('Product', product ? product.productName : order.productId, product ? h('span', { class: 'muted' }, ` (${order.productId})`) : null),
    row('Quantity', String(order.quantity)),
    unit ? row('Unit price', unit) : null,
    row('Total', h('strong', { id: 'order-total', dataset: { cents: String(order.price) } }, money(order.price, order.currency))),
    row('Status', h('span', { id: 'order-status', dataset: { status: order.status } }, badge(order.status)),
      order.cancelRequested && order.status !== 'CANCELED' ? [' ', h('span', { class: 'badge badge--canceled' }, 'cancel requested')] : null,
      order.statusInfo ? h('span', { class: 'status-info', id: 'order-status-info' }, ` ${sentence(order.statusInfo)}`) : null),
    row('Order', h('code', {}, order.orderId), h('span', { class: 'muted' }, ` · created ${dateTime(order.createdAt)}`)),
    order.userId && order.userId !== currentSession()?.userId ? row('Customer', order.userId) : null);
}
