// The catalogue: price, type and availability of each product (Inventory), a quantity, and
// "Order", which creates the order (Order service, INITIATED) and opens its payment page.

import { get, post, newKey } from '../api.js';
import { currentSession } from '../session.js';
import { h, replaceChildren, problemBox, announce, withBusy } from '../dom.js';
import { money } from '../format.js';

const kQuantityMax = 1000;

export async function render({ main, app }) {
  replaceChildren(main, h('h1', {}, 'Shop'), h('p', { class: 'muted' }, 'Loading the catalogue…'));
  const { products } = await get('/api/products', { token: null });
  const status = h('div', { id: 'shop-status' });
  const session = currentSession();

  replaceChildren(main,
    h('h1', {}, 'Shop'),
    h('p', { class: 'lead' }, 'Ordering is step one of the saga: the order is created, then you pay, then stock is reserved. ',
      session ? null : h('span', {}, h('a', { href: '#/signin' }, 'Sign in'), ' to order.')),
    session?.devMode ? h('p', { class: 'muted' }, 'First time here? Order something cheap, pay, and watch its saga; then try the ',
      h('a', { href: '#/what-if' }, 'What if… panel'), ' to see the failures and their compensations.') : null,
    status,
    h('ul', { class: 'products', 'aria-label': 'Products' }, products.map((product) => productCard(product, status, app))));
}

function productCard(product, status, app) {
  const available = product.availableProductCount;
  const inStock = available > 0;
  const headingId = `product-${product.productId}`;
  const quantity = h('input', {
    id: `quantity-${product.productId}`, type: 'number', inputmode: 'numeric', min: 1,
    max: Math.max(1, Math.min(available, kQuantityMax)), value: 1, required: true, disabled: !inStock,
  });
  // One key per intent: a double click or a retry after a lost answer replays the same order;
  // a new quantity or a finished order is a new intent.
  let key = newKey('order');
  quantity.addEventListener('input', () => { key = newKey('order'); });

  const orderButton = h('button', { type: 'submit', class: 'button button--primary', disabled: !inStock, 'aria-describedby': headingId }, inStock ? 'Order' : 'Out of stock');
  const form = h('form', { class: 'product__order', novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const count = Number(quantity.value);
    if (!Number.isInteger(count) || count < 1 || count > kQuantityMax) {
      quantity.setAttribute('aria-invalid', 'true');
      replaceChildren(status, problemBox(new Error(`choose a whole quantity from 1 to ${Math.min(available, kQuantityMax)}`), { heading: 'Check the quantity' }));
      quantity.focus();
      return;
    }
    quantity.removeAttribute('aria-invalid');
    if (!currentSession()) {
      sessionStorage.setItem('tinysaga.returnTo', '#/shop');
      app.navigate('#/signin');
      return;
    }
    withBusy(orderButton, async () => {
      replaceChildren(status);
      try {
        const order = await post('/api/orders', { productId: product.productId, quantity: count }, { key });
        key = newKey('order');
        announce(`Order created for ${count} ${product.productName}. Opening its payment page.`);
        app.navigate(`#/orders/${order.orderId}/pay`);
      } catch (error) {
        replaceChildren(status, problemBox(error, { extra: h('p', { class: 'muted' }, `${product.productName} was not ordered.`) }));
      }
    }, { busyLabel: 'Ordering…' });
  } },
  h('label', { for: quantity.id }, 'Quantity'), quantity, orderButton);

  return h('li', { class: `product${inStock ? '' : ' product--out'}`, dataset: { product: product.productId } },
    h('h2', { class: 'product__name', id: headingId }, product.productName),
    h('p', { class: 'product__type' }, product.productType),
    h('p', { class: 'product__price' }, money(product.price, product.currency)),
    h('p', { class: `product__stock${inStock ? '' : ' product__stock--out'}` }, inStock ? `${available} in stock` : 'Out of stock'),
    form);
}
