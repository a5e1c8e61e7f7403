// Dev-mode levers for the "what if" panel. They act as an admin through the dev-token endpoint
// (tinysaga up only; production answers 404 and these levers say so).

import { get, post, put, enc, ApiError } from './api.js';
import { devAdminToken, saveDevAdminToken } from './session.js';

export async function adminToken() {
  const stored = devAdminToken();
  if (stored) return stored;
  try {
    const issued = await post('/api/auth/dev-token', { userId: 'admin', role: 'admin' }, { token: null });
    saveDevAdminToken(issued.token, issued.expiresAt);
    return issued.token;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new ApiError({ status: 404, slug: 'not-found', title: 'Dev mode is off', detail: 'this server has no dev sign-in, so the what-if levers are not available' });
    }
    throw error;
  }
}

// "Out of stock after payment": the order exists and was priced while the product was in
// stock; just before its payment is sent, the product's stock is set to 0. Payment does not
// look at stock, so the debit goes through, and the saga's reserve_stock step then finds
// nothing: it refunds and fails the order. Deterministic, unlike racing the saga after Pay.
const kSellOutKey = 'tinysaga.whatif.sellOut';

export function armSellOut(orderId, productId) {
  sessionStorage.setItem(kSellOutKey, JSON.stringify({ orderId, productId }));
}

export function armedSellOut(orderId) {
  try {
    const armed = JSON.parse(sessionStorage.getItem(kSellOutKey) ?? 'null');
    return armed?.orderId === orderId ? armed : null;
  } catch {
    return null;
  }
}

export function disarmSellOut() {
  sessionStorage.removeItem(kSellOutKey);
}

// Sets the product's stock to 0; resolves to the count it had, for a later restock.
export async function sellOut(productId) {
  const token = await adminToken();
  const product = await get(`/api/products/${enc(productId)}`, { token: null });
  await put(`/api/products/${enc(productId)}/stock`, { availableCount: 0 }, { token });
  return product.availableProductCount;
}

export async function restock(productId, availableCount) {
  const token = await adminToken();
  return put(`/api/products/${enc(productId)}/stock`, { availableCount }, { token });
}

// Makes the Wallet refuse debits and refunds with 503 for `ms` (Payment then retries with
// backoff and gives up). A 404 means this gateway does not route the fault switch.
export async function stopWallet(ms) {
  const token = await adminToken();
  try {
    return await post('/api/dev/faults/wallet', { unavailableForMs: ms }, { token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new ApiError({
        status: 404, slug: 'not-found', title: 'The wallet fault switch is not available',
        detail: 'this server does not route POST /api/dev/faults/wallet (it needs dev mode and a gateway that forwards it to the Wallet service)',
      });
    }
    throw error;
  }
}
