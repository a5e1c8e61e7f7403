// The wallet: balance, deposit, withdrawal, and every transaction (payments, refunds,
// deposits, withdrawals) from GET /api/transactions, newest first.

import { get, post, enc, newKey, ApiError } from '../api.js';
import { currentSession } from '../session.js';
import { h, replaceChildren, problemBox, notice, announce, withBusy, field, badge } from '../dom.js';
import { money, parseMoney, dateTime } from '../format.js';

// Money moving in (+) or out (-) of the wallet, by transaction type.
const kSign = { DEPOSIT: 1, REFUND: 1, PAYMENT: -1, WITHDRAWAL: -1 };

export async function render({ main, app }) {
  const session = currentSession();
  const balance = h('p', { class: 'balance', id: 'wallet-balance' }, '…');
  const transactions = h('div', {});
  const status = h('div', { id: 'wallet-status' });
  let currency = 'USD';

  async function loadBalance() {
    try {
      const wallet = await get(`/api/wallets/${enc(session.userId)}`);
      currency = wallet.currency;
      balance.dataset.cents = String(wallet.balance);
      replaceChildren(balance, money(wallet.balance, wallet.currency));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        balance.dataset.cents = '0';
        replaceChildren(balance, h('span', { id: 'no-wallet' }, 'No wallet yet. Your first deposit creates it.'));
      } else {
        replaceChildren(balance, problemBox(error, { heading: 'Balance unavailable' }));
      }
    }
  }

  async function loadTransactions() {
    try {
      const list = await get('/api/transactions?limit=100');
      replaceChildren(transactions, transactionsTable(list.transactions));
    } catch (error) {
      replaceChildren(transactions, problemBox(error, { heading: 'Transactions unavailable' }));
    }
  }

  function moneyForm(kind) {
    const deposit = kind === 'deposit';
    const amount = h('input', { id: `${kind}-amount`, name: 'amount', inputmode: 'decimal', autocomplete: 'off', required: true, placeholder: 'e.g. 20.00' });
    const submit = h('button', { type: 'submit', class: `button${deposit ? ' button--primary' : ''}` }, deposit ? 'Deposit' : 'Withdraw');
    // One key per intent, as for orders: a double submit deposits once.
    let key = newKey(kind);
    amount.addEventListener('input', () => { key = newKey(kind); });
    return h('form', { class: 'inline-form', novalidate: true, 'aria-labelledby': `${kind}-heading`, onsubmit: (event) => {
      event.preventDefault();
      const cents = parseMoney(amount.value, currency);
      if (!cents || cents <= 0) {
        amount.setAttribute('aria-invalid', 'true');
        replaceChildren(status, notice('error', 'Check the amount', 'Type an amount such as 20 or 19.99.'));
        amount.focus();
        return;
      }
      amount.removeAttribute('aria-invalid');
      withBusy(submit, async () => {
        replaceChildren(status);
        try {
          const result = await post(`/api/wallets/${enc(session.userId)}/${deposit ? 'deposits' : 'withdrawals'}`, { amount: cents }, { key });
          key = newKey(kind);
          amount.value = '';
          const text = `${deposit ? 'Deposited' : 'Withdrew'} ${money(cents, currency)}. New balance: ${money(result.balance, currency)}.`;
          replaceChildren(status, notice('success', deposit ? 'Deposit done' : 'Withdrawal done', text));
          announce(text);
        } catch (error) {
          // The Wallet's detail counts cents; say it in money.
          const short = error instanceof ApiError && error.status === 402 && !deposit;
          replaceChildren(status, short
            ? notice('error', 'Insufficient funds', `You cannot withdraw ${money(cents, currency)}: that is more than your balance.`)
            : problemBox(error));
        }
        await Promise.all([loadBalance(), loadTransactions(), app.refreshBalance()]);
      });
    } },
    h('h2', { id: `${kind}-heading` }, deposit ? 'Deposit' : 'Withdraw'),
    field(`Amount (${currency})`, amount),
    submit);
  }

  replaceChildren(main,
    h('h1', {}, 'Wallet'),
    h('section', { 'aria-labelledby': 'balance-heading', class: 'card' },
      h('h2', { id: 'balance-heading' }, `${session.userId}'s balance`), balance),
    status,
    h('div', { class: 'two-columns' },
      h('section', { class: 'card' }, moneyForm('deposit')),
      h('section', { class: 'card' }, moneyForm('withdrawal'))),
    h('section', { 'aria-labelledby': 'transactions-heading', class: 'card' },
      h('h2', { id: 'transactions-heading' }, 'Transactions'), transactions));
  await Promise.all([loadBalance(), loadTransactions()]);
}

function transactionsTable(list) {
  if (!list.length) return h('p', { class: 'muted', id: 'no-transactions' }, 'No transactions yet.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table table--stack', id: 'transactions-table' },
    h('caption', { class: 'visually-hidden' }, 'Transactions, newest first'),
    h('thead', {}, h('tr', {}, ['When', 'Type', 'Description', 'Order', 'Payment status', 'Amount']
      .map((text) => h('th', { scope: 'col', class: text === 'Amount' ? 'num' : '' }, text)))),
    h('tbody', {}, list.map((transaction) => {
      const sign = kSign[transaction.type] ?? 0;
      const amount = money(transaction.amount, transaction.currency);
      return h('tr', { dataset: { type: transaction.type, transaction: transaction.transactionId, order: transaction.orderId ?? '', paymentStatus: transaction.paymentStatus ?? '' } },
        h('td', { 'data-label': 'When' }, h('time', { datetime: transaction.timestamp }, dateTime(transaction.timestamp))),
        h('td', { 'data-label': 'Type' }, badge(transaction.type)),
        h('td', { 'data-label': 'Description' }, transaction.description ?? ''),
        h('td', { 'data-label': 'Order' }, transaction.orderId ? h('a', { href: `#/orders/${transaction.orderId}` }, transaction.orderId) : '—'),
        h('td', { 'data-label': 'Payment status' }, transaction.paymentStatus ? badge(transaction.paymentStatus) : '—'),
        h('td', { 'data-label': 'Amount', class: `num amount amount--${sign > 0 ? 'in' : sign < 0 ? 'out' : 'none'}` },
          sign > 0 ? `+${amount}` : sign < 0 ? `−${amount}` : amount));
    }))));
}
