import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { clientInfo } from '../../lib/client';
import { AppError } from '../../lib/errors';
import { createRouter, fieldErrors } from '../../lib/openapi';
import { enforceLimit, resetLimit } from '../../limiter';
import { currentUserId } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { bootstrapAdmin } from '../users/admin-bootstrap';
import { publicUser } from '../users/user-access';
import { createUser, findUserByEmail, findUserById, setPasswordHash } from '../users/users.service';
import { publicJwks } from './access-token';
import {
  currentSession,
  jwks,
  listMySessions,
  login,
  logout,
  logoutAll,
  refresh,
  register,
  revokeMySession,
} from './auth.routes';
import { credentialRoutes } from './credentials';
import { authLimits, countSignInAttempt, ipOrUnknown, limitKey } from './limits';
import { assertStrongPassword, burnPasswordWork, hashPassword, passwordPolicyErrors, verifyPassword } from './password';
import {
  getLiveSession,
  listSessions,
  revokeSessions,
  rotateRefreshToken,
  sessionOfRefreshToken,
  touchSession,
} from './sessions.service';
import { assertActive, clearRefreshCookie, refreshTokenFromCookie, signedInBody, signIn } from './sign-in';
import { sendEmailVerification } from './verification';

const INVALID_CREDENTIALS = 'Email or password is incorrect.';

/**
 * Register's answer to a body that fails its schema (an invalid email, say):
 * the password is held to the policy as well, so a sign-up form learns every
 * problem in one answer instead of one per attempt.
 */
function registerValidation(
  result: { success: true } | { success: false; error: { issues: z.core.$ZodIssue[] } },
  c: Context<AppEnv>,
): Promise<never> | undefined {
  return result.success ? undefined : refuseRegistration(result.error.issues, c);
}

async function refuseRegistration(issues: z.core.$ZodIssue[], c: Context<AppEnv>): Promise<never> {
  const errors = fieldErrors('body', issues);
  // The body parsed as JSON (or the schema would not have run); Hono hands back its cached copy.
  const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const password = text(body?.password);
  if (password !== undefined && !errors.some((error) => error.path === 'body.password')) {
    errors.push(
      ...passwordPolicyErrors(password, { email: text(body?.email), name: text(body?.name) }, 'body.password'),
    );
  }
  throw new AppError('validation_failed', 'The request is not valid; see errors.', { errors });
}

