import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../lib/errors';
import { enforceLimit } from '../../limiter';
import { currentUserId } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { authLimits, limitKey } from '../auth/limits';
import { assertOwnDeletionConfirmed, deleteAccount } from './account.service';
import { findUserById } from './users.service';

/**
 * The one deletion path behind `DELETE /api/users/me`, `/api/users/:id` and
 * `/api/admin/users/:id`, for a target the caller is already allowed to manage.
 * Deleting one's own account always needs proof (`assertOwnDeletionConfirmed`),
 * whichever path asks; an admin deleting someone else does not.
 */
export async function removeUser(c: Context<AppEnv>, targetId: string, password: string | undefined): Promise<void> {
  const actorId = currentUserId(c);
  if (actorId !== targetId) {
    await deleteAccount(c.var.db, c.env, targetId, 'deleted_by_admin');
    await audit(c, { action: 'admin.user_delete', targetType: 'user', targetId });
    return;
  }

  const user = await findUserById(c.var.db, actorId);
  if (!user) throw new AppError('unauthorized', 'Sign in again.');
  // Guessing the password here is throttled like guessing it at sign-in.
  if (user.passwordHash && user.email) {
    await enforceLimit(c.env, limitKey.loginAccount(user.email), authLimits.loginPerAccount, 'password attempts');
  }
  try {
    await assertOwnDeletionConfirmed(c.var.db, user, password, c.var.sessionId);
    await deleteAccount(c.var.db, c.env, user.id, 'account_deleted');
  } catch (error) {
    // A failed attempt on one's own account may be someone guessing the password: keep a record.
    if (error instanceof AppError) {
      await audit(c, {
        action: 'user.delete',
        outcome: 'failure',
        targetType: 'user',
        targetId: user.id,
        details: { reason: error.code },
      });
    }
    throw error;
  }
  await audit(c, { action: 'user.delete', targetType: 'user', targetId: user.id });
}
