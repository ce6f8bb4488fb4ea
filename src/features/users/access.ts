import type { Database } from '../../db/client';
import { AppError } from '../../lib/errors';
import type { Permission } from '../roles/permissions';
import { loadPermissions } from '../roles/user-permissions';
import { findUserById, type User } from './users.service';

export interface ManagedUser {
  user: User;
  isSelf: boolean;
}

/**
 * The account `actorId` may read and change: their own, or any account when
 * they hold `permission` (by default `users.manage`). Anyone else's account is
 * a 404, never a 403, so ids cannot be probed for existence.
 */
export async function findManagedUser(
  db: Database,
  actorId: string,
  targetId: string,
  permission: Permission = 'users.manage',
): Promise<ManagedUser> {
  const isSelf = actorId === targetId;
  if (!isSelf && !(await loadPermissions(db, actorId)).has(permission)) {
    throw new AppError('not_found', 'No such user.');
  }
  const user = await findUserById(db, targetId);
  if (!user) throw new AppError('not_found', 'No such user.');
  return { user, isSelf };
}
