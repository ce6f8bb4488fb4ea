import { and, eq } from 'drizzle-orm';
import { users } from '../../db/schema';
import { clientInfo } from '../../lib/client';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { enforceLimit, resetLimit } from '../../limiter';
import { currentUserId } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { bootstrapAdmin } from '../users/admin-bootstrap';
import { findUserById } from '../users/users.service';
import { authLimits, ipOrUnknown, limitKey } from './limits';
import { findUsableToken, spendToken, spentInThisBatch } from './one-time-tokens.service';
import { assertStrongPassword, hashPassword, verifyPassword } from './password';
import {
  changePassword,
  confirmReset,
  confirmVerification,
  requestReset,
  requestVerification,
} from './recovery.routes';
import { revokeSessions } from './sessions.service';
import { sendEmailVerification } from './verification';

const ACCEPTED = { status: 'accepted' } as const;

export const recoveryRoutes = createRouter()
  .openapi(requestVerification, async (c) => {
    const user = await findUserById(c.var.db, currentUserId(c));
    if (user) await sendEmailVerification(c, user);
    return c.json(ACCEPTED, 202);
  })
  .openapi(confirmVerification, async (c) => {
    const { token } = c.req.valid('json');
    const row = await findUsableToken(c.var.db, 'verify_email', token);
    const at = now();
    const [spent] = await c.var.db.batch([
      spendToken(c.var.db, 'verify_email', token, at),
      // The address must still be the account's: a link sent before an email change verifies nothing.
      c.var.db
        .update(users)
        .set({ emailVerifiedAt: at, updatedAt: at })
        .where(and(eq(users.id, row.userId), eq(users.email, row.email), spentInThisBatch(c.var.db, token, at))),
    ]);
    if (spent.length === 0) throw new AppError('invalid_token', 'This link was already used.');
    const user = await findUserById(c.var.db, row.userId);
    if (!user || user.email !== row.email) throw new AppError('invalid_token', 'This link is for another address.');
    c.set('userId', user.id);
    await audit(c, { action: 'auth.email_verify', targetType: 'user', targetId: user.id });
    await bootstrapAdmin(c, user);
    return c.body(null, 204);
  })
  .openapi(requestReset, async (c) => {
    const { email } = c.req.valid('json');
    const { ip } = clientInfo(c.req.raw);
    await enforceLimit(c.env, limitKey.emailIp(ipOrUnknown(ip)), authLimits.emailPerIp, 'reset requests');
    await enforceLimit(c.env, limitKey.emailAddress('reset', email), authLimits.emailPerAddress, 'reset requests');
    await c.env.JOBS.send({ type: 'send_password_reset', email, requestedAt: now().toISOString() });
    await audit(c, { action: 'auth.password_reset_request', details: { accepted: true } });
    return c.json(ACCEPTED, 202);
  })
  .openapi(confirmReset, async (c) => {
    const { token, password } = c.req.valid('json');
    const row = await findUsableToken(c.var.db, 'reset_password', token);
    assertStrongPassword(password, { email: row.email });
    const passwordHash = await hashPassword(password);
    const at = now();
    const [spent] = await c.var.db.batch([
      spendToken(c.var.db, 'reset_password', token, at),
      // Following the link proves the address too.
      c.var.db
        .update(users)
        .set({ passwordHash, emailVerifiedAt: at, updatedAt: at })
        .where(and(eq(users.id, row.userId), spentInThisBatch(c.var.db, token, at))),
    ]);
    if (spent.length === 0) throw new AppError('invalid_token', 'This link was already used.');
    await revokeSessions(c.var.db, c.env.KV, { userId: row.userId }, 'password_reset');
    await resetLimit(c.env, limitKey.loginAccount(row.email));
    await audit(c, { action: 'auth.password_reset', actorId: row.userId, targetType: 'user', targetId: row.userId });
    return c.body(null, 204);
  })
  .openapi(changePassword, async (c) => {
    const { currentPassword, newPassword } = c.req.valid('json');
    const user = await findUserById(c.var.db, currentUserId(c));
    if (!user) throw new AppError('unauthorized', 'Sign in again.');
    // Guessing the current password here is throttled like guessing it at sign-in.
    if (user.email) {
      await enforceLimit(c.env, limitKey.loginAccount(user.email), authLimits.loginPerAccount, 'password attempts');
    }
    if (!user.passwordHash || !(await verifyPassword(currentPassword, user.passwordHash)).ok) {
      await audit(c, { action: 'auth.password_change', outcome: 'failure', targetType: 'user', targetId: user.id });
      throw new AppError('validation_failed', 'The current password is not correct.', {
        errors: [{ path: 'body.currentPassword', message: 'Incorrect password', code: 'incorrect' }],
      });
    }
    assertStrongPassword(newPassword, { email: user.email ?? undefined, name: user.name ?? undefined });
    await c.var.db
      .update(users)
      .set({ passwordHash: await hashPassword(newPassword), updatedAt: now() })
      .where(eq(users.id, user.id));
    await revokeSessions(c.var.db, c.env.KV, { userId: user.id, exceptSessionId: c.var.sessionId }, 'password_change');
    await audit(c, { action: 'auth.password_change', targetType: 'user', targetId: user.id });
    return c.body(null, 204);
  });
