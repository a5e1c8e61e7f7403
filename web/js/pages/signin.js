// Sign-in. In dev mode (`tinysaga up`) the gateway issues a token for any user id
// (POST /api/auth/dev-token); in production the dev endpoint answers 404 and a token from
// `tinysaga token` or the identity provider can be pasted instead.

import { post, ApiError } from '../api.js';
import { saveSession, decodeToken, currentSession } from '../session.js';
import { h, replaceChildren, problemBox, notice, announce, field, withBusy } from '../dom.js';

// The users `tinysaga up` seeds (apps/tinysaga/demo_data.cpp).
const kDemoUsers = [
  { userId: 'alice', role: 'user', note: 'rich: $5,000 in her wallet' },
  { userId: 'bob', role: 'user', note: 'poor: $15, enough for a cable' },
  { userId: 'carol', role: 'user', note: 'no wallet yet' },
  { userId: 'admin', role: 'admin', note: 'every saga and order, restock' },
];

const kUserIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export async function render({ main, app }) {
  const message = sessionStorage.getItem('tinysaga.signinMessage');
  sessionStorage.removeItem('tinysaga.signinMessage');
  const status = h('div', { id: 'signin-status' });
  const session = currentSession();

  async function signIn(userId, role) {
    replaceChildren(status);
    try {
      const issued = await post('/api/auth/dev-token', role === 'admin' ? { userId, role } : { userId }, { token: null });
      saveSession({ token: issued.token, userId: issued.userId, role: issued.role, expiresAt: issued.expiresAt, devMode: true });
    } catch (error) {
      const production = error instanceof ApiError && error.status === 404;
      replaceChildren(status, production
        ? problemBox(error, { heading: 'Dev sign-in is off on this server', extra: h('p', {}, 'Paste a token below instead (tinysaga token --user ID).') })
        : problemBox(error));
      return;
    }
    finish(userId);
  }

  function finish(userId) {
    announce(`Signed in as ${userId}`);
    const returnTo = sessionStorage.getItem('tinysaga.returnTo');
    sessionStorage.removeItem('tinysaga.returnTo');
    app.navigate(returnTo && returnTo !== '#/signin' ? returnTo : '#/shop');
  }

  const demoList = h('ul', { class: 'demo-users' }, kDemoUsers.map((user) =>
    h('li', {}, h('button', {
      type: 'button',
      class: 'demo-user',
      dataset: { user: user.userId },
      onclick: (event) => withBusy(event.currentTarget, () => signIn(user.userId, user.role)),
    }, h('span', { class: 'demo-user__name' }, user.userId), h('span', { class: 'demo-user__note' }, user.note)))));

  const userInput = h('input', { id: 'signin-user', name: 'userId', autocomplete: 'username', required: true, maxlength: 64, pattern: '[A-Za-z0-9_\\-]{1,64}', spellcheck: 'false' });
  const adminBox = h('input', { id: 'signin-admin', type: 'checkbox', name: 'admin' });
  const userForm = h('form', { class: 'stack', novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const userId = userInput.value.trim();
    if (!kUserIdPattern.test(userId)) {
      userInput.setAttribute('aria-invalid', 'true');
      replaceChildren(status, notice('error', 'Check the user id', 'Use 1 to 64 letters, digits, "_" or "-".'));
      userInput.focus();
      return;
    }
    userInput.removeAttribute('aria-invalid');
    withBusy(event.submitter ?? userForm.querySelector('button'), () => signIn(userId, adminBox.checked ? 'admin' : 'user'));
  } },
  field('User id', userInput, 'Any id works in dev mode; a new user starts without a wallet.'),
  h('div', { class: 'checkbox' }, adminBox, h('label', { for: 'signin-admin' }, 'Sign in as an admin')),
  h('div', {}, h('button', { type: 'submit', class: 'button button--primary' }, 'Sign in')));

  const tokenInput = h('textarea', { id: 'signin-token', rows: 3, spellcheck: 'false', autocomplete: 'off' });
  const tokenForm = h('form', { class: 'stack', onsubmit: (event) => {
    event.preventDefault();
    try {
      const claims = decodeToken(tokenInput.value);
      saveSession({ token: tokenInput.value.trim(), ...claims, devMode: false });
    } catch (error) {
      replaceChildren(status, notice('error', 'That is not a token', String(error.message)));
      return;
    }
    finish(currentSession().userId);
  } },
  field('Token (JWT)', tokenInput, 'From `tinysaga token --user ID` or your identity provider.'),
  h('div', {}, h('button', { type: 'submit', class: 'button' }, 'Use this token')));

  replaceChildren(main,
    h('h1', {}, 'Sign in'),
    message ? notice('warning', message) : null,
    session ? h('p', {}, `You are signed in as ${session.userId}. Signing in again replaces that session in this tab.`) : null,
    status,
    h('section', { 'aria-labelledby': 'demo-heading', class: 'card' },
      h('h2', { id: 'demo-heading' }, 'Demo users'),
      h('p', { class: 'muted' }, 'Seeded by tinysaga up. Each tab keeps its own session, so two tabs can be two users.'),
      demoList),
    h('section', { 'aria-labelledby': 'other-heading', class: 'card' },
      h('h2', { id: 'other-heading' }, 'Another user'),
      userForm),
    h('details', { class: 'card' },
      h('summary', {}, 'Have a token? (servers without dev sign-in)'),
      tokenForm));
}
