// Test support for the browser tests: starts a real `tinysaga up` on a free port in a fresh
// directory, launches Debian's chromium through playwright-core, and offers API helpers that
// check the UI's claims against the services. No sleeps: everything waits for a condition.

import assert from 'node:assert/strict';
import { test, before, after, beforeEach, afterEach } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { config as upConfig, startUp } from './up.mjs';

// playwright-core comes from npm (tests/browser/package-lock.json); say how to get it.
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  throw new Error('playwright-core is not installed: run `npm ci --prefix tests/browser` (scripts/install-deps does)');
}

const here = dirname(fileURLToPath(import.meta.url));

// Where things are; each can be overridden from the environment (CTest sets them). The same
// object as up.mjs's, which starts `up` (shared with tests/contract).
export const config = Object.assign(upConfig, {
  chromium: process.env.TINYSAGA_CHROMIUM ?? '/usr/bin/chromium',
  artifacts: process.env.TINYSAGA_TEST_ARTIFACTS ?? join(here, 'test-artifacts'),
});
export { startUp };

export async function launchBrowser() {
  return chromium.launch({
    executablePath: config.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// A fresh browser context (its own sessionStorage) and page, collecting console errors and
// uncaught exceptions. A failed HTTP response (the 402 of a refused payment, the 404 of a
// user without a wallet) is logged by Chromium as "Failed to load resource": that is the
// server's answer, shown to the user as a message, not a UI error, so it is not collected.
export async function openPage(browser, baseUrl, { viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console.error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.setDefaultTimeout(20_000);
  return { context, page, errors };
}

// One suite's shared setup: one `up` and one browser for the file, a fresh page per test whose
// console must stay free of errors, and `suite.test`, which saves a screenshot of a failing test.
export function browserSuite() {
  const suite = {
    up: null,
    browser: null,
    api: null,
    session: null,  // {context, page, errors} of the running test
    // Replaces the running test's page with one of another size (e.g. a phone's).
    async reopen(options) {
      await suite.session.context.close();
      suite.session = await openPage(suite.browser, suite.up.url, options);
    },
    test(name, body) {
      test(name, async () => {
        try {
          await body();
        } catch (error) {
          await screenshot(suite.session.page, `FAILED-${name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}`).catch(() => {});
          throw error;
        }
      });
    },
  };
  before(async () => {
    suite.up = await startUp();
    suite.browser = await launchBrowser();
    suite.api = new Api(suite.up.url);
  });
  after(async () => {
    await suite.browser?.close();
    await suite.up?.stop();
  });
  beforeEach(async () => {
    suite.session = await openPage(suite.browser, suite.up.url);
  });
  afterEach(async () => {
    const { context, errors } = suite.session;
    await context.close();
    assert.deepEqual(errors, [], 'the page logged errors');
  });
  return suite;
}

export async function screenshot(page, name) {
  mkdirSync(config.artifacts, { recursive: true });
  const path = join(config.artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// The API, used to check what the UI says (balances, transactions) and to set up.
export class Api {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
    this.tokens = new Map();
  }

  async token(userId, role = 'user') {
    const cacheKey = `${userId}/${role}`;
    if (!this.tokens.has(cacheKey)) {
      const body = await this.call('POST', '/api/auth/dev-token', { body: { userId, role } });
      this.tokens.set(cacheKey, body.token);
    }
    return this.tokens.get(cacheKey);
  }

  // `as`: the user acting; 'admin' acts as an admin.
  async call(method, path, { body, as, role = as === 'admin' ? 'admin' : 'user', key, expect = [200, 201] } = {}) {
    const headers = { 'Content-Type': 'application/json' };
    if (as) headers.Authorization = `Bearer ${await this.token(as, role)}`;
    if (key) headers['Idempotency-Key'] = key;
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!expect.includes(response.status)) {
      throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    }
    return json;
  }

  // The balance in cents; 0 when the user has no wallet.
  async balance(userId) {
    const wallet = await this.call('GET', `/api/wallets/${userId}`, { as: userId, expect: [200, 404] });
    return wallet?.balance ?? 0;
  }

  async transactions(userId, orderId) {
    const query = orderId ? `?orderId=${encodeURIComponent(orderId)}` : '';
    return (await this.call('GET', `/api/transactions${query}`, { as: userId })).transactions;
  }

  async order(userId, orderId) {
    return this.call('GET', `/api/orders/${orderId}`, { as: userId });
  }

  async product(productId) {
    return this.call('GET', `/api/products/${productId}`);
  }

  async setStock(productId, availableCount) {
    return this.call('PUT', `/api/products/${productId}/stock`, { as: 'admin', body: { availableCount } });
  }
}

// Signs in through the UI's demo-user buttons and waits for the header to show the user.
export async function signIn(page, userId) {
  await page.goto('/#/signin');
  const demo = page.locator(`button[data-user="${userId}"]`);
  if (await demo.count()) {
    await demo.click();
  } else {
    await page.getByLabel('User id').fill(userId);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
  await page.locator('#signed-in-user', { hasText: userId }).waitFor();
}

// Orders `quantity` of a product from the shop and resolves to the new order's id once the
// payment page shows it.
export async function orderFromShop(page, productId, quantity = 1) {
  await page.goto('/#/shop');
  const card = page.locator(`li[data-product="${productId}"]`);
  await card.getByLabel('Quantity').fill(String(quantity));
  await card.getByRole('button', { name: 'Order' }).click();
  await page.waitForURL(/#\/orders\/[A-Za-z0-9_-]+\/pay$/);
  await page.locator('#order-status').waitFor();
  return /#\/orders\/([A-Za-z0-9_-]+)\/pay$/.exec(page.url())[1];
}

// The header's balance in cents, once it has loaded.
export async function headerBalanceCents(page) {
  const balance = page.locator('#balance[data-cents]');
  await balance.waitFor();
  return Number(await balance.getAttribute('data-cents'));
}

// Text that looks like a JSON object or a problem document leaking into the page.
export async function assertNoRawJson(page, assert) {
  const text = await page.locator('main').innerText();
  assert.doesNotMatch(text, /[{[]\s*"[A-Za-z]+"\s*:/, 'the page shows raw JSON');
  assert.doesNotMatch(text, /https:\/\/tinysaga\.dev\/problems\//, 'the page shows a problem type URL');
}

// Polls `condition` (async) until it returns something truthy, which it returns; fails naming
// `what` after `timeoutMs`. For state the API shows (a saga's state, a dead letter), not the page:
// for the page, Playwright's own waits.
export async function eventually(condition, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Waits for Inventory's open dead letter of `orderId` (the order id is the message key). With
// the dev switch dead-lettering reservations, the order's PAYMENT_DONE does not mean Inventory
// has seen the reservation yet (in orchestration the command may still be on its way): a test
// keeps the switch on until this resolves, or the reservation may go through after all.
export async function reservationDeadLettered(api, orderId) {
  return eventually(async () => {
    const { deadLetters } = await api.call('GET', '/api/dead-letters?service=inventory&state=open&limit=100', { as: 'admin' });
    return deadLetters.find((letter) => letter.key === orderId);
  }, `the dead letter of ${orderId}'s reservation`);
}
