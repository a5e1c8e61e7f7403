// Browser tests of the web UI that need no saga: sign-in, catalogue, ordering, my orders,
// wallet, admin, the what-if panel, keyboard use, labels and phone width.
// Run: TINYSAGA_BINARY=build/tinysaga node --test tests/browser/ui.test.mjs

import assert from 'node:assert/strict';
import {
  browserSuite, screenshot, signIn, orderFromShop, headerBalanceCents, assertNoRawJson,
} from './harness.mjs';

const suite = browserSuite();
const uiTest = suite.test;

// Every form control has a label a screen reader announces.
async function assertLabelled(page) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
    .filter((element) => element.type !== 'hidden')
    .filter((element) => element.labels.length === 0 && !element.getAttribute('aria-label') && !element.getAttribute('aria-labelledby'))
    .map((element) => element.outerHTML));
  assert.deepEqual(unlabelled, [], 'form controls without a label');
}

async function assertNoHorizontalScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
}

uiTest('sign in as a demo user: the header shows the user and the wallet balance', async () => {
  const { page } = suite.session;
  await page.goto('/');
  await page.waitForURL(/#\/signin$/);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await assertLabelled(page);
  await screenshot(page, '01-sign-in');
  await signIn(page, 'alice');
  await page.waitForURL(/#\/shop$/);
  assert.equal(await headerBalanceCents(page), await suite.api.balance('alice'));
  await assert.doesNotReject(page.locator('#balance', { hasText: '$5,000.00' }).waitFor());
});

// Issue 12: the page is served with a Content-Security-Policy the browser enforces, and the UI
// runs under it (any violation would be a console error, which fails every test).
uiTest('the content security policy is enforced: inline script does not run', async () => {
  const { page, errors } = suite.session;
  const response = await page.goto('/');
  const headers = response.headers();
  assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/);
  assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
  assert.equal(headers['x-frame-options'], 'DENY');
  await page.waitForURL(/#\/signin$/);
  const inlineRan = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineScriptRan = true;';
    document.head.append(script);
    return window.inlineScriptRan === true;
  });
  assert.equal(inlineRan, false, 'an inline script ran despite the policy');
  // The refusal is logged as a console error; it is this test's own, so it is not the UI's.
  const refusals = errors.filter((error) => error.includes('Content Security Policy'));
  assert.ok(refusals.length >= 1, `the browser did not report the refusal: ${errors.join('; ')}`);
  errors.splice(0, errors.length, ...errors.filter((error) => !error.includes('Content Security Policy')));
});

uiTest('sign in with a typed user id and as admin', async () => {
  const { page } = suite.session;
  await page.goto('/#/signin');
  await page.getByLabel('User id').fill('dave');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#signed-in-user', { hasText: 'dave' }).waitFor();
  await page.locator('#balance', { hasText: 'no wallet yet' }).waitFor();

  await page.goto('/#/signin');
  await page.getByLabel('User id').fill('bad id!');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText('Check the user id').waitFor();

  await page.getByLabel('User id').fill('root');
  await page.getByLabel('Sign in as an admin').check();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#signed-in-user', { hasText: 'root' }).waitFor();
  await page.getByRole('link', { name: 'Admin' }).waitFor();
});

uiTest('catalogue shows price, type and availability; out of stock cannot be ordered', async () => {
  const { page } = suite.session;
  await page.goto('/#/shop');
  const products = page.locator('li[data-product]');
  await products.first().waitFor();
  assert.equal(await products.count(), 6);
  const keyboard = page.locator('li[data-product="keyboard"]');
  await keyboard.getByText('$89.00').waitFor();
  await keyboard.getByText('peripheral').waitFor();
  await keyboard.getByText('25 in stock').waitFor();
  const headphones = page.locator('li[data-product="headphones"]');
  await headphones.getByText('Out of stock').first().waitFor();
  assert.equal(await headphones.getByRole('button').isDisabled(), true);
  await assertLabelled(page);
  await screenshot(page, '02-shop-signed-out');
});

