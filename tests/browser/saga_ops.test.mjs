// Browser tests of the admin page's saga operations (issue 15) against a real `up`: a cancel
// saga that gave up while the Wallet was down (its dev fault switch) is found on the admin page,
// opened (history, messages) and retried with a reason once the Wallet is back; a running saga
// (its reservation dead-lettered by Inventory's dev fault switch) is aborted with a reason.
// Every outcome is checked through the API: the order's status, the money, the saga's history.
// CTest runs it with short patient timings (`up --service-arg orchestrator=...` and, in
// choreography, `order=--cancel-...`), so that a saga gives up in seconds; both saga modes have
// their own entry.
// Run: TINYSAGA_BINARY=build/tinysaga TINYSAGA_UP_ARGS='...' node --test tests/browser/saga_ops.test.mjs

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  browserSuite, screenshot, signIn, assertNoRawJson, eventually, reservationDeadLettered,
} from './harness.mjs';

const suite = browserSuite();
const opsTest = suite.test;
const kSagaTimeoutMs = 60_000;

const saga = (orderId) => suite.api.call('GET', `/api/orders/${orderId}/saga`, { as: 'admin' });
const sagaIn = (orderId, state) => eventually(async () => {
  const view = await saga(orderId);
  return view.state === state ? view : null;
}, `the saga of ${orderId} to be ${state}`, kSagaTimeoutMs);
const orderIn = (orderId, status) => eventually(async () => {
  const order = await suite.api.order('admin', orderId);
  return order.status === status ? order : null;
}, `order ${orderId} to be ${status}`, kSagaTimeoutMs);

async function paidOrder(userId, productId) {
  const order = await suite.api.call('POST', '/api/orders', { as: userId, key: randomUUID(), body: { productId, quantity: 1 } });
  await suite.api.call('POST', '/api/payment', { as: userId, key: randomUUID(), body: { orderId: order.orderId } });
  return order;
}

const walletDown = (down) => suite.api.call('POST', '/api/dev/faults/wallet', { as: 'admin', body: { unavailableForMs: down ? 3_600_000 : 0 } });
const reservationsDeadLettered = (on) => suite.api.call('POST', '/api/dev/faults/inventory', { as: 'admin', body: { deadLetterReservations: on } });

// Opens the admin page, shows the sagas in `state`, and opens the `type` saga of `orderId`.
async function openSaga(page, orderId, state, type) {
  await page.goto('/#/admin');
  await page.locator('#sagas-filter').selectOption(state);
  const row = page.locator(`#sagas-table tr[data-state="${state}"][data-order="${orderId}"][data-type="${type}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: /Details of the/ }).click();
  await page.locator(`.saga-detail[data-order-id="${orderId}"]`).waitFor();
}

opsTest('a cancel that gave up while the wallet was down is retried from the admin page', async () => {
  const { page } = suite.session;
  const before = await suite.api.balance('alice');
  const order = await paidOrder('alice', 'keyboard');
  await orderIn(order.orderId, 'PLACED');
  // Choreography: Payment keeps the refund queued and would finish it on its own once the
  // wallet is back, racing the retry; so there the retry comes just before the wallet does.
  const { mode } = await suite.api.call('GET', '/api/sagas/definitions');
  const walletBackFirst = mode === 'orchestration';
  await walletDown(true);
  const detail = page.locator('#saga-detail');
  try {
    await suite.api.call('POST', `/api/orders/${order.orderId}/cancel`, { as: 'alice', body: {}, expect: [202] });
    await sagaIn(order.orderId, 'GAVE_UP');
    if (walletBackFirst) await walletDown(false);
    assert.equal((await suite.api.order('alice', order.orderId)).status, 'PLACED');

    await signIn(page, 'admin');
    await openSaga(page, order.orderId, 'GAVE_UP', 'cancel');
    assert.ok(await detail.locator('#saga-history tr[data-type="GAVE_UP"]').count() > 0, 'the history shows what gave up');
    assert.ok(await detail.locator('#saga-messages tr[data-direction="sent"]').count() > 0, 'the messages it sent are listed');
    await assertNoRawJson(page, assert);
    await screenshot(page, 'saga-ops-01-gave-up');

    // A reason is required: nothing is sent without one.
    await detail.getByRole('button', { name: 'Retry' }).click();
    await detail.getByText('Give a reason').waitFor();
    assert.equal((await saga(order.orderId)).retries, 0);

    await detail.getByLabel('Reason (required)').fill('wallet is back');
    await detail.getByRole('button', { name: 'Retry' }).click();
    await detail.locator('#saga-status').getByText('Retried').waitFor();
  } finally {
    await walletDown(false);  // whatever happened: the next test needs the wallet
  }
  await orderIn(order.orderId, 'CANCELED');
  const done = await sagaIn(order.orderId, 'COMPLETED');
  const retried = done.history.find((line) => line.type === 'RETRIED');
  assert.equal(retried?.actor, 'admin');
  assert.equal(retried?.reason, 'wallet is back');
  assert.equal(await suite.api.balance('alice'), before, 'the money is back');

  // Opened again: the retry is in its history, and there is nothing more to do.
  await openSaga(page, order.orderId, 'COMPLETED', 'cancel');
  await detail.locator('#saga-history tr[data-type="RETRIED"]').getByText('by admin: wallet is back').waitFor();
  await detail.getByText('there is nothing to retry or abort').waitFor();
  await screenshot(page, 'saga-ops-02-retried');
});

opsTest('a running saga is aborted from the admin page: the money and the stock come back', async () => {
  const { page } = suite.session;
  const before = await suite.api.balance('alice');
  const stock = (await suite.api.product('mouse')).availableProductCount;
  await reservationsDeadLettered(true);
  let order;
  try {
    order = await paidOrder('alice', 'mouse');
    await orderIn(order.orderId, 'PAYMENT_DONE');
    await reservationDeadLettered(suite.api, order.orderId);
  } finally {
    await reservationsDeadLettered(false);
  }
  await sagaIn(order.orderId, 'RUNNING');

  await signIn(page, 'admin');
  await openSaga(page, order.orderId, 'RUNNING', 'order');
  const detail = page.locator('#saga-detail');
  await detail.getByLabel('Reason (required)').fill('customer called');
  // Retry does not apply to a running saga: the server's answer says why.
  await detail.getByRole('button', { name: 'Retry' }).click();
  await detail.locator('#saga-status').getByText('Not retried').waitFor();
  await detail.locator('#saga-status').getByText(/only a saga that GAVE_UP can be retried/).waitFor();
  await detail.getByRole('button', { name: 'Abort' }).click();
  await detail.locator('#saga-status').getByText('Aborted').waitFor();
  await screenshot(page, 'saga-ops-03-aborted');

  const failed = await orderIn(order.orderId, 'FAILED');
  assert.equal(failed.statusInfo, 'aborted by an operator');
  await eventually(async () => await suite.api.balance('alice') === before, 'the refund', kSagaTimeoutMs);
  assert.equal((await suite.api.product('mouse')).availableProductCount, stock, 'nothing stays reserved');
  const view = await sagaIn(order.orderId, 'FAILED');
  const aborted = view.history.find((line) => line.type === 'ABORTED');
  assert.equal(aborted?.actor, 'admin');
  assert.equal(aborted?.reason, 'customer called');
});
