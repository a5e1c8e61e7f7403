// Money and time for display. Money stays integer minor units everywhere; only the final text
// has a decimal point, built from integer arithmetic (no floating point, as API.md asks).

const fractionDigitsCache = new Map();
function fractionDigits(currency) {
  if (!fractionDigitsCache.has(currency)) {
    let digits = 2;
    try {
      digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
    } catch {
      // An unknown currency code: show two decimals and the code.
    }
    fractionDigitsCache.set(currency, digits);
  }
  return fractionDigitsCache.get(currency);
}

// The exact decimal string of an amount in minor units: 123456 -> "1234.56".
function decimalString(cents, digits) {
  const negative = cents < 0;
  const text = String(Math.abs(Math.trunc(cents))).padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

// 123456, "USD" -> "$1,234.56". Intl formats the decimal string exactly.
export function money(cents, currency = 'USD') {
  if (!Number.isSafeInteger(cents)) return '—';
  const digits = fractionDigits(currency);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(decimalString(cents, digits));
  } catch {
    return `${decimalString(cents, digits)} ${currency}`;
  }
}

// Parses what a person types as an amount ("20", "19.99", "$1,200.5") into minor units, or
// returns null. No floating point: the digits are joined as text.
export function parseMoney(text, currency = 'USD') {
  const digits = fractionDigits(currency);
  const cleaned = String(text).trim().replace(/^\$/, '').replace(/,/g, '');
  const pattern = digits === 0 ? /^(\d{1,15})$/ : new RegExp(`^(\\d{1,15})(?:\\.(\\d{1,${digits}}))?$`);
  const match = pattern.exec(cleaned);
  if (!match) return null;
  const cents = Number(`${match[1]}${(match[2] ?? '').padEnd(digits, '0')}`);
  return Number.isSafeInteger(cents) ? cents : null;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3,
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// "14:03:07.215": saga steps take milliseconds, so they are shown.
export function time(rfc3339) {
  if (!rfc3339) return '';
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? rfc3339 : timeFormat.format(date);
}

export function dateTime(rfc3339) {
  if (!rfc3339) return '';
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? rfc3339 : dateTimeFormat.format(date);
}

// "12 ms", "1.4 s", or '' when either end is missing.
export function duration(startRfc3339, endRfc3339) {
  if (!startRfc3339 || !endRfc3339) return '';
  const ms = Date.parse(endRfc3339) - Date.parse(startRfc3339);
  if (!Number.isFinite(ms) || ms < 0) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// ORDER_STATUS -> "order status" for people; the code itself stays visible in badges.
export function humanize(code) {
  return String(code ?? '').toLowerCase().replace(/_/g, ' ');
}
