import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../env';
import { clientInfo } from '../../lib/client';
import { AppError } from '../../lib/errors';
import { assertSameOrigin } from '../../middleware/same-origin';
import { type AuditAction, audit } from '../audit/audit.service';
import { publicUser } from '../users/user-access';
import type { PublicUser, User } from '../users/users.service';
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from './access-token';
import { type Device, type IssuedSession, type Session, startSession } from './sessions.service';

export const REFRESH_COOKIE = 'hearth_refresh';
const COOKIE_PATH = '/api/auth';

export type ClientKind = 'web' | 'native';

export function deviceOf(c: Context<AppEnv>, client: ClientKind): Device {
  return { client, ...clientInfo(c.req.raw) };
}

/**
 * The web client's refresh token: HttpOnly (no script can read it), Secure,
 * SameSite=Strict, and sent only to `/api/auth`, never to the rest of the API.
 */
function setRefreshCookie(c: Context<AppEnv>, token: string, session: Session) {
  setCookie(c, REFRESH_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: COOKIE_PATH,
    expires: new Date(Math.min(session.idleExpiresAt.getTime(), session.expiresAt.getTime())),
  });
}

export function clearRefreshCookie(c: Context<AppEnv>) {
  deleteCookie(c, REFRESH_COOKIE, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: 'Strict' });
}

/** The cookie's refresh token, if any, after checking the request is not cross-site. */
export function refreshTokenFromCookie(c: Context<AppEnv>): string | undefined {
  const token = getCookie(c, REFRESH_COOKIE);
  if (token !== undefined) assertSameOrigin(c);
  return token;
}

export interface SignedIn {
  user: PublicUser;
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
}

/**
 * The body every sign-in path answers with. Web clients get the refresh
 * token as a cookie; native clients, which have no cookie jar worth the name,
 * get it in the body.
 */
export async function signedInBody(c: Context<AppEnv>, user: User, issued: IssuedSession): Promise<SignedIn> {
  const accessToken = await signAccessToken(c.var.config, { userId: user.id, sessionId: issued.session.id });
  const body: SignedIn = {
    user: await publicUser(c.var.db, user),
    accessToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
  if (issued.session.client === 'native') body.refreshToken = issued.refreshToken;
  else setRefreshCookie(c, issued.refreshToken, issued.session);
  c.header('Cache-Control', 'no-store');
  return body;
}

/** Starts a session for `user` and builds the sign-in body. */
export async function signIn(c: Context<AppEnv>, user: User, client: ClientKind): Promise<SignedIn> {
  const issued = await startSession(c.var.db, user.id, deviceOf(c, client));
  return signedInBody(c, user, issued);
}

/** Refuses a deactivated account after it proved who it is, and records the refusal. */
export async function assertActive(c: Context<AppEnv>, user: User, action: AuditAction): Promise<void> {
  if (user.status === 'active') return;
  await audit(c, {
    action,
    outcome: 'failure',
    targetType: 'user',
    targetId: user.id,
    details: { reason: 'deactivated' },
  });
  throw new AppError('forbidden', 'This account has been deactivated.');
}