uiTest('order creates an INITIATED order and opens its payment page', async () => {
  const { page } = suite.session;
  await signIn(page, 'alice');
  await screenshot(page, '03-shop');
  const sagaAnswers = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.endsWith('/saga')) sagaAnswers.push(response.status());
  });
  const orderId = await orderFromShop(page, 'keyboard', 2);
  await page.locator('#order-status[data-status="INITIATED"]').waitFor();
  await page.locator('#order-total', { hasText: '$178.00' }).waitFor();
  await page.getByRole('button', { name: 'Pay $178.00' }).waitFor();
  await page.locator('#saga-empty').waitFor();
  // The saga's steps are drawn before it starts, all waiting.
  await page.locator('#saga-steps li[data-step="reserve_stock"][data-status="PENDING"]').waitFor();
  assert.ok(sagaAnswers.length > 0 && sagaAnswers.every((status) => status === 200), `saga view answers: ${sagaAnswers}`);
  const order = await suite.api.order('alice', orderId);
  assert.equal(order.status, 'INITIATED');
  assert.equal(order.price, 17800);
  assert.equal(order.quantity, 2);
  await assertNoRawJson(page, assert);
  await screenshot(page, '04-payment-page');

  await page.goto(`/#/orders/${orderId}`);
  await page.locator('#order-history li[data-status="INITIATED"]').waitFor();
  await page.getByRole('link', { name: 'Pay' }).waitFor();
  await screenshot(page, '05-order-page-initiated');
});

uiTest('ordering more than the stock shows a readable out-of-stock message', async () => {
  const { page } = suite.session;
  await signIn(page, 'alice');
  await page.goto('/#/shop');
  const laptop = page.locator('li[data-product="laptop"]');
  const stock = (await suite.api.product('laptop')).availableProductCount;
  await laptop.getByLabel('Quantity').fill(String(stock + 1));
  await laptop.getByRole('button', { name: 'Order' }).click();
  await page.locator('#shop-status [role="alert"]', { hasText: 'Out of stock' }).waitFor();
  await assertNoRawJson(page, assert);
  await screenshot(page, '06-shop-out-of-stock-message');
});

uiTest('my orders: newest first, links to timelines, cancel an INITIATED order', async () => {
  const { page } = suite.session;
  await signIn(page, 'carol');
  const first = await orderFromShop(page, 'mouse', 1);
  const second = await orderFromShop(page, 'cable', 3);
  await page.getByRole('navigation').getByRole('link', { name: 'My orders' }).click();
  const rows = page.locator('#orders-table tbody tr[data-order]');
  await rows.nth(1).waitFor();
  assert.equal(await rows.nth(0).getAttribute('data-order'), second);
  assert.equal(await rows.nth(1).getAttribute('data-order'), first);
  await rows.nth(0).getByRole('link', { name: `Timeline of order ${second}` }).waitFor();
  await screenshot(page, '07-my-orders');

  await page.getByRole('button', { name: `Cancel order ${first}` }).click();
  await page.locator(`tr[data-order="${first}"][data-status="CANCELED"]`).waitFor();
  assert.equal((await suite.api.order('carol', first)).status, 'CANCELED');
  await page.locator('#orders-status', { hasText: 'canceled' }).waitFor();
  await screenshot(page, '08-my-orders-canceled');

  await page.getByLabel('Show').selectOption('CANCELED');
  await page.locator('#orders-table tbody tr[data-order]').first().waitFor();
  assert.equal(await page.locator('#orders-table tbody tr[data-order]').count(), 1);
});

uiTest('wallet: a first deposit creates it, a double click deposits once, amounts are exact', async () => {
  const { page } = suite.session;
  await signIn(page, 'erin');
  await page.getByRole('navigation').getByRole('link', { name: 'Wallet', exact: true }).click();
  await page.locator('#no-wallet').waitFor();
  await page.locator('#no-transactions').waitFor();
  await assertLabelled(page);
  await screenshot(page, '09-wallet-empty');

  await page.getByLabel('Amount (USD)').first().fill('20.05');
  await page.getByRole('button', { name: 'Deposit', exact: true }).dblclick();
  await page.locator('#wallet-balance', { hasText: '$20.05' }).waitFor();
  await page.locator('#balance', { hasText: '$20.05' }).waitFor();
  assert.equal(await suite.api.balance('erin'), 2005);
  await page.locator('#transactions-table tr[data-type="DEPOSIT"]').first().waitFor();
  assert.equal(await page.locator('#transactions-table tr[data-type="DEPOSIT"]').count(), 1);

  await page.locator('#withdrawal-amount').fill('5');
  await page.getByRole('button', { name: 'Withdraw' }).click();
  await page.locator('#wallet-balance', { hasText: '$15.05' }).waitFor();
  assert.equal(await suite.api.balance('erin'), 1505);

  await page.locator('#withdrawal-amount').fill('100');
  await page.getByRole('button', { name: 'Withdraw' }).click();
  await page.locator('#wallet-status [role="alert"]', { hasText: 'Insufficient funds' }).waitFor();
  assert.equal(await suite.api.balance('erin'), 1505);
  await assertNoRawJson(page, assert);
  await screenshot(page, '10-wallet');

  await page.locator('#deposit-amount').fill('1.234');
  await page.getByRole('button', { name: 'Deposit', exact: true }).click();
  await page.getByText('Check the amount').waitFor();
});

