// The one place that talks HTTP to the gateway. Every failure becomes an ApiError carrying the
// RFC 9457 problem (status, slug, title, detail), so pages show sentences, never raw JSON.

import { currentSession } from './session.js';

// Titles people read, by the problem type's stable slug (API.md). The server's own `title` is
// the HTTP reason phrase ("Payment Required"), which says less.
const kTitles = {
  'insufficient-funds': 'Insufficient funds',
  'out-of-stock': 'Out of stock',
  'not-found': 'Not found',
  'invalid-request': 'Invalid request',
  'rate-limited': 'Too many requests',
  unauthorized: 'Please sign in again',
  forbidden: 'Not allowed',
  conflict: 'Not possible right now',
  'idempotency-mismatch': 'Request changed',
  'service-unavailable': 'Service unavailable',
  unprocessable: 'Not possible',
  network: 'Cannot reach the server',
};

export class ApiError extends Error {
  constructor({ status, slug, title, detail, problem = null, retryAfterSeconds = null }) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;  // 0 when no HTTP answer came back
    this.slug = slug;
    this.title = title;
    this.detail = detail;
    this.problem = problem;  // the parsed problem+json body, for extension members
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

function slugOf(type) {
  if (typeof type !== 'string' || type === '' || type === 'about:blank') return '';
  return type.slice(type.lastIndexOf('/') + 1);
}

async function errorFrom(response) {
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    // Not JSON (a proxy's HTML page, say): the status line is all there is.
  }
  const slug = slugOf(problem?.type) || (response.status === 429 ? 'rate-limited' : '');
  const title = kTitles[slug] ?? (typeof problem?.title === 'string' ? problem.title : response.statusText || 'Error');
  const detail = typeof problem?.detail === 'string' ? problem.detail : `the server answered HTTP ${response.status}`;
  return new ApiError({
    status: response.status,
    slug,
    title,
    detail,
    problem,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
  });
}

const unauthorizedListeners = new Set();
// Called with the error when a signed-in request is refused with 401 (expired or bad token).
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

// Sends one request. `token`: null for none, undefined for the session's. `key`: the
// Idempotency-Key. Resolves to the parsed JSON body (null when empty); rejects with ApiError.
export async function request(path, { method = 'GET', body, key, token, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const bearer = token === undefined ? currentSession()?.token : token;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError({ status: 0, slug: 'network', title: kTitles.network, detail: 'check that tinysaga is running, then try again' });
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && bearer && token === undefined) {
      for (const listener of unauthorizedListeners) listener(error);
    }
    throw error;
  }
  const text = await response.text();
  return text === '' ? null : JSON.parse(text);
}

// A fresh Idempotency-Key. crypto.randomUUID needs a secure context; getRandomValues does not,
// so the UI also works when opened as http://some-host:8080.
export function newKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export const get = (path, options) => request(path, { ...options, method: 'GET' });
export const post = (path, body, options) => request(path, { ...options, method: 'POST', body });
export const put = (path, body, options) => request(path, { ...options, method: 'PUT', body });

export const enc = encodeURIComponent;

// GET /api/sagas/definitions: public and the same for every order, so fetched once per page
// load and shared by every page that draws it. A failure is not kept: the next page retries.
let definitions = null;
export function sagaDefinitions() {
  definitions ??= get('/api/sagas/definitions', { token: null }).catch((error) => {
    definitions = null;
    throw error;
  });
  return definitions;
}
