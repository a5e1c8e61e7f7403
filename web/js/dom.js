// Small DOM helpers. Pages build elements with h() and textContent only: no innerHTML with
// data, so a product name or an error detail can never inject markup.

import { ApiError } from './api.js';
import { humanize } from './format.js';

// h('button', {class: 'primary', onclick: f}, 'Pay') -> <button class="primary">Pay</button>.
// Attributes: `class`, `dataset` (object), on* (listeners), booleans, the rest as attributes.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

// Says `text` to screen reader users without moving focus.
export function announce(text) {
  const announcer = document.getElementById('announcer');
  if (!announcer) return;
  announcer.textContent = '';
  // A new text node in a later frame makes screen readers repeat an identical message.
  requestAnimationFrame(() => { announcer.textContent = text; });
}

// A readable problem: its title in bold, then the detail. `role="alert"` reads it at once.
export function problemBox(error, { heading, extra } = {}) {
  const title = heading ?? (error instanceof ApiError ? error.title : 'Something went wrong');
  const detail = error instanceof ApiError ? sentence(error.detail) : sentence(error?.message ?? String(error));
  return h('div', { class: 'notice notice--error', role: 'alert', dataset: { slug: error?.slug ?? 'error' } },
    h('p', { class: 'notice__title' }, title),
    detail ? h('p', {}, detail) : null,
    extra ?? null);
}

export function notice(kind, title, ...body) {
  return h('div', { class: `notice notice--${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', { class: 'notice__title' }, title),
    ...body.map((part) => (typeof part === 'string' ? h('p', {}, part) : part)));
}

// "no such wallet" -> "No such wallet."
export function sentence(text) {
  if (!text) return '';
  const trimmed = String(text).trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

// A status as a coloured badge whose text is the status itself (colour is never the only cue).
export function badge(status, { label } = {}) {
  return h('span', { class: `badge badge--${String(status).toLowerCase()}`, dataset: { status } },
    label ?? humanize(status));
}

// Runs `action` with `button` disabled and marked busy; re-enables it afterwards unless
// `keepDisabled` says otherwise. The button is disabled synchronously, so a double click
// cannot start the action twice.
export async function withBusy(button, action, { busyLabel, keepDisabled = () => false } = {}) {
  if (button.disabled) return undefined;
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (busyLabel) button.textContent = busyLabel;
  let result;
  try {
    result = await action();
    return result;
  } finally {
    button.removeAttribute('aria-busy');
    if (busyLabel) button.textContent = label;
    button.disabled = Boolean(keepDisabled(result));
  }
}

export function field(labelText, input, hint) {
  const id = input.id || `field-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintElement = hint ? h('p', { class: 'field__hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) input.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), input, hintElement);
}