uiTest('admin: saga list (or a readable reason), every order, restock a product', async () => {
  const { page } = suite.session;
  await signIn(page, 'admin');
  await page.getByRole('navigation').getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Sagas' }).waitFor();
  // Before the orchestrator exists the list answers 503: the page must say so in words.
  await page.locator('#sagas-table, section:has(#sagas-heading) [role="alert"], section:has(#sagas-heading) p.muted >> nth=1').first().waitFor();
  await page.locator('#admin-orders-table tbody tr').first().waitFor();
  await page.locator('#stock-table tr[data-product="headphones"]').waitFor();
  await assertNoRawJson(page, assert);
  await assertLabelled(page);
  await screenshot(page, '11-admin');

  const before = (await suite.api.product('headphones')).availableProductCount;
  await page.getByLabel('Stock of Noise-cancelling headphones').fill('7');
  await page.locator('tr[data-product="headphones"]').getByRole('button', { name: 'Set' }).click();
  await page.locator('#stock-status', { hasText: 'Noise-cancelling headphones: 7 in stock' }).waitFor();
  assert.equal((await suite.api.product('headphones')).availableProductCount, 7);
  await page.goto('/#/shop');
  await page.locator('li[data-product="headphones"]').getByText('7 in stock').waitFor();
  await suite.api.setStock('headphones', before);
});

uiTest('a signed-in user cannot open the admin view', async () => {
  const { page } = suite.session;
  await signIn(page, 'alice');
  await page.goto('/#/admin');
  await page.getByText('Admins only').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Admin', exact: true }).count(), 0);
});

uiTest('what if: the panel offers every failure; stopping the Wallet answers in words', async () => {
  const { page } = suite.session;
  await signIn(page, 'alice');
  await page.getByRole('navigation').getByRole('link', { name: 'What if…' }).click();
  await page.getByRole('heading', { name: 'Not enough money' }).waitFor();
  await page.getByRole('heading', { name: 'Out of stock after payment' }).waitFor();
  await page.getByRole('heading', { name: 'The Wallet service is down' }).waitFor();
  await assertLabelled(page);
  await screenshot(page, '12-what-if');
  await page.getByLabel('For').selectOption('5000');
  await page.getByRole('button', { name: 'Stop the Wallet' }).click();
  // Either the fault switch is routed (the Wallet is down) or it is not (404), said in words.
  await page.locator('#what-if-wallet-status .notice').waitFor();
  await assertNoRawJson(page, assert);
  await screenshot(page, '13-what-if-wallet');
});

uiTest('an invalid session sends the user back to sign in with a message', async () => {
  const { page } = suite.session;
  await page.goto('/#/signin');
  await page.evaluate(() => sessionStorage.setItem('tinysaga.session', JSON.stringify({ token: 'not-a-token', userId: 'alice', role: 'user', devMode: true })));
  await page.goto('/#/orders');
  await page.getByText('Your session has expired or is no longer valid').waitFor();
  await page.waitForURL(/#\/signin$/);
});

uiTest('keyboard only: sign in and order without a mouse', async () => {
  const { page } = suite.session;
  await page.goto('/#/signin');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await tabUntil(page, 'button[data-user="bob"]');
  await page.keyboard.press('Enter');
  await page.locator('#signed-in-user', { hasText: 'bob' }).waitFor();
  await page.waitForURL(/#\/shop$/);
  await page.locator('#quantity-cable').waitFor();
  await tabUntil(page, '#quantity-cable');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/orders\/[A-Za-z0-9_-]+\/pay$/);
  await page.locator('#order-total', { hasText: '$18.00' }).waitFor();
  // The new page's heading has the focus, so the next Tab continues in the content.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
});

async function tabUntil(page, selector, pressesMax = 60) {
  for (let presses = 0; presses < pressesMax; presses += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

uiTest('phone width: every page fits without sideways scrolling', async () => {
  await suite.reopen({ viewport: { width: 360, height: 740 } });
  const { page } = suite.session;
  await page.goto('/#/signin');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'phone-01-sign-in');
  await signIn(page, 'alice');
  await page.locator('li[data-product]').first().waitFor();
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'phone-02-shop');
  const orderId = await orderFromShop(page, 'mouse', 1);
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'phone-03-payment');
  await page.goto('/#/orders');
  await page.locator(`tr[data-order="${orderId}"]`).waitFor();
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'phone-04-my-orders');
  await page.goto('/#/wallet');
  await page.locator('#transactions-table').waitFor();
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'phone-05-wallet');
  await page.goto('/#/what-if');
  await page.getByRole('heading', { name: 'Not enough money' }).waitFor();
  await assertNoHorizontalScroll(page);
  await screenshot(page, 'phone-06-what-if');
});
