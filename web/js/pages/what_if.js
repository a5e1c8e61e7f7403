// "What if": dev-mode levers that make each seed flow happen on purpose, so a first-time
// visitor sees the happy path and every failure within a minute.

import { get, post, newKey, enc, ApiError } from '../api.js';
import { currentSession, saveSession } from '../session.js';
import { h, replaceChildren, problemBox, notice, announce, withBusy, field } from '../dom.js';
import { money, time } from '../format.js';
import { armSellOut, stopWallet } from '../dev.js';

// Creates an order for the signed-in user and opens its payment page.
async function orderAndPay(app, productId, quantity = 1) {
  const order = await post('/api/orders', { productId, quantity }, { key: newKey('order') });
  app.navigate(`#/orders/${order.orderId}/pay`);
  return order;
}

function scenario({ id, title, explanation, controls, status }) {
  return h('section', { class: 'card scenario', id, 'aria-labelledby': `${id}-heading` },
    h('h2', { id: `${id}-heading` }, title),
    ...explanation.map((text) => h('p', {}, text)),
    h('div', { class: 'scenario__controls' }, controls),
    status);
}

export async function render({ main, app }) {
  const session = currentSession();
  if (!session.devMode) {
    replaceChildren(main, h('h1', {}, 'What if…'),
      notice('info', 'Dev mode only', 'These levers need a server started with tinysaga up (dev sign-in). Sign in through the demo users to use them.'));
    return;
  }
  const { products } = await get('/api/products', { token: null });
  const inStock = products.filter((product) => product.availableProductCount > 0);

  // 1. Not enough money.
  const fundsStatus = h('div', { id: 'what-if-funds-status' });
  const asBob = h('button', { type: 'button', class: 'button button--primary', id: 'what-if-bob' }, 'Order a keyboard as bob');
  asBob.addEventListener('click', () => withBusy(asBob, async () => {
    try {
      const issued = await post('/api/auth/dev-token', { userId: 'bob' }, { token: null });
      saveSession({ token: issued.token, userId: issued.userId, role: issued.role, expiresAt: issued.expiresAt, devMode: true });
      announce('Signed in as bob');
      await orderAndPay(app, 'keyboard');
    } catch (error) {
      replaceChildren(fundsStatus, problemBox(error));
    }
  }));
  const emptyWallet = h('button', { type: 'button', class: 'button', id: 'what-if-empty-wallet' }, 'Withdraw all my money');
  emptyWallet.addEventListener('click', () => withBusy(emptyWallet, async () => {
    try {
      const wallet = await get(`/api/wallets/${enc(session.userId)}`).catch((error) => {
        if (error instanceof ApiError && error.status === 404) return { balance: 0, currency: 'USD' };
        throw error;
      });
      if (wallet.balance > 0) {
        await post(`/api/wallets/${enc(session.userId)}/withdrawals`, { amount: wallet.balance }, { key: newKey('withdrawal') });
      }
      app.refreshBalance();
      replaceChildren(fundsStatus, notice('success', 'Your wallet is empty',
        `Withdrew ${money(wallet.balance, wallet.currency)}. Your next payment will be refused. Deposit it back on the `, h('a', { href: '#/wallet' }, 'wallet page'), '.'));
    } catch (error) {
      replaceChildren(fundsStatus, problemBox(error));
    }
  }));

  // 2. Out of stock after payment.
  const stockStatus = h('div', { id: 'what-if-stock-status' });
  const productSelect = h('select', { id: 'what-if-product' }, inStock.map((product) =>
    h('option', { value: product.productId, selected: product.productId === 'mouse' }, `${product.productName} (${money(product.price, product.currency)}, ${product.availableProductCount} in stock)`)));
  const sellOutButton = h('button', { type: 'button', class: 'button button--primary', id: 'what-if-sell-out' }, 'Order it, and sell out before the saga reserves it');
  sellOutButton.addEventListener('click', () => withBusy(sellOutButton, async () => {
    try {
      const order = await post('/api/orders', { productId: productSelect.value, quantity: 1 }, { key: newKey('order') });
      armSellOut(order.orderId, order.productId);
      app.navigate(`#/orders/${order.orderId}/pay`);
    } catch (error) {
      replaceChildren(stockStatus, problemBox(error));
    }
  }));

  // 3. The wallet stops answering.
  const walletStatus = h('div', { id: 'what-if-wallet-status' });
  const durationSelect = h('select', { id: 'what-if-duration' },
    [5, 10, 20, 60].map((seconds) => h('option', { value: seconds * 1000, selected: seconds === 10 }, `${seconds} seconds`)));
  const stopButton = h('button', { type: 'button', class: 'button button--primary', id: 'what-if-stop-wallet' }, 'Stop the Wallet');
  const thenOrder = h('button', { type: 'button', class: 'button', id: 'what-if-order-cable', hidden: true }, 'Now order a cable and pay');
  thenOrder.addEventListener('click', () => withBusy(thenOrder, async () => {
    try {
      await orderAndPay(app, 'cable');
    } catch (error) {
      replaceChildren(walletStatus, problemBox(error));
    }
  }));
  stopButton.addEventListener('click', () => withBusy(stopButton, async () => {
    try {
      const result = await stopWallet(Number(durationSelect.value));
      const until = result?.unavailableUntil ?? new Date(Date.now() + Number(durationSelect.value)).toISOString();
      replaceChildren(walletStatus, notice('success', 'The Wallet is down',
        `Debits and refunds fail until ${time(until)}. A payment now retries, gives up, and fails the order without charging you.`));
      thenOrder.hidden = false;
      thenOrder.focus();
    } catch (error) {
      replaceChildren(walletStatus, problemBox(error));
    }
  }));

  replaceChildren(main,
    h('h1', {}, 'What if…'),
    h('p', { class: 'lead' }, 'Make the saga meet trouble on purpose, then watch it recover. Each lever acts as an admin through the dev sign-in.'),
    h('div', { class: 'scenarios' },
      scenario({
        id: 'what-if-funds', title: 'Not enough money',
        explanation: ['Bob has $15; a keyboard costs $89. The wallet refuses the debit, the order fails, and nothing is charged.'],
        controls: [asBob, emptyWallet], status: fundsStatus,
      }),
      scenario({
        id: 'what-if-stock', title: 'Out of stock after payment',
        explanation: [
          'The order is created while the product is in stock. When you press Pay, the stock is set to 0 just before the payment is sent.',
          'The wallet is charged; the saga then cannot reserve the stock, so it runs its compensation: a refund, then the order fails.',
        ],
        controls: [field('Product', productSelect), sellOutButton], status: stockStatus,
      }),
      scenario({
        id: 'what-if-wallet', title: 'The Wallet service is down',
        explanation: ['The Wallet refuses every debit for a while. Payment retries with backoff, gives up, and the order fails; you are not charged.'],
        controls: [field('For', durationSelect), stopButton, thenOrder], status: walletStatus,
      })));
}
