import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { currentUserId, hasPermission } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { findManagedUser } from './access';
import { listUsers as findUsers } from './directory.service';
import { exportUserData } from './export.service';
import { type ProfilePatch, updateProfile } from './profile.service';
import { removeUser } from './remove-user';
import { loadPublicUser, publicUser } from './user-access';
import { deleteMe, deleteUser, exportMe, getMe, getUser, listUsers, replaceUser, updateMe } from './users.routes';
import { type PublicUser, toPublicUser } from './users.service';

/** A profile change by the user themselves (`user.update`) or by an admin (`admin.user_update`). */
async function changeProfile(c: Context<AppEnv>, targetId: string, patch: ProfilePatch): Promise<PublicUser> {
  const user = await updateProfile(c.var.db, targetId, patch);
  await audit(c, {
    action: targetId === currentUserId(c) ? 'user.update' : 'admin.user_update',
    targetType: 'user',
    targetId,
    details: { fields: Object.keys(patch) },
  });
  return publicUser(c.var.db, user);
}

// `/api/users/me…` is declared before `/api/users/{id}`: Hono runs the first match.
export const usersRoutes = createRouter()
  .openapi(getMe, async (c) => {
    // requireAuth({ withUser }) read the account, its roles and permissions with the session check.
    const found = c.var.signedInUser;
    if (!found) throw new AppError('unauthorized', 'Sign in again.');
    c.header('Cache-Control', 'no-store');
    return c.json(toPublicUser(found.user, found), 200);
  })
  .openapi(updateMe, async (c) => {
    return c.json(await changeProfile(c, currentUserId(c), c.req.valid('json')), 200);
  })
  .openapi(deleteMe, async (c) => {
    await removeUser(c, currentUserId(c), c.req.valid('json').password);
    return c.body(null, 204);
  })
  .openapi(exportMe, async (c) => {
    const userId = currentUserId(c);
    const data = await exportUserData(c.var.db, userId);
    if (!data) throw new AppError('unauthorized', 'Sign in again.');
    c.header('Content-Disposition', `attachment; filename="hearth-export-${userId}.json"`);
    c.header('Cache-Control', 'no-store');
    return c.json(data, 200);
  })
  .openapi(listUsers, async (c) => {
    const query = c.req.valid('query');
    return c.json(await findUsers(c.var.db, query, query), 200);
  })
  .openapi(getUser, async (c) => {
    // Reading another account needs users.read; without it, theirs is a 404 like a missing one.
    const { id } = c.req.valid('param');
    const allowed = id === currentUserId(c) || (await hasPermission(c, 'users.read'));
    const user = allowed ? await loadPublicUser(c, id) : null;
    if (!user) throw new AppError('not_found', 'No such user.');
    c.header('Cache-Control', 'no-store');
    return c.json(user, 200);
  })
  .openapi(replaceUser, async (c) => {
    const { user } = await findManagedUser(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.json(await changeProfile(c, user.id, c.req.valid('json')), 200);
  })
  .openapi(deleteUser, async (c) => {
    const { user } = await findManagedUser(c.var.db, currentUserId(c), c.req.valid('param').id);
    await removeUser(c, user.id, c.req.valid('json').password);
    return c.body(null, 204);
  });
