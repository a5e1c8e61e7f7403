// Boots the UI: hash routing, the header (who is signed in, their balance), and page lifecycle.
// Each page module exports render(ctx) and may return a cleanup function (to stop a live feed).

import { get, enc, onUnauthorized, ApiError } from './api.js';
import { currentSession, signOut, isAdmin } from './session.js';
import { h, replaceChildren, announce, problemBox } from './dom.js';
import { money } from './format.js';
import * as signin from './pages/signin.js';
import * as shop from './pages/shop.js';
import * as pay from './pages/pay.js';
import * as order from './pages/order.js';
import * as orders from './pages/orders.js';
import * as wallet from './pages/wallet.js';
import * as admin from './pages/admin.js';
import * as whatIf from './pages/what_if.js';

// Route patterns, most specific first. `auth`: needs a signed-in user; `admin`: an admin.
const kRoutes = [
  { pattern: /^#\/signin$/, page: signin, title: 'Sign in' },
  { pattern: /^#\/shop$/, page: shop, title: 'Shop' },
  { pattern: /^#\/orders\/([A-Za-z0-9_-]{1,64})\/pay$/, page: pay, title: 'Payment', auth: true, params: ['orderId'] },
  { pattern: /^#\/orders\/([A-Za-z0-9_-]{1,64})$/, page: order, title: 'Order', auth: true, params: ['orderId'] },
  { pattern: /^#\/orders$/, page: orders, title: 'My orders', auth: true },
  { pattern: /^#\/wallet$/, page: wallet, title: 'Wallet', auth: true },
  { pattern: /^#\/admin$/, page: admin, title: 'Admin', auth: true, admin: true },
  { pattern: /^#\/what-if$/, page: whatIf, title: 'What if', auth: true },
];

const kNav = [
  { href: '#/shop', label: 'Shop' },
  { href: '#/orders', label: 'My orders', auth: true },
  { href: '#/wallet', label: 'Wallet', auth: true },
  { href: '#/what-if', label: 'What if…', auth: true, dev: true },
  { href: '#/admin', label: 'Admin', admin: true },
];

let cleanup = null;
let renderCount = 0;

const app = {
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  // Re-reads the signed-in user's wallet into the header. Pages call it after every payment,
  // deposit or refund they see.
  async refreshBalance() {
    const session = currentSession();
    const slot = document.getElementById('balance');
    if (!session || !slot) return;
    try {
      const walletBody = await get(`/api/wallets/${enc(session.userId)}`);
      slot.textContent = money(walletBody.balance, walletBody.currency);
      slot.dataset.cents = String(walletBody.balance);
    } catch (error) {
      slot.textContent = error instanceof ApiError && error.status === 404 ? 'no wallet yet' : 'balance unavailable';
      slot.dataset.cents = error instanceof ApiError && error.status === 404 ? '0' : '';
    }
  },
  renderHeader,
};

function renderHeader() {
  const session = currentSession();
  const current = location.hash.split('/').slice(0, 2).join('/');
  const items = kNav.filter((item) =>
    (!item.auth || session) && (!item.admin || isAdmin()) && (!item.dev || session?.devMode));
  replaceChildren(document.getElementById('nav'), items.map((item) =>
    h('li', {}, h('a', { href: item.href, 'aria-current': item.href === current ? 'page' : undefined }, item.label))));

  const account = document.getElementById('account');
  if (!session) {
    replaceChildren(account, h('a', { class: 'button button--small', href: '#/signin' }, 'Sign in'));
    return;
  }
  replaceChildren(account,
    h('span', { class: 'account__user' },
      h('span', { class: 'visually-hidden' }, 'Signed in as '),
      h('strong', { id: 'signed-in-user' }, session.userId),
      session.role === 'admin' ? h('span', { class: 'badge badge--admin' }, 'admin') : null),
    h('span', { class: 'account__balance' },
      h('span', { class: 'visually-hidden' }, 'Wallet balance: '),
      h('a', { href: '#/wallet', id: 'balance', title: 'Wallet balance' }, '…')),
    h('button', { type: 'button', class: 'button button--small button--quiet', onclick: () => {
      signOut();
      announce('Signed out');
      app.navigate('#/signin');
    } }, 'Sign out'));
  app.refreshBalance();
}

async function route() {
  if (cleanup) {
    try { cleanup(); } catch { /* a page's cleanup must never block navigation */ }
    cleanup = null;
  }
  const session = currentSession();
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    location.replace(session ? '#/shop' : '#/signin');  // the hashchange routes again
    return;
  }
  const hash = location.hash;
  const matched = kRoutes.find((candidate) => candidate.pattern.test(hash));
  if (!matched) {
    location.replace(session ? '#/shop' : '#/signin');
    return;
  }
  if (matched.auth && !session) {
    sessionStorage.setItem('tinysaga.returnTo', hash);
    location.replace('#/signin');
    return;
  }
  const values = matched.pattern.exec(hash).slice(1);
  const params = Object.fromEntries((matched.params ?? []).map((name, index) => [name, values[index]]));
  renderHeader();

  // Each render gets its own container: a slower, older render that finishes late writes
  // into a container that is no longer on the page, never over the current one.
  const main = document.getElementById('main');
  const view = h('div', { class: 'view' });
  const thisRender = ++renderCount;
  document.title = `${matched.title} · tiny-saga`;
  replaceChildren(main, view);
  main.setAttribute('aria-busy', 'true');
  try {
    if (matched.admin && !isAdmin()) {
      replaceChildren(view, h('h1', {}, 'Admin'),
        problemBox(new ApiError({ status: 403, slug: 'forbidden', title: 'Admins only', detail: 'sign in as admin to see every saga and order' }),
          { extra: h('p', {}, h('a', { href: '#/signin' }, 'Sign in as admin')) }));
    } else {
      const result = await matched.page.render({ main: view, params, app });
      if (thisRender !== renderCount) {
        if (typeof result === 'function') result();  // navigated away while loading
        return;
      }
      cleanup = typeof result === 'function' ? result : null;
    }
  } catch (error) {
    if (thisRender !== renderCount) return;
    replaceChildren(view, h('h1', {}, matched.title), problemBox(error));
  } finally {
    if (thisRender === renderCount) main.removeAttribute('aria-busy');
  }
  if (thisRender !== renderCount) return;
  // Focus the page heading so keyboard and screen reader users start at the new content.
  const heading = view.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}

onUnauthorized(() => {
  // Several requests may be refused at once (header and page): the first one signs out.
  if (!currentSession()) return;
  signOut();
  sessionStorage.setItem('tinysaga.signinMessage', 'Your session has expired or is no longer valid. Please sign in again.');
  app.navigate('#/signin');
});

window.addEventListener('hashchange', route);
route();
