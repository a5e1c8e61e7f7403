// A live view of one order and its saga. First choice: the server-sent events of
// GET /api/orders/{id}/events, read with fetch() because EventSource cannot send the
// Authorization header. Fallback when the stream is missing, refused, silent or cut: polling
// GET /api/orders/{id} and GET /api/orders/{id}/saga every 500 ms while something is
// happening, and every few seconds once the order has settled.

import { get, enc, ApiError } from './api.js';
import { currentSession } from './session.js';

const kHeadersTimeoutMs = 4000;   // a stream that sends no headers by then is not a stream
const kFastPollMs = 500;
const kSlowPollMs = 4000;
const kReconnectsMax = 3;

const kTransientOrderStatuses = new Set(['PAYMENT_PENDING', 'PAYMENT_DONE']);
const kTerminalSagaStates = new Set(['COMPLETED', 'FAILED', 'GAVE_UP']);

// True when nothing is expected to move without someone acting: no running saga and no
// order status in the middle of a saga.
export function settled(order, saga) {
  if (!order) return false;
  if (kTransientOrderStatuses.has(order.status)) return false;
  return !saga || saga.state === 'NOT_STARTED' || kTerminalSagaStates.has(saga.state);
}

// Parses a text/event-stream body (the WHATWG rules that matter here: `event`, `data`
// (joined by newlines), comments, CRLF or LF) and calls onEvent({event, data}) per event.
export async function readEventStream(body, onEvent, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data = [];
  const dispatch = () => {
    if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n') });
    event = '';
    data = [];
  };
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') dispatch();
        else if (line.startsWith(':')) continue;
        else {
          const colon = line.indexOf(':');
          const name = colon === -1 ? line : line.slice(0, colon);
          let value = colon === -1 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (name === 'event') event = value;
          else if (name === 'data') data.push(value);
        }
      }
    }
  } finally {
    if (!signal?.aborted) reader.releaseLock();
  }
}

// new OrderFeed(orderId, onChange).start(); onChange({order, saga, sagaProblem, mode, error}).
// `mode`: 'stream' or 'polling'. stop() ends it; kick() polls at once and fast again (after
// the page itself changed something, e.g. paid or canceled).
export class OrderFeed {
  constructor(orderId, onChange) {
    this.orderId = orderId;
    this.onChange = onChange;
    this.state = { order: null, saga: null, sagaProblem: null, mode: 'connecting', error: null };
    this.stopped = false;
    this.timer = null;
    this.controller = null;
    this.reconnects = 0;
  }

  start() {
    // A snapshot at once: a stream that never sends headers would otherwise leave the page
    // empty until the headers timeout.
    this.poll({ once: true });
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  kick() {
    if (this.stopped) return;
    if (this.state.mode === 'polling') {
      clearTimeout(this.timer);
      this.poll();
    }
  }

  update(changes) {
    Object.assign(this.state, changes);
    if (!this.stopped) this.onChange({ ...this.state });
  }

  async connect() {
    const session = currentSession();
    this.controller = new AbortController();
    const headersTimer = setTimeout(() => this.controller.abort(), kHeadersTimeoutMs);
    let response;
    try {
      response = await fetch(`/api/orders/${enc(this.orderId)}/events`, {
        headers: { Accept: 'text/event-stream', ...(session ? { Authorization: `Bearer ${session.token}` } : {}) },
        signal: this.controller.signal,
        cache: 'no-store',
      });
    } catch {
      response = null;
    } finally {
      clearTimeout(headersTimer);
    }
    if (this.stopped) return;
    const isStream = response?.ok && (response.headers.get('Content-Type') ?? '').startsWith('text/event-stream');
    if (!isStream) {
      response?.body?.cancel().catch(() => {});
      this.startPolling();
      return;
    }
    this.update({ mode: 'stream', error: null });
    try {
      await readEventStream(response.body, (message) => this.onEvent(message), this.controller.signal);
    } catch {
      // Cut off (network, server restart, navigation): handled below like a normal end.
    }
    if (this.stopped) return;
    // The server ends the stream when the order settles, or a proxy cut it. Either way a
    // fresh read tells which; polling takes over if reconnecting keeps failing.
    if (settled(this.state.order, this.state.saga) || this.reconnects >= kReconnectsMax) {
      this.startPolling();
    } else {
      this.reconnects += 1;
      this.connect();
    }
  }

  onEvent({ event, data }) {
    let body;
    try {
      body = JSON.parse(data);
    } catch {
      return;  // a malformed event is skipped, the next one carries the full state again
    }
    if (event === 'order') {
      if (this.newer(body)) this.update({ order: body, error: null });
    }
    else if (event === 'saga') this.update({ saga: body, sagaProblem: null, error: null });
  }

  startPolling() {
    this.update({ mode: 'polling' });
    this.poll();
  }

  // An older snapshot never replaces a newer one (a slow poll answer after a stream event).
  newer(order) {
    return !this.state.order || !order.updatedAt || order.updatedAt >= this.state.order.updatedAt;
  }

  async poll({ once = false } = {}) {
    if (this.stopped) return;
    let delay = kFastPollMs;
    try {
      const [order, sagaResult] = await Promise.all([
        get(`/api/orders/${enc(this.orderId)}`),
        get(`/api/orders/${enc(this.orderId)}/saga`).then((saga) => ({ saga }), (error) => ({ error })),
      ]);
      if (this.stopped) return;
      if (!this.newer(order)) return;
      if (sagaResult.error) {
        // 404: no saga yet (it starts with the payment). Anything else: say so, keep the order.
        const noSaga = sagaResult.error instanceof ApiError && sagaResult.error.status === 404;
        this.update({ order, saga: noSaga ? null : this.state.saga, sagaProblem: noSaga ? null : sagaResult.error, error: null });
      } else {
        this.update({ order, saga: sagaResult.saga, sagaProblem: null, error: null });
      }
      if (settled(this.state.order, this.state.saga) && !this.state.sagaProblem) delay = kSlowPollMs;
      if (this.state.sagaProblem) delay = kSlowPollMs;
    } catch (error) {
      if (this.stopped || once) return;
      this.update({ error });
      delay = error instanceof ApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : kSlowPollMs;
      if (error instanceof ApiError && (error.status === 404 || error.status === 401)) return;  // gone or signed out
    }
    if (once) return;
    if (document.hidden) delay = Math.max(delay, kSlowPollMs);
    this.timer = setTimeout(() => this.poll(), delay);
  }
}
