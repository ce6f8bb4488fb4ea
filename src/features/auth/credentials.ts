import { and, eq, isNull, notExists } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Context } from 'hono';
import { users } from '../../db/schema';
import type { AppEnv } from '../../env';
import { clientInfo } from '../../lib/client';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { enforceLimit } from '../../limiter';
import { currentUserId } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { senderFor } from '../notify/senders';
import { RECENT_SIGN_IN_SECONDS } from '../users/account.service';
import { publicUser } from '../users/user-access';
import { findUserById, type User } from '../users/users.service';
import { addEmail, requestPhoneCode, setPassword, verifyPhone } from './credentials.routes';
import { authLimits, ipOrUnknown, limitKey } from './limits';
import { otpPepper } from './otp';
import { addPhoneCodeKey, checkOtpCode, issueOtpCode, OTP_TTL_MINUTES } from './otp.service';
import { assertStrongPassword, hashPassword } from './password';
import { getLiveSession } from './sessions.service';
import { sendEmailVerification } from './verification';

// Another row of `users`, for "no other account has it" inside the same statement.
const others = alias(users, 'others');

async function signedInUser(c: Context<AppEnv>): Promise<User> {
  const user = await findUserById(c.var.db, currentUserId(c));
  if (!user) throw new AppError('unauthorized', 'Sign in again.');
  return user;
}

/**
 * Gives the account `userId` the `phone` or `email` it does not have yet, unless
 * another account holds that value: one statement, so of two requests at once
 * only one wins, and the unique index is never what answers. Null when refused.
 */
async function claimContact(
  c: Context<AppEnv>,
  userId: string,
  field: 'phone' | 'email',
  value: string,
): Promise<User | null> {
  const change = field === 'phone' ? { phone: value } : { email: value, emailVerifiedAt: null };
  const [updated] = await c.var.db
    .update(users)
    .set({ ...change, updatedAt: now() })
    .where(
      and(
        eq(users.id, userId),
        isNull(users[field]),
        notExists(c.var.db.select({ id: others.id }).from(others).where(eq(others[field], value))),
      ),
    )
    .returning();
  return updated ?? null;
}

function codeProblem(message: string): AppError {
  return new AppError('validation_failed', message, { errors: [{ path: 'body.code', message, code: 'incorrect' }] });
}

/** Adding a phone, an email or a first password to the signed-in account; each change is one conditional UPDATE. */
export const credentialRoutes = createRouter()
  .openapi(requestPhoneCode, async (c) => {
    const { phone } = c.req.valid('json');
    const user = await signedInUser(c);
    if (user.phone) throw new AppError('conflict', 'This account already has a phone number.');
    const { ip } = clientInfo(c.req.raw);
    await enforceLimit(c.env, limitKey.otpIp(ipOrUnknown(ip)), authLimits.otpSendPerIp, 'codes sent from this network');
    await enforceLimit(c.env, limitKey.otpPhone(phone), authLimits.otpSendPerPhone, 'codes sent to this number');
    const { code } = await issueOtpCode(c.var.db, addPhoneCodeKey(user.id, phone), otpPepper(c.var.config));
    await senderFor(c.env, c.var.config, c.var.db, 'sms').send({
      channel: 'sms',
      to: phone,
      text: `Your Hearth code to add this number is ${code}. It expires in ${OTP_TTL_MINUTES} minutes.`,
    });
    return c.json({ status: 'accepted' as const }, 202);
  })
  .openapi(verifyPhone, async (c) => {
    const { phone, code } = c.req.valid('json');
    const userId = currentUserId(c);
    const check = await checkOtpCode(c.var.db, addPhoneCodeKey(userId, phone), code, otpPepper(c.var.config));
    if (!check.ok) {
      await audit(c, { action: 'auth.phone_add', outcome: 'failure', targetType: 'user', targetId: userId });
      throw codeProblem(
        check.reason === 'wrong_code' && check.attemptsLeft > 0
          ? `That code is not correct. ${check.attemptsLeft} ${check.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`
          : 'This code can no longer be used. Send a new code.',
      );
    }
    const updated = await claimContact(c, userId, 'phone', phone);
    if (!updated) {
      const user = await signedInUser(c);
      throw new AppError(
        'conflict',
        user.phone ? 'This account already has a phone number.' : 'Another account signs in with this number.',
      );
    }
    await audit(c, { action: 'auth.phone_add', targetType: 'user', targetId: userId });
    return c.json(await publicUser(c.var.db, updated), 200);
  })
  .openapi(addEmail, async (c) => {
    const { email } = c.req.valid('json');
    const userId = currentUserId(c);
    const updated = await claimContact(c, userId, 'email', email);
    if (!updated) {
      const user = await signedInUser(c);
      if (user.email) throw new AppError('conflict', 'This account already has an email address.');
      throw new AppError('email_taken', 'An account with this email already exists.', {
        errors: [{ path: 'body.email', message: 'An account with this email already exists.', code: 'email_taken' }],
      });
    }
    await audit(c, { action: 'auth.email_add', targetType: 'user', targetId: userId });
    await sendEmailVerification(c, updated);
    return c.json(await publicUser(c.var.db, updated), 200);
  })
  .openapi(setPassword, async (c) => {
    const { password } = c.req.valid('json');
    const user = await signedInUser(c);
    if (user.passwordHash) {
      throw new AppError('conflict', 'This account already has a password: change it with your current one.');
    }
    if (!user.email)
      throw new AppError('conflict', 'Add an email address first: you sign in with it and the password.');
    // No old password proves who is asking: a recent sign-in (the phone or provider again) stands in for it.
    const session = c.var.sessionId ? await getLiveSession(c.var.db, c.var.sessionId) : null;
    const signedInAt = session?.userId === user.id ? session.createdAt.getTime() : 0;
    if (now().getTime() - signedInAt > RECENT_SIGN_IN_SECONDS * 1000) {
      throw new AppError(
        'forbidden',
        `Sign in again, then set a password within ${RECENT_SIGN_IN_SECONDS / 60} minutes of signing in.`,
      );
    }
    assertStrongPassword(password, { email: user.email, name: user.name ?? undefined });
    const [updated] = await c.var.db
      .update(users)
      .set({ passwordHash: await hashPassword(password), updatedAt: now() })
      .where(and(eq(users.id, user.id), isNull(users.passwordHash)))
      .returning();
    if (!updated) throw new AppError('conflict', 'This account already has a password.');
    await audit(c, { action: 'auth.password_set', targetType: 'user', targetId: user.id });
    return c.json(await publicUser(c.var.db, updated), 200);
  });
