// The signed-in user, kept in sessionStorage: it lasts as long as the tab, and a second tab
// can sign in as someone else (handy to watch bob and alice side by side).

const kSessionKey = 'tinysaga.session';
const kAdminTokenKey = 'tinysaga.devAdminToken';

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

// {token, userId, role, expiresAt, devMode} or null. An expired token counts as signed out.
export function currentSession() {
  const session = read(kSessionKey);
  if (!session?.token) return null;
  if (session.expiresAt && Date.parse(session.expiresAt) <= Date.now()) {
    signOut();
    return null;
  }
  return session;
}

export function saveSession(session) {
  sessionStorage.setItem(kSessionKey, JSON.stringify(session));
}

export function signOut() {
  sessionStorage.removeItem(kSessionKey);
  sessionStorage.removeItem(kAdminTokenKey);
}

export function isAdmin() {
  return currentSession()?.role === 'admin';
}

// The "what if" panel acts as an admin (restock, fault switch) even for a user session; in
// dev mode it asks the dev-token endpoint for an admin token and keeps it here.
export function devAdminToken() {
  const stored = read(kAdminTokenKey);
  if (stored?.token && (!stored.expiresAt || Date.parse(stored.expiresAt) > Date.now() + 60_000)) {
    return stored.token;
  }
  return null;
}

export function saveDevAdminToken(token, expiresAt) {
  sessionStorage.setItem(kAdminTokenKey, JSON.stringify({ token, expiresAt }));
}

// The claims of a JWT pasted by hand (production sign-in). Not verified here: the gateway
// verifies every request; this only tells the UI whom to show.
export function decodeToken(token) {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new Error('a token has three dot-separated parts');
  const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))));
  if (typeof claims.sub !== 'string') throw new Error('the token has no subject (sub)');
  return {
    userId: claims.sub,
    role: claims.role === 'admin' ? 'admin' : 'user',
    expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : null,
  };
}
