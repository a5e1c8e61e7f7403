// Browser tests of the admin page's dead letters (issue 15) against a real `up`: real dead
// letters, made by Inventory's dev fault switch (POST /api/dev/faults/inventory, a simulated
// handler bug that dead-letters every reservation) while orders are paid; then, through the
// page, an admin lists them (filters, pages), opens one, discards one and redrives another with
// a reason, and every outcome is checked through the API.
// Run: TINYSAGA_BINARY=build/tinysaga node --test tests/browser/dead_letters.test.mjs

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { browserSuite, screenshot, signIn, assertNoRawJson, eventually } from './harness.mjs';

const suite = browserSuite();
const dlqTest = suite.test;
// The page shows 20 dead letters a page: one more than that makes a second page.
const kOrders = 22;
let deadLetters = [];  // the open ones makeDeadLetters() made, oldest first
let made = null;

async function deadLetter(id) {
  return suite.api.call('GET', `/api/dead-letters/${encodeURIComponent(id)}`, { as: 'admin' });
}

// Once, for the whole file, by the first test that needs them (node's root hooks do not wait
// for browserSuite()'s `before`, which starts `up`).
function deadLettersMade() {
  made ??= makeDeadLetters();
  return made;
}

async function makeDeadLetters() {
  const { api } = suite;
  await api.call('POST', '/api/dev/faults/inventory', { as: 'admin', body: { deadLetterReservations: true } });
  const orderIds = new Set();
  try {
    for (let i = 0; i < kOrders; ++i) {
      const order = await api.call('POST', '/api/orders', { as: 'alice', key: randomUUID(), body: { productId: 'cable', quantity: 1 } });
      await api.call('POST', '/api/payment', { as: 'alice', key: randomUUID(), body: { orderId: order.orderId } });
      orderIds.add(order.orderId);
    }
    // One dead letter per order (its reservation), keyed by the order id.
    deadLetters = await eventually(async () => {
      const { deadLetters: rows } = await api.call('GET', '/api/dead-letters?service=inventory&state=open&limit=100', { as: 'admin' });
      const ours = rows.filter((row) => orderIds.has(row.key));
      return new Set(ours.map((row) => row.key)).size === kOrders ? ours.reverse() : null;
    }, `${kOrders} dead letters`);
  } finally {
    // The bug is "fixed" before anyone redrives.
    await api.call('POST', '/api/dev/faults/inventory', { as: 'admin', body: { deadLetterReservations: false } });
  }
}

// Signs in as an admin and opens the admin page; resolves to the dead letters' section (the
// page's other sections have filters and buttons of their own).
async function openAdmin(page) {
  await deadLettersMade();
  await signIn(page, 'admin');
  await page.getByRole('navigation').getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Dead letters', exact: true }).waitFor();
  return page.locator('section#dead-letters');
}

const row = (page, id) => page.locator(`#dead-letters-table tr[data-dead-letter="${id}"]`);

async function show(page, id) {
  await row(page, id).getByRole('button', { name: `Details of dead letter ${id}` }).click();
  await page.locator(`#dead-letter-detail [data-dead-letter="${id}"]`).waitFor();
}

dlqTest('the open dead letters are listed across services, newest first, a page at a time, and filtered', async () => {
  const { page } = suite.session;
  const section = await openAdmin(page);
  const rows = page.locator('#dead-letters-table tbody tr');
  await row(page, deadLetters.at(-1).id).waitFor();
  assert.equal(await rows.count(), 20);
  assert.equal(await page.locator('#dead-letters-table tbody tr[data-state="open"]').count(), 20);
  await assertNoRawJson(page, assert);
  await screenshot(page, 'dlq-01-list');

  // The oldest are on the next page; and back.
  assert.equal(await row(page, deadLetters[0].id).count(), 0);
  await section.getByRole('button', { name: 'Older' }).click();
  await row(page, deadLetters[0].id).waitFor();
  await section.getByRole('button', { name: 'Newer' }).click();
  await row(page, deadLetters.at(-1).id).waitFor();

  // By service: Payment dead-lettered nothing; Inventory all of them.
  await section.getByLabel('Service').selectOption('payment');
  await section.getByText('No open dead letters in payment').waitFor();
  await section.getByLabel('Service').selectOption('inventory');
  await row(page, deadLetters.at(-1).id).waitFor();
  // By state: nothing was discarded yet.
  await section.getByLabel('State').selectOption('discarded');
  await section.getByText('No discarded dead letters in inventory').waitFor();
});

