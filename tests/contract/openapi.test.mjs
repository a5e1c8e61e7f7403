// Contract test: a real `tinysaga up`, every operation of contracts/openapi.json called (happy
// paths and the errors each route family gives), each answer's status, content type, headers
// and body validated against the document (openapi_validator.mjs, ajv). Fails when an answer
// does not match or when an operation of the document was never exercised. Waits are on the
// order's own event stream (GET /api/orders/{orderId}/events), bounded; no sleeps.

import assert from 'node:assert/strict';
import { test, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Validator as OpenApiSchemaValidator } from '@seriousme/openapi-schema-validator';
import { startUp } from '../browser/up.mjs';
import { OpenApiValidator } from './openapi_validator.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const documentPath = process.env.TINYSAGA_OPENAPI ?? resolve(here, '..', '..', 'contracts', 'openapi.json');
const documentText = readFileSync(documentPath, 'utf8');
const document = JSON.parse(documentText);
const validator = new OpenApiValidator(document);
const kWaitMs = 20_000;  // for a saga to reach a status; they take milliseconds
const run = randomBytes(4).toString('hex');  // ids of this run: products, users

let up;
const tokens = new Map();

before(async () => {
  up = await startUp();
});
after(async () => {
  console.log(`coverage (operation: statuses seen):\n  ${validator.summary().join('\n  ')}`);
  await up?.stop();
});

async function token(userId, role = 'user') {
  const cacheKey = `${userId}/${role}`;
  if (!tokens.has(cacheKey)) {
    const { json } = await call('POST', '/api/auth/dev-token', { body: { userId, role }, expect: 201 });
    tokens.set(cacheKey, json.token);
  }
  return tokens.get(cacheKey);
}

