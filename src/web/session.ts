import { useSyncExternalStore } from 'hono/jsx/dom';
import { ApiError, api, setAuthenticator } from './api';
import { setDisplayTimeZone } from './format';
import { navigate } from './router';
import type { Permission, SignedIn, User } from './types';

export type Session =
  | { status: 'loading' }
  /** `ended`: the session was signed in and the server ended it (revoked, expired, password reset). */
  | { status: 'signed-out'; ended: boolean }
  /** `greeting`: how the account page greets someone who just signed in (a new account is welcomed, not welcomed back). */
  | { status: 'signed-in'; user: User; greeting?: Greeting };

export type Greeting = 'welcome' | 'welcome-back';

/** Renew this long before the access token expires, so requests rarely meet a 401. */
const RENEW_BEFORE_EXPIRY_MS = 60_000;
/** A token with less time left than this is renewed before it is sent. */
const MIN_TOKEN_LIFE_MS = 10_000;
/** After a renewal that failed for want of a network (not a refusal), try again this much later. */
const RETRY_AFTER_FAILURE_MS = 30_000;

// The access token lives only in this module's memory, never in localStorage,
// sessionStorage or a script-set cookie, where any injected script could read it
// long after. A reload forgets it; the HttpOnly refresh cookie, which scripts
// cannot read at all, gets a new one from POST /api/auth/refresh.
let accessToken: { value: string; expiresAt: number } | null = null;
let session: Session = { status: 'loading' };
let renewal: Promise<boolean> | null = null;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function publish(next: Session) {
  session = next;
  // Before the listeners re-render: every time on the next screen is in the user's zone.
  setDisplayTimeZone(next.status === 'signed-in' ? next.user.timezone : null);
  for (const listener of listeners) listener();
}

function scheduleRenewal(delayMs: number) {
  clearTimeout(renewTimer);
  renewTimer = setTimeout(() => void renewSession(), delayMs);
}

/**
 * Forgets the session. `goTo` navigates first, so no screen ever renders
 * signed out on a protected path (which would send it to sign in).
 */
function end(ended: boolean, goTo?: string) {
  accessToken = null;
  clearTimeout(renewTimer);
  if (goTo) navigate(goTo);
  publish({ status: 'signed-out', ended });
}

/**
 * Takes the answer of any sign-in route (register, login, phone code, refresh) as the current session.
 * `greeting` is for a sign-in the person just made; a renewal keeps the one already shown.
 */
export function acceptSignIn(signedIn: SignedIn, greeting?: Greeting) {
  const lifetimeMs = signedIn.expiresIn * 1000;
  accessToken = { value: signedIn.accessToken, expiresAt: Date.now() + lifetimeMs };
  scheduleRenewal(Math.max(lifetimeMs - RENEW_BEFORE_EXPIRY_MS, MIN_TOKEN_LIFE_MS));
  const kept = session.status === 'signed-in' ? session.greeting : undefined;
  publish({ status: 'signed-in', user: signedIn.user, greeting: greeting ?? kept });
}

/**
 * Gets a new access token with the refresh cookie. Callers at the same moment
 * share one request: the refresh token rotates on every use, so two parallel
 * refreshes from one page would spend the same token twice. (Two tabs may still
 * race; the server's grace window covers that.) Resolves true when signed in.
 */
export function renewSession(): Promise<boolean> {
  renewal ??= api
    .refresh()
    .then(
      (signedIn) => {
        // 204: this browser holds no refresh cookie, so nobody is signed in (and nothing was logged as an error).
        if (!signedIn) {
          end(session.status === 'signed-in');
          return false;
        }
        acceptSignIn(signedIn);
        return true;
      },
      (error: unknown) => {
        // 401 (no cookie, expired, revoked, reused) or 403 (not our origin): the session is over.
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          end(session.status === 'signed-in');
          return false;
        }
        // Offline or a server error: the session may be fine. Keep it and try again soon.
        if (session.status === 'loading') publish({ status: 'signed-out', ended: false });
        scheduleRenewal(RETRY_AFTER_FAILURE_MS);
        return false;
      },
    )
    .finally(() => {
      renewal = null;
    });
  return renewal;
}

/** Ends this device's session (the cookie tells the server which), then shows `goTo`. */
export async function signOut(goTo = '/') {
  await api.logout();
  end(false, goTo);
}

/** Ends every session of the account, on every device. */
export async function signOutEverywhere(goTo = '/') {
  await api.logoutAll();
  end(false, goTo);
}

/** Forgets the session here after the server ended it (account deleted, password reset). */
export function forgetSession(goTo?: string) {
  end(false, goTo);
}

/** Keeps the header and every screen in step after the user changed (profile saved, email verified). */
export function updateUser(user: User) {
  if (session.status === 'signed-in') publish({ ...session, user });
}

export function getSession(): Session {
  return session;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The current session; re-renders the caller when it changes. */
export function useSession(): Session {
  return useSyncExternalStore(subscribe, getSession);
}

/** Whether the signed-in user holds `permission`: screens follow permissions, never role names. */
export const can = (current: Session, permission: Permission) =>
  current.status === 'signed-in' && current.user.permissions.includes(permission);

/**
 * An access token with time left, renewed first if needed; null when signed out.
 * `request()` gets it through the authenticator; requests it cannot make (an
 * XMLHttpRequest upload that reports progress) ask here, once per request, so
 * a long upload never sends a token that expired while it ran.
 */
export async function freshAccessToken(): Promise<string | null> {
  if (accessToken && accessToken.expiresAt - Date.now() > MIN_TOKEN_LIFE_MS) return accessToken.value;
  if (session.status === 'signed-out' && !renewal) return null;
  await renewSession();
  return accessToken?.value ?? null;
}

/** Restores the session after a reload from the refresh cookie, and lends the token to authenticated requests. */
export function startSession() {
  setAuthenticator({
    accessToken: freshAccessToken,
    recover(error) {
      const renewable = error.code === 'token_expired' || error.code === 'unauthorized';
      if (!renewable || session.status === 'signed-out') return Promise.resolve(false);
      return renewSession();
    },
  });
  void renewSession();
}
