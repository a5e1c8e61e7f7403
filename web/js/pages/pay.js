// The payment page: the order, a "Pay" button, the outcome, and the saga as it runs.
// POST /api/payment answers once the wallet debit is decided (200, 402 or 503); the rest of the
// saga (stock, PLACED, or refund) follows live below.

import { get, post, enc, ApiError } from '../api.js';
import { currentSession } from '../session.js';
import { h, replaceChildren, problemBox, notice, announce, withBusy, sentence } from '../dom.js';
import { money } from '../format.js';
import { OrderFeed } from '../order_feed.js';
import { createTimeline } from '../timeline.js';
import { orderSummary, productOf } from '../order_summary.js';
import { armedSellOut, disarmSellOut, sellOut, restock } from '../dev.js';

// Outcomes after which paying again makes no sense: the button stays disabled.
const kDecided = new Set(['success', 'insufficient-funds', 'unavailable', 'conflict']);

export async function render({ main, params, app }) {
  const { orderId } = params;
  const order = await get(`/api/orders/${enc(orderId)}`);
  const product = await productOf(order.productId);
  // One key per order: a double click, a retry after a lost answer, or a reload of this page
  // all send the same key, and the server replays the first answer instead of paying twice.
  const key = `pay-${orderId}`;

  const summary = h('div', {}, orderSummary(order, product));
  const outcome = h('div', { id: 'payment-outcome', tabindex: '-1' });
  const afterOutcome = h('div', { id: 'payment-followup' });
  const walletLine = h('p', { class: 'muted', id: 'pay-wallet' });
  const payButton = h('button', { type: 'button', class: 'button button--primary button--large', id: 'pay-button' }, `Pay ${money(order.price, order.currency)}`);
  const paySection = h('section', { 'aria-labelledby': 'pay-heading', class: 'card' },
    h('h2', { id: 'pay-heading' }, 'Payment'), walletLine, h('div', { id: 'pay-action' }), outcome, afterOutcome);
  const armed = armedSellOut(orderId);
  const timeline = createTimeline();
  let current = order;
  let paidAmount = null;    // set when this page's payment succeeded
  let soldOut = null;       // {productId, previousCount} when the what-if lever fired
  let lastSeen = `${order.status}/`;

  function renderAction() {
    const slot = paySection.querySelector('#pay-action');
    if (current.status === 'INITIATED' && !payButton.dataset.decided) {
      replaceChildren(slot, payButton);
    } else if (!payButton.dataset.decided) {
      replaceChildren(slot, h('p', { id: 'pay-not-needed' }, `This order is ${current.status.replace(/_/g, ' ').toLowerCase()}; there is nothing to pay. `,
        h('a', { href: `#/orders/${orderId}` }, 'See its saga timeline')));
    } else {
      replaceChildren(slot);
    }
  }

  async function showWallet() {
    const session = currentSession();
    try {
      const wallet = await get(`/api/wallets/${enc(session.userId)}`);
      walletLine.textContent = `Your wallet holds ${money(wallet.balance, wallet.currency)}.`;
      return wallet.balance;
    } catch (error) {
      walletLine.textContent = error instanceof ApiError && error.status === 404
        ? 'You have no wallet yet: paying will be refused until you deposit.' : '';
      return error instanceof ApiError && error.status === 404 ? 0 : null;
    }
  }

  function showOutcome(kind, element) {
    payButton.dataset.outcome = kind;
    if (kDecided.has(kind)) payButton.dataset.decided = 'true';
    element.dataset.outcome = kind;
    replaceChildren(outcome, element);
    renderAction();
    outcome.focus();
  }

  async function insufficientFunds(error) {
    const reported = error.problem?.balance;
    const balance = Number.isSafeInteger(reported) ? reported : await showWallet();
    const shortfall = Number.isSafeInteger(error.problem?.shortfall) ? error.problem.shortfall
      : balance === null ? null : Math.max(0, current.price - balance);
    const facts = balance === null
      ? `This order costs ${money(current.price, current.currency)}, more than your wallet holds.`
      : `Your balance is ${money(balance, current.currency)} and this order costs ${money(current.price, current.currency)}: you are ${money(shortfall, current.currency)} short.`;
    showOutcome('insufficient-funds', notice('error', 'Insufficient funds',
      h('p', { id: 'shortfall', dataset: { balance: String(balance ?? ''), shortfall: String(shortfall ?? '') } }, facts),
      'The order has failed and you were not charged.',
      h('p', {}, h('a', { href: '#/wallet' }, 'Add money to your wallet'), ', then order again.')));
  }

  async function pay() {
    replaceChildren(outcome);
    replaceChildren(afterOutcome);
    if (armed && !soldOut) {
      try {
        const previousCount = await sellOut(armed.productId);
        soldOut = { productId: armed.productId, previousCount };
        disarmSellOut();
        armedBanner?.remove();  // it said what Pay would do; the outcome now says what it did
        replaceChildren(afterOutcome, notice('info', 'What if: sold out', `${product?.productName ?? armed.productId} now has 0 in stock (it had ${previousCount}). Paying now…`));
      } catch (error) {
        showOutcome('what-if-failed', problemBox(error, { heading: 'The what-if lever did not work; nothing was paid' }));
        return;
      }
    }
    try {
      const payment = await post('/api/payment', { orderId }, { key });
      paidAmount = payment.amount;
      announce(`Paid ${money(payment.amount, payment.currency)}.`);
      showOutcome('success', notice('success', `Paid ${money(payment.amount, payment.currency)}`,
        h('p', {}, 'Transaction ', h('code', { id: 'payment-transaction' }, payment.transactionId ?? '—'), '. ',
          'The saga goes on: it reserves the stock, then places the order. Watch it below.')));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 402) await insufficientFunds(error);
      else if (error.status === 503) {
        showOutcome('unavailable', notice('error', 'Payment service unavailable',
          'The order failed, and you were not charged.',
          h('p', { class: 'muted' }, sentence(error.detail) || 'The wallet did not answer, even after retries.')));
      } else if (error.status === 409) {
        showOutcome('conflict', problemBox(error, { heading: 'This order can no longer be paid' }));
      } else if (error.status === 0 || error.status === 429) {
        showOutcome('retry', problemBox(error, { extra: h('p', {}, 'You can press Pay again: it repeats the same payment, so you cannot be charged twice.') }));
      } else {
        showOutcome('error', problemBox(error));
      }
    } finally {
      app.refreshBalance();
      showWallet();
      feed.kick();
    }
    if (soldOut) offerRestock();
  }

  function offerRestock() {
    const button = h('button', { type: 'button', class: 'button', id: 'restock-button' }, `Put ${soldOut.previousCount} back in stock`);
    button.addEventListener('click', () => withBusy(button, async () => {
      try {
        await restock(soldOut.productId, soldOut.previousCount);
        replaceChildren(afterOutcome, notice('info', 'Restocked', `${product?.productName ?? soldOut.productId} has ${soldOut.previousCount} in stock again.`));
      } catch (error) {
        replaceChildren(afterOutcome, problemBox(error));
      }
    }));
    replaceChildren(afterOutcome, notice('info', 'What if: sold out', `The product was taken out of stock just before the payment. It had ${soldOut.previousCount}.`, h('p', {}, button)));
  }

  payButton.addEventListener('click', () => withBusy(payButton, pay, {
    busyLabel: 'Paying…',
    keepDisabled: () => Boolean(payButton.dataset.decided),
  }));

  const feed = new OrderFeed(orderId, (state) => {
    timeline.update(state);
    if (!state.order) return;
    current = state.order;
    replaceChildren(summary, orderSummary(current, product));
    renderAction();
    // A refund after a successful payment: say it where the payment was reported.
    if (paidAmount !== null && current.status === 'FAILED' && !outcome.querySelector('[data-refund]')) {
      outcome.append(h('div', { class: 'notice notice--warning', role: 'status', dataset: { refund: 'true' } },
        h('p', { class: 'notice__title' }, 'Refunded'),
        h('p', {}, `${sentence(current.statusInfo || 'the order failed after the payment')} ${money(paidAmount, current.currency)} went back to your wallet.`)));
    }
    // A refund may land at any step: the balances follow every change of the saga.
    const seen = `${current.status}/${state.saga?.state ?? ''}`;
    if (seen !== lastSeen) {
      lastSeen = seen;
      app.refreshBalance();
      showWallet();
    }
  });

  const armedBanner = armed ? notice('warning', 'What if: out of stock after payment',
      `When you press Pay, ${product?.productName ?? armed.productId} is set to 0 in stock (as admin) just before the payment is sent. `
      + 'The wallet is charged, the saga cannot reserve the stock, so it refunds you and fails the order.') : null;
  replaceChildren(main,
    h('h1', {}, current.status === 'INITIATED' ? 'Pay for your order' : 'Order payment'),
    armedBanner,
    h('section', { 'aria-labelledby': 'order-heading', class: 'card' }, h('h2', { id: 'order-heading' }, 'Your order'), summary,
      h('p', {}, h('a', { href: `#/orders/${orderId}` }, 'Order page'), ' · ', h('a', { href: '#/orders' }, 'My orders'))),
    paySection,
    timeline.element);
  renderAction();
  showWallet();
  feed.start();
  return () => feed.stop();
}