export const authRoutes = createRouter()
  .openapi(
    register,
    async (c) => {
      const input = c.req.valid('json');
      const { ip } = clientInfo(c.req.raw);
      await enforceLimit(
        c.env,
        limitKey.registerIp(ipOrUnknown(ip)),
        authLimits.registerPerIp,
        'sign-ups from this network',
      );
      assertStrongPassword(input.password, { email: input.email, name: input.name });
      const user = await createUser(c.var.db, {
        email: input.email,
        name: input.name,
        passwordHash: await hashPassword(input.password),
      });
      c.set('userId', user.id);
      await audit(c, { action: 'auth.register', targetType: 'user', targetId: user.id });
      await sendEmailVerification(c, user);
      return c.json(await signIn(c, user, input.client), 201);
    },
    registerValidation,
  )
  .openapi(login, async (c) => {
    const input = c.req.valid('json');
    const { ip } = clientInfo(c.req.raw);
    const succeeded = await countSignInAttempt(c.env, ip);
    await enforceLimit(c.env, limitKey.loginAccount(input.email), authLimits.loginPerAccount, 'sign-in attempts');
    const user = await findUserByEmail(c.var.db, input.email);
    // Unknown emails and password-less accounts cost the same scrypt work as a real check.
    const result = user?.passwordHash
      ? await verifyPassword(input.password, user.passwordHash)
      : await burnPasswordWork(input.password).then(() => ({ ok: false, needsRehash: false }));
    if (!user || !result.ok) {
      await audit(c, {
        action: 'auth.login',
        outcome: 'failure',
        targetType: 'user',
        targetId: user?.id ?? null,
        details: { reason: 'invalid_credentials' },
      });
      throw new AppError('unauthorized', INVALID_CREDENTIALS);
    }
    // The right password is not a guess: neither the account's nor the network's failures count it.
    await Promise.all([succeeded(), resetLimit(c.env, limitKey.loginAccount(input.email))]);
    await assertActive(c, user, 'auth.login');
    // Parameters have moved on since this hash was made: store it again with the current ones.
    if (result.needsRehash) await setPasswordHash(c.var.db, user.id, await hashPassword(input.password));
    await bootstrapAdmin(c, user);
    c.set('userId', user.id);
    await audit(c, { action: 'auth.login', targetType: 'user', targetId: user.id });
    return c.json(await signIn(c, user, input.client), 200);
  })
  .openapi(refresh, async (c) => {
    const fromBody = c.req.valid('json').refreshToken;
    const token = fromBody ?? refreshTokenFromCookie(c);
    // A signed-out browser asks on every page load; having no session is an answer, not an error.
    if (!token) return c.body(null, 204);
    let issued: Awaited<ReturnType<typeof rotateRefreshToken>>;
    try {
      issued = await rotateRefreshToken(c.var.db, c.env.KV, token);
    } catch (error) {
      if (fromBody === undefined) clearRefreshCookie(c);
      if (error instanceof AppError && error.code === 'refresh_token_reused') {
        await audit(c, { action: 'auth.refresh_reuse', outcome: 'failure', targetType: 'session' });
      }
      throw error;
    }
    const user = await findUserById(c.var.db, issued.session.userId);
    if (user?.status !== 'active') throw new AppError('unauthorized', 'This account cannot sign in.');
    c.set('userId', user.id);
    return c.json(await signedInBody(c, user, issued), 200);
  })
  .openapi(logout, async (c) => {
    // Logout accepts any of the ways a client may hold its session; whichever it presents is ended.
    const token = c.req.valid('json').refreshToken ?? refreshTokenFromCookie(c);
    const sessionIds = new Set<string>();
    if (c.var.sessionId) sessionIds.add(c.var.sessionId);
    if (token) {
      const owner = await sessionOfRefreshToken(c.var.db, token);
      if (owner) sessionIds.add(owner);
    }
    for (const sessionId of sessionIds) {
      await revokeSessions(c.var.db, c.env.KV, { sessionId }, 'logout');
    }
    if (sessionIds.size > 0)
      await audit(c, { action: 'auth.logout', targetType: 'session', targetId: [...sessionIds][0] });
    clearRefreshCookie(c);
    return c.body(null, 204);
  })
  .openapi(logoutAll, async (c) => {
    const userId = currentUserId(c);
    const ended = await revokeSessions(c.var.db, c.env.KV, { userId }, 'logout_all');
    await audit(c, {
      action: 'auth.logout_all',
      targetType: 'user',
      targetId: userId,
      details: { sessions: ended.length },
    });
    clearRefreshCookie(c);
    return c.body(null, 204);
  })
  .openapi(currentSession, async (c) => {
    if (c.var.sessionId) await touchSession(c.var.db, c.var.sessionId);
    const session = c.var.sessionId ? await getLiveSession(c.var.db, c.var.sessionId) : null;
    const user = session ? await findUserById(c.var.db, session.userId) : null;
    c.header('Cache-Control', 'no-store');
    if (!session || !user) return c.json({ user: null, session: null }, 200);
    return c.json(
      {
        user: await publicUser(c.var.db, user),
        session: { id: session.id, expiresAt: session.expiresAt.toISOString() },
      },
      200,
    );
  })
  .openapi(listMySessions, async (c) => {
    // This device is in use right now: say so before listing.
    if (c.var.sessionId) await touchSession(c.var.db, c.var.sessionId);
    const items = (await listSessions(c.var.db, currentUserId(c))).map((session) => ({
      id: session.id,
      current: session.id === c.var.sessionId,
      client: session.client,
      deviceLabel: session.deviceLabel,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      userAgent: session.userAgent,
      ip: session.ip,
    }));
    return c.json({ items, nextCursor: null }, 200);
  })
  .openapi(revokeMySession, async (c) => {
    const userId = currentUserId(c);
    const { id } = c.req.valid('param');
    // Scoped to the caller: another user's session id is simply not found.
    const ended = await revokeSessions(c.var.db, c.env.KV, { sessionId: id, userId }, 'revoked_by_user');
    if (ended.length === 0) throw new AppError('not_found', 'No such session.');
    await audit(c, { action: 'auth.session_revoke', targetType: 'session', targetId: id });
    return c.body(null, 204);
  })
  .openapi(jwks, (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(publicJwks(c.var.config), 200);
  })
  // Adding a phone, an email or a first password: the same credentials, on /api/users/me/….
  .route('/', credentialRoutes);