// One request through the gateway, its answer checked against the document.
// `as`: the user acting ('admin' acts as an admin); `body`: JSON (checked against the
// document's request schema when the request is meant to succeed); `raw`: a body sent as it
// is; `key`: Idempotency-Key; `expect`: the status the test requires.
async function call(method, path, { as, role = as === 'admin' ? 'admin' : 'user', body, raw, key, headers = {}, expect } = {}) {
  const sent = { ...headers };
  if (as) sent.Authorization = `Bearer ${await token(as, role)}`;
  if (key) sent['Idempotency-Key'] = key;
  if (body !== undefined || raw !== undefined) sent['Content-Type'] = 'application/json';
  const target = path.split('?')[0];
  if (expect >= 200 && expect < 300 && raw === undefined) {
    assert.deepEqual(validator.checkRequest(method, target, { body, headers: sent }), [], `${method} ${path}: the request does not match the document`);
  }
  const response = await fetch(`${up.url}${path}`, {
    method,
    headers: sent,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  assert.equal(response.status, expect, `${method} ${path}: HTTP ${response.status} ${text}`);
  const problems = validator.checkResponse(method, target, { status: response.status, headers: response.headers, text });
  assert.deepEqual(problems, [], `${method} ${path}: the answer does not match the document:\n${text}`);
  const json = (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, json };
}

// Opens GET /api/orders/{orderId}/events as `as`, checks its head against the document and
// every event's data against the schema it documents (Order, OrderSaga), and resolves with
// the order once `until(order)` holds. Bounded by kWaitMs.
async function watchOrder(orderId, as, until) {
  const path = `/api/orders/${orderId}/events`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), kWaitMs);
  try {
    const response = await fetch(`${up.url}${path}`, {
      headers: { Authorization: `Bearer ${await token(as)}`, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    assert.equal(response.status, 200, `GET ${path}: HTTP ${response.status}`);
    assert.deepEqual(validator.checkResponse('GET', path, { status: 200, headers: response.headers, text: null }), []);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const lines = buffered.slice(0, end).split('\n');
        buffered = buffered.slice(end + 2);
        const type = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
        const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
        if (!data) continue;  // a keepalive
        const schema = { order: 'Order', saga: 'OrderSaga' }[type];
        assert.ok(schema, `an event of an undocumented type '${type}'`);
        const value = JSON.parse(data);
        assert.deepEqual(validator.checkComponent(schema, value), [], `a '${type}' event does not match ${schema}: ${data}`);
        if (type === 'order' && until(value)) return value;
      }
    }
    assert.fail(`the event stream of ${orderId} ended before the order got there`);
  } catch (error) {
    if (controller.signal.aborted) assert.fail(`order ${orderId} did not get there within ${kWaitMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

// Resolves once `holds()` does, asking again every 50 ms; fails after kWaitMs. For state with
// no event stream (dead letters): the wait ends on the state, the timer only paces the asking.
async function eventually(what, holds) {
  const deadline = Date.now() + kWaitMs;
  while (!(await holds())) {
    if (Date.now() > deadline) assert.fail(`${what} did not appear within ${kWaitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statusIs = (...statuses) => (order) => statuses.includes(order.status);

async function newOrder(as, productId, quantity = 1) {
  return (await call('POST', '/api/orders', { as, key: `order-${randomBytes(6).toString('hex')}`, body: { productId, quantity }, expect: 201 })).json;
}

async function pay(as, orderId, expect = 200) {
  return call('POST', '/api/payment', { as, key: `pay-${orderId}`, body: { orderId }, expect });
}

test('the document is valid OpenAPI 3.1 and every schema in it compiles', async () => {
  const result = await new OpenApiSchemaValidator().validate(structuredClone(document));
  assert.ok(result.valid, `not a valid OpenAPI 3.1 document: ${JSON.stringify(result.errors, null, 1)}`);
  assert.equal(document.openapi.slice(0, 4), '3.1.');
  assert.deepEqual(validator.compileAll(), []);
});

test('operations: health, readiness, metrics', async () => {
  await call('GET', '/healthz', { expect: 200 });
  await call('GET', '/readyz', { expect: 200 });
  await call('GET', '/readyz/instances', { expect: 200 });
  await call('GET', '/metrics', { as: 'admin', expect: 200 });
  await call('GET', '/metrics', { expect: 401 });
  await call('GET', '/metrics', { as: 'alice', expect: 403 });
});

test('the document is served at GET /api/openapi.json, as checked in', async () => {
  const { json } = await call('GET', '/api/openapi.json', { expect: 200 });
  assert.deepEqual(json, document);
  await call('GET', '/api/openapi.json', { headers: { Authorization: 'Bearer not-a-token' }, expect: 401 });
});

test('dev tokens', async () => {
  const { json } = await call('POST', '/api/auth/dev-token', { body: { userId: 'alice' }, expect: 201 });
  assert.equal(json.role, 'user');
  await call('POST', '/api/auth/dev-token', { body: { userId: 'not a user id' }, expect: 400 });
  await call('POST', '/api/auth/dev-token', { body: { userId: 'alice', role: 'root' }, expect: 400 });
  await call('POST', '/api/auth/dev-token', { body: { userId: 'alice', admin: true }, expect: 400 });
});

test('catalogue and stock', async () => {
  const { json: list } = await call('GET', '/api/products', { expect: 200 });
  assert.ok(list.products.some((product) => product.productId === 'mouse'));
  await call('GET', '/api/products', { headers: { Authorization: 'Basic YTpi' }, expect: 401 });
  await call('GET', '/api/products/mouse', { expect: 200 });
  await call('GET', '/api/products/no-such-product', { expect: 404 });
  const { json: availability } = await call('GET', '/api/products/mouse/availability?quantity=2', { expect: 200 });
  assert.equal(availability.available, true);
  await call('GET', '/api/products/mouse/availability', { expect: 200 });
  await call('GET', '/api/products/mouse/availability?quantity=0', { expect: 400 });
  await call('GET', '/api/products/no-such-product/availability', { expect: 404 });

  const productId = `pen-${run}`;
  const created = await call('POST', '/api/products', { as: 'admin', body: { productId, productName: 'Pen', productType: 'office', price: 250 }, expect: 201 });
  assert.equal(created.headers.get('location'), `/api/products/${productId}`);
  assert.equal(created.json.availableProductCount, 0);
  await call('POST', '/api/products', { as: 'admin', body: { productName: 'Pencil', productType: 'office', price: 90, currency: 'EUR' }, expect: 201 });
  await call('POST', '/api/products', { as: 'admin', body: { productId, productName: 'Pen', productType: 'office', price: 250 }, expect: 409 });
  await call('POST', '/api/products', { as: 'admin', body: { productName: 'Pen', productType: 'office', price: -1 }, expect: 400 });
  await call('POST', '/api/products', { as: 'admin', body: { productName: 'Pen', productType: 'office', price: 1, stock: 3 }, expect: 400 });
  await call('POST', '/api/products', { as: 'alice', body: { productName: 'Pen', productType: 'office', price: 1 }, expect: 403 });
  await call('POST', '/api/products', { body: { productName: 'Pen', productType: 'office', price: 1 }, expect: 401 });

  const { json: stocked } = await call('PUT', `/api/products/${productId}/stock`, { as: 'admin', body: { availableCount: 7 }, expect: 200 });
  assert.equal(stocked.availableProductCount, 7);
  await call('PUT', '/api/products/no-such-product/stock', { as: 'admin', body: { availableCount: 1 }, expect: 404 });
  await call('PUT', `/api/products/${productId}/stock`, { as: 'admin', body: { availableCount: -1 }, expect: 400 });
  await call('PUT', `/api/products/${productId}/stock`, { as: 'alice', body: { availableCount: 1 }, expect: 403 });
  await call('PUT', `/api/products/${productId}/stock`, { body: { availableCount: 1 }, expect: 401 });
});

test('wallets: read, deposit, withdraw, idempotency', async () => {
  const user = `dora_${run}`;
  await call('GET', `/api/wallets/${user}`, { as: user, expect: 404 });  // no wallet before the first deposit
  const first = await call('POST', `/api/wallets/${user}/deposits`, { as: user, key: 'deposit-1', body: { amount: 10_000 }, expect: 201 });
  assert.equal(first.json.balance, 10_000);
  const replay = await call('POST', `/api/wallets/${user}/deposits`, { as: user, key: 'deposit-1', body: { amount: 10_000 }, expect: 201 });
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(replay.json, first.json);
  await call('POST', `/api/wallets/${user}/deposits`, { as: user, key: 'deposit-1', body: { amount: 5 }, expect: 422 });
  await call('POST', `/api/wallets/${user}/deposits`, { as: user, body: { amount: 5 }, expect: 400 });
  await call('POST', `/api/wallets/${user}/deposits`, { as: user, key: 'deposit-2', body: { amount: 0 }, expect: 400 });
  await call('POST', `/api/wallets/${user}/deposits`, { as: 'admin', key: `admin-deposit-${run}`, body: { amount: 50_000 }, expect: 201 });
  await call('POST', `/api/wallets/${user}/deposits`, { body: { amount: 5 }, key: 'anonymous', expect: 401 });
  await call('POST', `/api/wallets/alice/deposits`, { as: user, key: 'into-alice', body: { amount: 5 }, expect: 404 });

  const { json: wallet } = await call('GET', `/api/wallets/${user}`, { as: user, expect: 200 });
  assert.equal(wallet.currency, 'USD');
  await call('GET', `/api/wallets/${user}`, { as: 'admin', expect: 200 });
  await call('GET', '/api/wallets/alice', { as: user, expect: 404 });
  await call('GET', '/api/wallets/alice', { expect: 401 });

  const withdrawn = await call('POST', `/api/wallets/${user}/withdrawals`, { as: user, key: 'withdraw-1', body: { amount: 2_500 }, expect: 201 });
  assert.equal(withdrawn.json.balance, wallet.balance - 2_500);
  await call('POST', `/api/wallets/${user}/withdrawals`, { as: user, key: 'withdraw-2', body: { amount: 100_000_000 }, expect: 402 });
  await call('POST', '/api/wallets/carol/withdrawals', { as: 'carol', key: 'withdraw-empty', body: { amount: 1 }, expect: 402 });
  await call('POST', `/api/wallets/${user}/withdrawals`, { as: user, body: { amount: 1 }, expect: 400 });
  await call('POST', `/api/wallets/${user}/withdrawals`, { as: user, key: 'withdraw-1', body: { amount: 1 }, expect: 422 });
  await call('POST', `/api/wallets/${user}/withdrawals`, { key: 'anonymous', body: { amount: 1 }, expect: 401 });
  await call('POST', '/api/wallets/alice/withdrawals', { as: user, key: 'from-alice', body: { amount: 1 }, expect: 404 });
});

test('orders: create, read, list, revise, ship, cancel; payment; sagas', async () => {
  // Create: idempotent, priced from the catalogue; refusals.
  const key = `order-${run}`;
  const first = await call('POST', '/api/orders', { as: 'alice', key, body: { productId: 'keyboard', quantity: 1 }, expect: 201 });
  assert.equal(first.json.status, 'INITIATED');
  const replay = await call('POST', '/api/orders', { as: 'alice', key, body: { productId: 'keyboard', quantity: 1 }, expect: 201 });
  assert.equal(replay.json.orderId, first.json.orderId);
  await call('POST', '/api/orders', { as: 'alice', key, body: { productId: 'keyboard', quantity: 2 }, expect: 422 });
  await call('POST', '/api/orders', { as: 'alice', body: { productId: 'keyboard', quantity: 1 }, expect: 400 });
  await call('POST', '/api/orders', { as: 'alice', key: `zero-${run}`, body: { productId: 'keyboard', quantity: 0 }, expect: 400 });
  await call('POST', '/api/orders', { as: 'alice', key: `unknown-${run}`, body: { productId: 'no-such-product', quantity: 1 }, expect: 404 });
  await call('POST', '/api/orders', { as: 'alice', key: `sold-out-${run}`, body: { productId: 'headphones', quantity: 1 }, expect: 422 });
  await call('POST', '/api/orders', { key: `anonymous-${run}`, body: { productId: 'keyboard', quantity: 1 }, expect: 401 });
  const order = first.json;

  // Read and list.
  await call('GET', `/api/orders/${order.orderId}`, { as: 'alice', expect: 200 });
  await call('GET', `/api/orders/${order.orderId}`, { as: 'admin', expect: 200 });
  await call('GET', `/api/orders/${order.orderId}`, { as: 'bob', expect: 404 });
  await call('GET', `/api/orders/${order.orderId}`, { expect: 401 });
  await call('GET', `/api/orders/${order.orderId}?waitMs=-1`, { as: 'alice', expect: 400 });
  // INITIATED: no saga moves it, so a long poll is answered at once.
  const { json: resting } = await call('GET', `/api/orders/${order.orderId}?waitMs=20000`, { as: 'alice', expect: 200 });
  assert.equal(resting.status, 'INITIATED');
  await newOrder('alice', 'cable', 2);
  const page = await call('GET', '/api/orders?limit=1', { as: 'alice', expect: 200 });
  assert.equal(page.json.orders.length, 1);
  assert.equal(typeof page.json.nextCursor, 'string');
  await call('GET', `/api/orders?limit=1&cursor=${encodeURIComponent(page.json.nextCursor)}`, { as: 'alice', expect: 200 });
  await call('GET', '/api/orders?status=INITIATED', { as: 'alice', expect: 200 });
  await call('GET', '/api/orders?userId=alice&limit=200', { as: 'admin', expect: 200 });
  await call('GET', '/api/orders?status=SHIPPED', { as: 'alice', expect: 400 });
  await call('GET', '/api/orders?limit=201', { as: 'alice', expect: 400 });
  await call('GET', '/api/orders?userId=bob', { as: 'alice', expect: 404 });
  await call('GET', '/api/orders', { expect: 401 });

  // Revise while INITIATED.
  const { json: revised } = await call('PUT', `/api/orders/${order.orderId}`, { as: 'alice', body: { quantity: 2 }, expect: 200 });
  assert.equal(revised.price, 2 * order.price);
  await call('PUT', `/api/orders/${order.orderId}`, { as: 'alice', body: {}, expect: 400 });
  await call('PUT', `/api/orders/${order.orderId}`, { as: 'alice', body: { productId: 'no-such-product' }, expect: 404 });
  await call('PUT', `/api/orders/${order.orderId}`, { as: 'bob', body: { quantity: 1 }, expect: 404 });
  await call('PUT', `/api/orders/${order.orderId}`, { body: { quantity: 1 }, expect: 401 });

  // The saga before the payment: the steps to come.
  const { json: notStarted } = await call('GET', `/api/orders/${order.orderId}/saga`, { as: 'alice', expect: 200 });
  assert.equal(notStarted.state, 'NOT_STARTED');
  await call('GET', `/api/orders/${order.orderId}/saga`, { as: 'bob', expect: 404 });
  await call('GET', `/api/orders/${order.orderId}/saga`, { expect: 401 });
  await call('GET', `/api/orders/${order.orderId}/events`, { as: 'bob', expect: 404 });
  await call('GET', `/api/orders/${order.orderId}/events`, { expect: 401 });

  // Pay: debited; the saga places the order.
  await call('POST', '/api/payment', { as: 'alice', body: { orderId: order.orderId }, expect: 400 });
  await call('POST', '/api/payment', { as: 'alice', key: `pay-unknown-${run}`, body: { orderId: 'ord_nonexistent' }, expect: 404 });
  await call('POST', '/api/payment', { as: 'bob', key: `pay-foreign-${run}`, body: { orderId: order.orderId }, expect: 404 });
  await call('POST', '/api/payment', { key: `pay-anonymous-${run}`, body: { orderId: order.orderId }, expect: 401 });
  const { json: paid } = await pay('alice', order.orderId);
  assert.equal(paid.paymentStatus, 'COMPLETED');
  const replayedPayment = await pay('alice', order.orderId);
  assert.equal(replayedPayment.headers.get('idempotent-replayed'), 'true');
  await call('POST', '/api/payment', { as: 'alice', key: `pay-${order.orderId}`, body: { orderId: 'ord_other' }, expect: 422 });
  await call('POST', '/api/payment', { as: 'alice', key: `pay-again-${run}`, body: { orderId: order.orderId }, expect: 409 });
  const placed = await watchOrder(order.orderId, 'alice', statusIs('PLACED', 'FAILED'));
  assert.equal(placed.status, 'PLACED', placed.statusInfo);
  const { json: settled } = await call('GET', `/api/orders/${order.orderId}?waitMs=20000`, { as: 'alice', expect: 200 });
  assert.equal(settled.status, 'PLACED');
  const { json: sagaView } = await call('GET', `/api/orders/${order.orderId}/saga`, { as: 'alice', expect: 200 });
  assert.equal(sagaView.state, 'COMPLETED');
  await call('PUT', `/api/orders/${order.orderId}`, { as: 'alice', body: { quantity: 1 }, expect: 409 });

  // Ship (admin), then no cancel.
  await call('PUT', `/api/orders/${order.orderId}/status`, { as: 'alice', body: { status: 'ON_WAY' }, expect: 403 });
  await call('PUT', `/api/orders/${order.orderId}/status`, { body: { status: 'ON_WAY' }, expect: 401 });
  await call('PUT', `/api/orders/${order.orderId}/status`, { as: 'admin', body: { status: 'PLACED' }, expect: 400 });
  await call('PUT', '/api/orders/ord_nonexistent/status', { as: 'admin', body: { status: 'ON_WAY' }, expect: 404 });
  await call('PUT', `/api/orders/${order.orderId}/status`, { as: 'admin', body: { status: 'DELIVERED' }, expect: 409 });
  const { json: onWay } = await call('PUT', `/api/orders/${order.orderId}/status`, { as: 'admin', body: { status: 'ON_WAY', statusInfo: 'parcel handed over' }, expect: 200 });
  assert.equal(onWay.status, 'ON_WAY');
  await call('POST', `/api/orders/${order.orderId}/cancel`, { as: 'alice', expect: 409 });
  await call('PUT', `/api/orders/${order.orderId}/status`, { as: 'admin', body: { status: 'DELIVERED' }, expect: 200 });

  // Insufficient funds: bob is poor.
  const expensive = await newOrder('bob', 'laptop');
  await pay('bob', expensive.orderId, 402);
  await watchOrder(expensive.orderId, 'bob', statusIs('FAILED'));

  // Cancel: an INITIATED order at once; a PLACED one through the cancel saga.
  const initiated = await newOrder('alice', 'mouse');
  const { json: canceledNow } = await call('POST', `/api/orders/${initiated.orderId}/cancel`, { as: 'alice', expect: 200 });
  assert.equal(canceledNow.status, 'CANCELED');
  await call('POST', `/api/orders/${initiated.orderId}/cancel`, { as: 'alice', expect: 409 });
  await call('POST', `/api/orders/${initiated.orderId}/cancel`, { as: 'alice', raw: '{"reason":"x"}', expect: 400 });
  await call('POST', `/api/orders/${initiated.orderId}/cancel`, { as: 'bob', expect: 404 });
  await call('POST', `/api/orders/${initiated.orderId}/cancel`, { expect: 401 });
  const toCancel = await newOrder('alice', 'monitor');
  await pay('alice', toCancel.orderId);
  await watchOrder(toCancel.orderId, 'alice', statusIs('PLACED'));
  const { json: accepted } = await call('POST', `/api/orders/${toCancel.orderId}/cancel`, { as: 'admin', body: {}, expect: 202 });
  assert.equal(accepted.cancelRequested, true);
  await watchOrder(toCancel.orderId, 'alice', statusIs('CANCELED'));
  const { json: cancelSaga } = await call('GET', `/api/orders/${toCancel.orderId}/saga`, { as: 'alice', expect: 200 });
  assert.equal(cancelSaga.type, 'cancel');
  assert.equal(cancelSaga.earlierSagas.length, 1);

  // Transactions: the payment and its refund.
  const { json: ofOrder } = await call('GET', `/api/transactions?orderId=${toCancel.orderId}`, { as: 'alice', expect: 200 });
  assert.deepEqual(ofOrder.transactions.map((t) => t.type).sort(), ['PAYMENT', 'REFUND']);
  await call('GET', '/api/transactions?limit=5', { as: 'alice', expect: 200 });
  await call('GET', '/api/transactions?userId=alice', { as: 'admin', expect: 200 });
  await call('GET', '/api/transactions?limit=0', { as: 'alice', expect: 400 });
  await call('GET', '/api/transactions?userId=bob', { as: 'alice', expect: 404 });
  await call('GET', '/api/transactions', { expect: 401 });

  // Saga lists (admin) and definitions (public).
  const sagas = await call('GET', '/api/sagas?limit=1', { as: 'admin', expect: 200 });
  assert.equal(sagas.json.sagas.length, 1);
  await call('GET', `/api/sagas?limit=1&cursor=${encodeURIComponent(sagas.json.nextCursor)}`, { as: 'admin', expect: 200 });
  await call('GET', '/api/sagas?state=COMPLETED', { as: 'admin', expect: 200 });
  await call('GET', '/api/sagas?state=DONE', { as: 'admin', expect: 400 });
  await call('GET', '/api/sagas', { as: 'alice', expect: 403 });
  await call('GET', '/api/sagas', { expect: 401 });
  const { json: definitions } = await call('GET', '/api/sagas/definitions', { expect: 200 });
  assert.ok(definitions.definitions.length >= 2);
});

// No message is poison here (the e2e suite publishes some straight to Kafka and acts on them,
// SagaTest.DeadLettersAreListedShownRedrivenAndDiscardedByAnAdmin), so the answers about one
// dead letter are its errors.
test('dead letters (admin): list across services, one, redrive, discard', async () => {
  const { json: page } = await call('GET', '/api/dead-letters?limit=5', { as: 'admin', expect: 200 });
  assert.ok(Array.isArray(page.deadLetters));
  await call('GET', '/api/dead-letters?service=payment&state=open', { as: 'admin', expect: 200 });
  await call('GET', '/api/dead-letters?state=lost', { as: 'admin', expect: 400 });
  await call('GET', '/api/dead-letters?service=nowhere', { as: 'admin', expect: 400 });
  await call('GET', '/api/dead-letters', { as: 'alice', expect: 403 });
  await call('GET', '/api/dead-letters', { expect: 401 });
  await call('GET', '/api/dead-letters/payment:999999', { as: 'admin', expect: 404 });
  await call('POST', '/api/dead-letters/payment:999999/redrive', { as: 'admin', body: { reason: 'fixed' }, expect: 404 });
  await call('POST', '/api/dead-letters/payment:999999/discard', { as: 'admin', body: {}, expect: 400 });
  await call('POST', '/api/dead-letters/payment:999999/discard', { as: 'alice', body: { reason: 'x' }, expect: 403 });
});

// Issue 15: an operator's verbs on one order's saga. Inventory's dev fault switch dead-letters
// the reservation, so the saga stays RUNNING (awaiting its stock) long enough to be aborted.
test('saga operations (admin): list filters, abort a running saga, refusals', async () => {
  await call('GET', '/api/sagas?state=OVERDUE&stuckForS=1', { as: 'admin', expect: 200 });
  await call('GET', '/api/sagas?stuckForS=0', { as: 'admin', expect: 400 });
  await call('POST', '/api/dev/faults/inventory', { as: 'admin', body: { deadLetterReservations: true }, expect: 200 });
  let order;
  try {
    order = await newOrder('alice', 'mouse');
    await pay('alice', order.orderId);
    await watchOrder(order.orderId, 'alice', statusIs('PAYMENT_DONE'));
    // PAYMENT_DONE does not mean Inventory has seen the reservation yet (in orchestration the
    // command may still be on its way): the switch stays on until its dead letter is there.
    await eventually(`a dead letter for ${order.orderId}`, async () => {
      const { json: open } = await call('GET', '/api/dead-letters?service=inventory&state=open&limit=100', { as: 'admin', expect: 200 });
      return open.deadLetters.some((letter) => letter.key === order.orderId);
    });
  } finally {
    await call('POST', '/api/dev/faults/inventory', { as: 'admin', body: { deadLetterReservations: false }, expect: 200 });
  }
  const verb = (name) => `/api/orders/${order.orderId}/saga/${name}`;
  await call('POST', verb('abort'), { as: 'admin', body: {}, expect: 400 });
  await call('POST', verb('abort'), { as: 'admin', raw: '{"reason":""}', expect: 400 });
  await call('POST', verb('abort'), { as: 'alice', body: { reason: 'mine' }, expect: 403 });
  await call('POST', verb('abort'), { body: { reason: 'x' }, expect: 401 });
  await call('POST', '/api/orders/ord_none/saga/abort', { as: 'admin', body: { reason: 'x' }, expect: 404 });
  await call('POST', verb('retry'), { as: 'admin', body: { reason: 'x' }, expect: 409 });
  const { json: aborted } = await call('POST', verb('abort'), { as: 'admin', body: { reason: 'contract test' }, expect: 200 });
  assert.ok(aborted.history.some((line) => line.type === 'ABORTED' && line.actor === 'admin' && line.reason === 'contract test'));
  await call('POST', verb('abort'), { as: 'admin', body: { reason: 'again' }, expect: 200 });
  await call('POST', verb('retry'), { as: 'admin', body: { reason: 'x' }, expect: 409 });
  await call('POST', verb('retry'), { as: 'alice', body: { reason: 'x' }, expect: 403 });
  await call('POST', verb('retry'), { body: { reason: 'x' }, expect: 401 });
  await call('POST', '/api/orders/ord_none/saga/retry', { as: 'admin', body: { reason: 'x' }, expect: 404 });
  await call('POST', verb('retry'), { as: 'admin', body: { reason: 5 }, expect: 400 });
  const failed = await watchOrder(order.orderId, 'alice', statusIs('FAILED'));
  assert.equal(failed.statusInfo, 'aborted by an operator');
});

test('dev fault switch', async () => {
  await call('POST', '/api/dev/faults/wallet', { as: 'admin', body: { unavailableForMs: 0 }, expect: 200 });
  await call('POST', '/api/dev/faults/wallet', { as: 'admin', body: { unavailableForMs: -1 }, expect: 400 });
  await call('POST', '/api/dev/faults/wallet', { as: 'alice', body: { unavailableForMs: 0 }, expect: 403 });
  await call('POST', '/api/dev/faults/wallet', { body: { unavailableForMs: 0 }, expect: 401 });
  // Inventory's (a simulated handler bug): only switched off here, so no saga of the suite is hit.
  await call('POST', '/api/dev/faults/inventory', { as: 'admin', body: { deadLetterReservations: false }, expect: 200 });
  await call('POST', '/api/dev/faults/inventory', { as: 'admin', body: { deadLetterReservations: 1 }, expect: 400 });
  await call('POST', '/api/dev/faults/inventory', { as: 'alice', body: { deadLetterReservations: false }, expect: 403 });
  await call('POST', '/api/dev/faults/inventory', { body: { deadLetterReservations: false }, expect: 401 });
});

test('every operation of the document was exercised', () => {
  assert.deepEqual(validator.notExercised(), [], 'operations of the document no test called');
});
