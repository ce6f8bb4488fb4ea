import { createRouter } from '../../lib/openapi';
import { currentUserId } from '../../middleware/auth';
import { hashPassword } from '../auth/password';
import { getOwnFile } from './files.service';
import { createShareRoute, listSharesRoute, revokeShareRoute, updateShareRoute } from './shares.routes';
import {
  createShare,
  expiryFrom,
  getOwnShare,
  listFileShares,
  revokeShare,
  type ShareChanges,
  toPublicShare,
  updateShare,
} from './shares.service';

export const shareRoutes = createRouter()
  .openapi(createShareRoute, async (c) => {
    const file = await getOwnFile(c.var.db, currentUserId(c), c.req.valid('param').id);
    const input = c.req.valid('json');
    const share = await createShare(c.var.db, file, {
      expiresAt: expiryFrom(input.expiresIn),
      maxDownloads: input.maxDownloads ?? null,
      passwordHash: input.password ? await hashPassword(input.password) : null,
    });
    return c.json(toPublicShare(share, c.var.config.appUrl), 201);
  })
  .openapi(listSharesRoute, async (c) => {
    const file = await getOwnFile(c.var.db, currentUserId(c), c.req.valid('param').id);
    const items = (await listFileShares(c.var.db, file.id)).map((share) => toPublicShare(share, c.var.config.appUrl));
    return c.json({ items, nextCursor: null }, 200);
  })
  .openapi(updateShareRoute, async (c) => {
    const share = await getOwnShare(c.var.db, currentUserId(c), c.req.valid('param').id);
    const input = c.req.valid('json');
    const changes: Partial<ShareChanges> = {};
    if (input.expiresIn !== undefined) changes.expiresAt = expiryFrom(input.expiresIn);
    if (input.maxDownloads !== undefined) changes.maxDownloads = input.maxDownloads;
    if (input.password !== undefined) {
      changes.passwordHash = input.password === null ? null : await hashPassword(input.password);
      // The guesses were against the old password: a new one starts with a clean slate.
      Object.assign(changes, { failedAttempts: 0, failedSince: null, lockedUntil: null });
    }
    const updated = await updateShare(c.var.db, share, changes);
    return c.json(toPublicShare(updated, c.var.config.appUrl), 200);
  })
  .openapi(revokeShareRoute, async (c) => {
    await revokeShare(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