dlqTest('one dead letter shows where it came from, why, and its payload', async () => {
  const { page } = suite.session;
  const section = await openAdmin(page);
  const [first] = deadLetters;
  await section.getByRole('button', { name: 'Older' }).click();
  await show(page, first.id);
  const detail = page.locator('#dead-letter-detail');
  for (const text of [first.topic, first.key, first.messageId, first.type, first.consumer, String(first.offset),
    'Unprocessable: simulated handler bug']) {
    await detail.getByText(text, { exact: false }).first().waitFor();
  }
  await detail.locator('[data-state="open"]').first().waitFor();
  await assertNoRawJson(page, assert);  // the payload stays closed until asked for
  await detail.getByText('Payload', { exact: true }).click();
  await detail.locator('pre', { hasText: first.key }).waitFor();
  await screenshot(page, 'dlq-02-show');
});

dlqTest('discard needs a reason, sends nothing without one, and is recorded with who and why', async () => {
  const { page } = suite.session;
  const [first] = deadLetters;
  const posts = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/api/dead-letters/')) posts.push(request.url());
  });
  const section = await openAdmin(page);
  await section.getByRole('button', { name: 'Older' }).click();
  await show(page, first.id);
  await section.getByRole('button', { name: 'Discard' }).click();
  await section.getByText('Give a reason').waitFor();
  assert.equal(await section.getByLabel('Reason (required)').getAttribute('aria-invalid'), 'true');
  await section.getByLabel('Reason (required)').fill('   ');
  await section.getByRole('button', { name: 'Discard' }).click();
  await section.getByText('Give a reason').waitFor();
  assert.deepEqual(posts, [], 'sent without a reason');
  assert.equal((await deadLetter(first.id)).state, 'open');

  await section.getByLabel('Reason (required)').fill('a test order, nothing to reserve');
  await section.getByRole('button', { name: 'Discard' }).click();
  await page.locator('#dead-letter-status').getByText('Discarded').waitFor();
  await page.locator(`#dead-letter-detail [data-dead-letter="${first.id}"][data-state="discarded"]`).waitFor();
  await page.locator('#dead-letter-detail').getByText('A test order, nothing to reserve.').waitFor();
  assert.equal(await section.getByRole('button', { name: 'Redrive' }).count(), 0, 'no verbs on a closed dead letter');
  await screenshot(page, 'dlq-03-discarded');

  const discarded = await deadLetter(first.id);
  assert.equal(discarded.state, 'discarded');
  assert.equal(discarded.actedBy, 'admin');
  assert.equal(discarded.actionReason, 'a test order, nothing to reserve');
  assert.equal(posts.length, 1);
});

dlqTest('redrive publishes it again; a verb the server refuses shows its reason', async () => {
  const { page } = suite.session;
  const second = deadLetters[1];
  const third = deadLetters.at(-1);
  const section = await openAdmin(page);
  await section.getByRole('button', { name: 'Older' }).click();
  await show(page, second.id);
  await section.getByLabel('Reason (required)').fill('reservation bug fixed');
  await section.getByRole('button', { name: 'Redrive' }).click();
  await page.locator('#dead-letter-status').getByText('Redriven').waitFor();
  await page.locator(`#dead-letter-detail [data-dead-letter="${second.id}"][data-state="redriven"]`).waitFor();
  const redriven = await deadLetter(second.id);
  assert.equal(redriven.state, 'redriven');
  assert.equal(redriven.actedBy, 'admin');
  assert.equal(redriven.actionReason, 'reservation bug fixed');
  // The list follows: it is no longer among the open ones.
  await section.getByText('No more dead letters.').waitFor();

  // Someone else discards another one while this page shows it open: the server's 409, in
  // words.
  await section.getByRole('button', { name: 'Newer' }).click();
  await show(page, third.id);
  await suite.api.call('POST', `/api/dead-letters/${encodeURIComponent(third.id)}/discard`, { as: 'admin', body: { reason: 'done elsewhere' } });
  await section.getByLabel('Reason (required)').fill('try it');
  await section.getByRole('button', { name: 'Redrive' }).click();
  const refusal = page.locator('#dead-letter-status [role="alert"]');
  await refusal.getByText('Not redriven').waitFor();
  await refusal.getByText('is discarded: it cannot be redriven').waitFor();
  await assertNoRawJson(page, assert);
  await screenshot(page, 'dlq-04-refused');
  assert.equal((await deadLetter(third.id)).state, 'discarded');
});
