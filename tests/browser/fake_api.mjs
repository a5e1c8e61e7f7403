// An in-memory stand-in for the tiny-saga gateway, for developing the web UI without the C++
// services: it serves web/ and answers the HTTP contract of shared/API.md, including
// POST /api/payment, a simulated order saga (and cancel saga) with server-sent events, and the
// wallet fault switch. It is NOT a test of the services: the browser tests run against
// `tinysaga up`; this fake only lets the saga pages be exercised before the saga exists.
//
//   node tests/browser/fake_api.mjs [--port 8090] [--web web] [--step-ms 250] [--events off]
// (`--events off`: no event stream, so the UI's polling fallback runs)
// prints "tinysaga up: ready at http://127.0.0.1:PORT" like `up`, so the harness can start it.

import { createServer } from 'node:http';
import { readFileSync, statSync } from 'node:fs';
import { join, extname, resolve, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, index, all) =>
  (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[index + 1]]] : pairs), []));
const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(args.web ?? join(here, '..', '..', 'web'));
const stepMs = Number(args['step-ms'] ?? 250);
const walletRetries = 3;  // like Payment: attempts against the Wallet before answering 503

const kTypes = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json' };
const kTitles = { 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content', 503: 'Service Unavailable' };

const now = () => new Date().toISOString();
const newId = (prefix) => `${prefix}_${randomBytes(10).toString('hex')}`;
const sleep = (ms) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

// --- State -------------------------------------------------------------------------------
const products = new Map([
  ['keyboard', 'Mechanical keyboard', 'peripheral', 8900, 25], ['mouse', 'Wireless mouse', 'peripheral', 2500, 100],
  ['monitor', '27-inch monitor', 'display', 24900, 10], ['laptop', 'Ultralight laptop', 'computer', 129900, 3],
  ['cable', 'USB-C cable', 'accessory', 900, 500], ['headphones', 'Noise-cancelling headphones', 'audio', 14900, 0],
].map(([productId, productName, productType, price, availableProductCount]) =>
  [productId, { productId, productName, productType, price, currency: 'USD', availableProductCount }]));
const wallets = new Map();      // userId -> {balance, updatedAt}
const transactions = [];        // newest last
const orders = new Map();       // orderId -> order with history
const sagas = new Map();        // orderId -> saga view (the latest saga of the order)
const idempotency = new Map();  // `${user}|${key}` -> {fingerprint, status, body}
const listeners = new Map();    // orderId -> Set of SSE responses
let walletDownUntil = 0;

function transaction(userId, type, amount, { orderId = null, paymentStatus = null, description }) {
  const entry = { transactionId: newId('txn'), userId, orderId, type, paymentStatus, amount, currency: 'USD', timestamp: now(), description };
  transactions.push(entry);
  return entry;
}
function credit(userId, amount) {
  const wallet = wallets.get(userId) ?? { balance: 0 };
  wallets.set(userId, { balance: wallet.balance + amount, updatedAt: now() });
}
for (const [userId, amount] of [['alice', 500000], ['bob', 1500]]) {
  credit(userId, amount);
  transaction(userId, 'DEPOSIT', amount, { description: 'Deposit' });
}

// --- Orders, sagas and events ------------------------------------------------------------
function publicOrder(order, withHistory = true) {
  const { history, ...rest } = order;
  return withHistory ? { ...rest, history } : rest;
}
function emit(orderId) {
  for (const response of listeners.get(orderId) ?? []) sendEvents(response, orderId);
}
function sendEvents(response, orderId) {
  response.write(`event: order\ndata: ${JSON.stringify(publicOrder(orders.get(orderId)))}\n\n`);
  if (sagas.has(orderId)) response.write(`event: saga\ndata: ${JSON.stringify(sagas.get(orderId))}\n\n`);
}
function setStatus(order, status, statusInfo) {
  order.status = status;
  order.statusInfo = statusInfo;
  order.updatedAt = now();
  order.history.push({ status, statusInfo, at: order.updatedAt });
  emit(order.orderId);
}
// [name, label, undoLabel, parallelGroup], as sagas/order/src/order_sagas.cpp declares them.
// No step runs beside another, and none marks the order PAYMENT_DONE: Order follows Payment's
// PaymentCompleted itself.
const kOrderSteps = [
  ['order', 'Saga started for the order', 'Order marked FAILED', null],
  ['charge_wallet', 'Charge the wallet', 'Refund the payment', null],
  ['reserve_stock', 'Reserve stock', 'Release the stock', null],
  ['order_placed', 'Order placed', null, null],
];
const kCancelSteps = [
  ['release_stock', 'Release the stock', null, null],
  ['refund', 'Refund the payment', null, null],
  ['order_canceled', 'Order canceled', null, null],
];
// GET /api/sagas/definitions, without the replies and timings: [participant, command] of each
// step and of its compensation, by step name, as the same file declares them.
const kActions = {
  order: [[null, null], ['order', 'MarkFailed']],
  charge_wallet: [['payment', 'ChargeWallet'], ['payment', 'Refund']],
  reserve_stock: [['inventory', 'ReserveStock'], ['inventory', 'ReleaseStock']],
  order_placed: [['order', 'MarkPlaced'], null],
  release_stock: [['inventory', 'ReleaseStock'], null],
  refund: [['payment', 'Refund'], null],
  order_canceled: [['order', 'MarkCanceled'], null],
};
function definitionOf(type, description, reversible, steps) {
  return { type, description, reversible, steps: steps.map(([name, label, undoLabel, parallelGroup]) => {
    const [[participant, command], undo] = kActions[name];
    return { name, label, participant, command, parallelGroup,
      compensation: undoLabel ? { label: undoLabel, participant: undo[0], command: undo[1] } : null };
  }) };
}
function newSagaView(order, type, steps) {
  return { sagaId: newId('sag'), type, mode: 'orchestration', state: 'RUNNING', orderId: order.orderId,
    steps: steps.map(([name, label, undoLabel, parallelGroup]) => ({ name, label, undoLabel, parallelGroup, status: 'PENDING', attempts: 0, startedAt: null, endedAt: null, error: null })) };
}
function newSaga(order, type, steps) {
  const saga = newSagaView(order, type, steps);
  sagas.set(order.orderId, saga);
  return saga;
}
function step(saga, name, changes) {
  Object.assign(saga.steps.find((candidate) => candidate.name === name), changes);
  emit(saga.orderId);
}
async function runStep(saga, name, action) {
  step(saga, name, { status: 'RUNNING', attempts: 1, startedAt: now() });
  await sleep(stepMs);
  const error = action();
  step(saga, name, error ? { status: 'FAILED', endedAt: now(), error } : { status: 'SUCCEEDED', endedAt: now() });
  return !error;
}
async function compensate(saga, name, action) {
  saga.state = 'COMPENSATING';
  step(saga, name, { status: 'COMPENSATING' });
  await sleep(stepMs);
  action?.();
  step(saga, name, { status: 'COMPENSATED', endedAt: now() });
}
function finish(saga, state, failureReason) {
  saga.state = state;
  for (const candidate of saga.steps) if (candidate.status === 'PENDING') candidate.status = 'SKIPPED';
  if (failureReason) saga.failureReason = failureReason;
  emit(saga.orderId);
}

// The order saga after the debit was decided (libs/saga/README.md's steps and outcomes).
async function orderSaga(order, outcome, payment) {
  const saga = newSaga(order, 'order', kOrderSteps);
  step(saga, 'order', { status: 'SUCCEEDED', startedAt: now(), endedAt: now() });
  const failWith = async (reason) => {
    await compensate(saga, 'order', () => setStatus(order, 'FAILED', reason));
    finish(saga, 'FAILED', reason);
  };
  if (outcome !== 'paid') {
    const error = outcome === 'insufficient' ? 'insufficient funds' : 'wallet unavailable after 3 attempts';
    await runStep(saga, 'charge_wallet', () => error);
    if (outcome === 'unavailable') await compensate(saga, 'charge_wallet');  // voids an unseen debit
    return failWith(outcome === 'insufficient' ? 'insufficient funds' : 'payment service unavailable');
  }
  // Order hears PaymentCompleted itself, beside the saga: no step of its own.
  await runStep(saga, 'charge_wallet', () => { setStatus(order, 'PAYMENT_DONE', 'payment received'); });
  const product = products.get(order.productId);
  const reserved = await runStep(saga, 'reserve_stock', () => {
    if (product.availableProductCount < order.quantity) return `out of stock: ${product.availableProductCount} available, ${order.quantity} asked`;
    product.availableProductCount -= order.quantity;
    return null;
  });
  if (!reserved) {
    await compensate(saga, 'charge_wallet', () => refund(order, payment));
    return failWith('out of stock, payment refunded');
  }
  await runStep(saga, 'order_placed', () => { setStatus(order, 'PLACED', 'stock reserved, order placed'); });
  finish(saga, 'COMPLETED');
}
function refund(order, payment) {
  credit(order.userId, payment.amount);
  payment.paymentStatus = 'REFUNDED';
  transaction(order.userId, 'REFUND', payment.amount, { orderId: order.orderId, description: `Refund for order ${order.orderId}` });
}
async function cancelSaga(order) {
  const saga = newSaga(order, 'cancel', kCancelSteps);
  await runStep(saga, 'release_stock', () => { products.get(order.productId).availableProductCount += order.quantity; });
  await runStep(saga, 'refund', () => {
    const payment = transactions.find((entry) => entry.orderId === order.orderId && entry.type === 'PAYMENT');
    if (payment) refund(order, payment);
  });
  await runStep(saga, 'order_canceled', () => { setStatus(order, 'CANCELED', 'canceled by the customer, payment refunded'); });
  finish(saga, 'COMPLETED');
}

// --- HTTP --------------------------------------------------------------------------------
class Problem extends Error {
  constructor(status, slug, detail, extra = {}) { super(detail); Object.assign(this, { status, slug, extra }); }
}
function sendJson(response, status, body, type = 'application/json') {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}
function caller(request) {
  const header = request.headers.authorization;
  if (!header) return null;
  try {
    const claims = JSON.parse(Buffer.from(header.replace(/^Bearer /, '').split('.')[1], 'base64url').toString());
    if (typeof claims.sub !== 'string') throw new Error('no sub');
    return { userId: claims.sub, admin: claims.role === 'admin' };
  } catch {
    throw new Problem(401, 'unauthorized', 'invalid token');
  }
}
function need(user, admin = false) {
  if (!user) throw new Problem(401, 'unauthorized', "this resource needs 'Authorization: Bearer <token>'");
  if (admin && !user.admin) throw new Problem(403, 'forbidden', 'admins only');
  return user;
}
function visibleOrder(user, orderId) {
  const order = orders.get(orderId);
  if (!order || (!user.admin && order.userId !== user.userId)) throw new Problem(404, 'not-found', `order '${orderId}' not found`);
  return order;
}
// Same key + same body replays; same key + another body is 422 (API.md).
async function idempotent(request, user, body, effect) {
  const key = request.headers['idempotency-key'];
  if (!key) throw new Problem(400, 'invalid-request', "header 'Idempotency-Key' is required");
  const id = `${user.userId}|${key}`;
  const fingerprint = `${request.method} ${request.url} ${JSON.stringify(body)}`;
  const seen = idempotency.get(id);
  if (seen) {
    if (seen.fingerprint !== fingerprint) throw new Problem(422, 'idempotency-mismatch', 'the Idempotency-Key was used with another request');
    if (!seen.done) throw new Problem(409, 'conflict', 'the first request with this Idempotency-Key is still running');
    return seen.result;
  }
  const record = { fingerprint, done: false };
  idempotency.set(id, record);
  try {
    record.result = { status: 200, body: await effect() };
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    record.result = { problem: error };
  }
  record.done = true;
  return record.result;
}

async function api(request, response, url, body) {
  const user = caller(request);
  const path = url.pathname;
  const method = request.method;
  let match;
  if (path === '/api/auth/dev-token' && method === 'POST') {
    const role = body.role === 'admin' ? 'admin' : 'user';
    const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 86400;
    return [201, { token: `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: body.userId, role, exp })}.fake`, userId: body.userId, role, expiresAt: new Date(exp * 1000).toISOString() }];
  }
  if (path === '/api/products' && method === 'GET') return [200, { products: [...products.values()].sort((a, b) => a.productId.localeCompare(b.productId)) }];
  if ((match = /^\/api\/products\/([^/]+)$/.exec(path)) && method === 'GET') {
    if (!products.has(match[1])) throw new Problem(404, 'not-found', `product '${match[1]}' not found`);
    return [200, products.get(match[1])];
  }
  if ((match = /^\/api\/products\/([^/]+)\/stock$/.exec(path)) && method === 'PUT') {
    need(user, true);
    const product = products.get(match[1]);
    if (!product) throw new Problem(404, 'not-found', 'no such product');
    product.availableProductCount = body.availableCount;
    return [200, product];
  }
  // Public, as at the gateway.
  if (path === '/api/sagas/definitions' && method === 'GET') {
    return [200, { mode: 'orchestration', definitions: [
      definitionOf('order', 'Pays for an order, reserves its stock and places it', true, kOrderSteps),
      definitionOf('cancel', 'Cancels a placed order: releases its stock, refunds the payment and marks it CANCELED', false, kCancelSteps)] }];
  }
  need(user);
  if ((match = /^\/api\/wallets\/([^/]+)$/.exec(path)) && method === 'GET') {
    if (!user.admin && match[1] !== user.userId) throw new Problem(404, 'not-found', 'no such wallet');
    const wallet = wallets.get(match[1]);
    if (!wallet) throw new Problem(404, 'not-found', 'no such wallet');
    return [200, { userId: match[1], balance: wallet.balance, currency: 'USD', updatedAt: wallet.updatedAt }];
  }
  if ((match = /^\/api\/wallets\/([^/]+)\/(deposits|withdrawals)$/.exec(path)) && method === 'POST') {
    const [, owner, kind] = match;
    if (!user.admin && owner !== user.userId) throw new Problem(404, 'not-found', 'no such wallet');
    return idempotent(request, user, body, () => {
      const balance = wallets.get(owner)?.balance ?? 0;
      if (kind === 'withdrawals' && balance < body.amount) throw new Problem(402, 'insufficient-funds', `the balance is ${balance} cents, ${body.amount} requested`);
      credit(owner, kind === 'deposits' ? body.amount : -body.amount);
      const entry = transaction(owner, kind === 'deposits' ? 'DEPOSIT' : 'WITHDRAWAL', body.amount, { description: kind === 'deposits' ? 'Deposit' : 'Withdrawal' });
      return { transactionId: entry.transactionId, balance: wallets.get(owner).balance };
    }).then((result) => (result.problem ? Promise.reject(result.problem) : [201, result.body]));
  }
  if (path === '/api/transactions' && method === 'GET') {
    const orderId = url.searchParams.get('orderId');
    const owner = user.admin ? url.searchParams.get('userId') : user.userId;
    return [200, { transactions: transactions.filter((entry) => (!owner || entry.userId === owner) && (!orderId || entry.orderId === orderId)).slice().reverse() }];
  }
  if (path === '/api/orders' && method === 'POST') {
    const result = await idempotent(request, user, body, () => {
      const product = products.get(body.productId);
      if (!product) throw new Problem(404, 'not-found', `product '${body.productId}' not found`);
      if (product.availableProductCount < body.quantity) throw new Problem(422, 'out-of-stock', `product '${product.productId}' has ${product.availableProductCount} available, ${body.quantity} asked`);
      const at = now();
      const order = { orderId: newId('ord'), userId: user.userId, productId: product.productId, quantity: body.quantity, price: product.price * body.quantity, currency: 'USD', status: 'INITIATED', statusInfo: 'order created', createdAt: at, updatedAt: at, history: [{ status: 'INITIATED', statusInfo: 'order created', at }] };
      orders.set(order.orderId, order);
      return publicOrder(order);
    });
    if (result.problem) throw result.problem;
    return [201, result.body];
  }
  if (path === '/api/orders' && method === 'GET') {
    const status = url.searchParams.get('status');
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const offset = Number(url.searchParams.get('cursor') ?? 0);
    const list = [...orders.values()].filter((order) => (user.admin || order.userId === user.userId) && (!status || order.status === status)).reverse();
    const page = list.slice(offset, offset + limit);
    return [200, { orders: page.map((order) => publicOrder(order, false)), nextCursor: offset + limit < list.length ? String(offset + limit) : null }];
  }
  if ((match = /^\/api\/orders\/([^/]+)$/.exec(path)) && method === 'GET') return [200, publicOrder(visibleOrder(user, match[1]))];
  if ((match = /^\/api\/orders\/([^/]+)\/saga$/.exec(path)) && method === 'GET') {
    const order = visibleOrder(user, match[1]);
    if (sagas.has(match[1])) return [200, sagas.get(match[1])];
    // Before the payment: the declared steps, all waiting (as the Order service answers).
    const planned = { ...newSagaView(order, 'order', kOrderSteps), sagaId: null, state: 'NOT_STARTED' };
    return [200, planned];
  }
  if ((match = /^\/api\/orders\/([^/]+)\/events$/.exec(path)) && method === 'GET' && args.events !== 'off') {
    const order = visibleOrder(user, match[1]);
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    if (!listeners.has(order.orderId)) listeners.set(order.orderId, new Set());
    listeners.get(order.orderId).add(response);
    request.on('close', () => listeners.get(order.orderId).delete(response));
    sendEvents(response, order.orderId);
    return null;
  }
  if ((match = /^\/api\/orders\/([^/]+)\/cancel$/.exec(path)) && method === 'POST') {
    const order = visibleOrder(user, match[1]);
    if (order.status === 'INITIATED') setStatus(order, 'CANCELED', 'canceled by the customer');
    else if (order.status === 'PLACED') cancelSaga(order);
    else throw new Problem(409, 'conflict', `order is ${order.status}; it can no longer be canceled`);
    return [200, publicOrder(order)];
  }
  if ((match = /^\/api\/orders\/([^/]+)\/status$/.exec(path)) && method === 'PUT') {
    need(user, true);
    const order = visibleOrder(user, match[1]);
    const legal = { PLACED: 'ON_WAY', ON_WAY: 'DELIVERED' }[order.status] === body.status;
    if (!legal) throw new Problem(409, 'conflict', `order is ${order.status}; it cannot become ${body.status}`);
    setStatus(order, body.status, body.statusInfo ?? (body.status === 'ON_WAY' ? 'shipped' : 'delivered'));
    return [200, publicOrder(order)];
  }
  if (path === '/api/payment' && method === 'POST') {
    const result = await idempotent(request, user, body, () => pay(user, body.orderId));
    if (result.problem) throw result.problem;
    return [200, result.body];
  }
  if (path === '/api/sagas' && method === 'GET') {
    need(user, true);
    const state = url.searchParams.get('state');
    return [200, { sagas: [...sagas.values()].filter((saga) => !state || saga.state === state), nextCursor: null }];
  }
  if (path === '/api/dev/faults/wallet' && method === 'POST') {
    need(user, true);
    walletDownUntil = Date.now() + body.unavailableForMs;
    return [200, { unavailableForMs: body.unavailableForMs, unavailableUntil: new Date(walletDownUntil).toISOString() }];
  }
  throw new Problem(404, 'not-found', 'no such API resource');
}

async function pay(user, orderId) {
  const order = visibleOrder(user, orderId);
  if (order.status !== 'INITIATED') throw new Problem(409, 'conflict', `order is ${order.status}, not INITIATED`);
  setStatus(order, 'PAYMENT_PENDING', 'payment in progress');
  for (let attempt = 1; Date.now() < walletDownUntil; attempt += 1) {
    if (attempt >= walletRetries) {
      orderSaga(order, 'unavailable');
      throw new Problem(503, 'service-unavailable', 'the wallet service did not answer after 3 attempts');
    }
    await sleep(200 * 2 ** attempt);
  }
  const balance = wallets.get(order.userId)?.balance ?? 0;
  if (balance < order.price) {
    orderSaga(order, 'insufficient');
    throw new Problem(402, 'insufficient-funds', `the balance is ${balance} cents, ${order.price} needed`);
  }
  credit(order.userId, -order.price);
  const payment = transaction(order.userId, 'PAYMENT', order.price, { orderId, paymentStatus: 'COMPLETED', description: `Payment for order ${orderId}` });
  orderSaga(order, 'paid', payment);
  return { orderId, transactionId: payment.transactionId, paymentStatus: 'COMPLETED', amount: order.price, currency: 'USD', orderStatus: order.status };
}

function staticFile(url, response) {
  const relative = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
  const path = resolve(webDir, relative);
  if (!path.startsWith(webDir) || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
    return sendJson(response, 404, { type: 'https://tinysaga.dev/problems/not-found', title: 'Not Found', status: 404, detail: 'no such page' }, 'application/problem+json');
  }
  response.writeHead(200, { 'Content-Type': kTypes[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
  response.end(readFileSync(path));
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url, 'http://localhost');
  if (!url.pathname.startsWith('/api/')) return staticFile(url, response);
  try {
    let text = '';
    for await (const chunk of request) text += chunk;
    const answer = await api(request, response, url, text ? JSON.parse(text) : {});
    if (answer) sendJson(response, answer[0], answer[1]);
  } catch (error) {
    const problem = error instanceof Problem ? error : new Problem(400, 'invalid-request', String(error.message));
    sendJson(response, problem.status, { type: `https://tinysaga.dev/problems/${problem.slug}`, title: kTitles[problem.status] ?? 'Error', status: problem.status, detail: problem.message, ...problem.extra }, 'application/problem+json');
  }
});
server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  console.log(`tinysaga up: ready at http://127.0.0.1:${server.address().port} (fake API for UI development; web from ${webDir})`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
