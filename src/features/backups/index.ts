import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { now, secondsFromNow } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { signUrl, verifySignedUrl } from '../../lib/signed-url';
import { currentUserId } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { getFile } from '../files/files.service';
import { serveFile } from '../files/serve';
import {
  createBackup,
  deleteBackup,
  downloadBackup,
  getBackup,
  getSchedule,
  importBackup,
  listBackups,
  putSchedule,
  restoreBackup,
} from './backups.routes';
import * as service from './backups.service';
import { holdsData } from './restore';

const DOWNLOAD_SECONDS = 60 * 60;

export const backupRoutes = createRouter()
  .openapi(getSchedule, async (c) => {
    const { frequency, hourUtc, weekday, keep } = await service.getSchedule(c.var.db);
    return c.json({ frequency, hourUtc, weekday, keep }, 200);
  })
  .openapi(putSchedule, async (c) => {
    const saved = await service.putSchedule(c.var.db, c.req.valid('json'));
    await audit(c, { action: 'backup.schedule_update', targetType: 'backup_schedule', details: { ...saved } });
    return c.json(saved, 200);
  })
  .openapi(createBackup, async (c) => {
    const row = await service.startBackup(c.env, c.var.db, { origin: 'manual', actorId: currentUserId(c) });
    await audit(c, { action: 'backup.create', targetType: 'backup', targetId: row.id, details: { origin: 'manual' } });
    return c.json(service.toPublicBackup(row), 202);
  })
  .openapi(importBackup, async (c) => {
    const file = await getFile(c.var.db, c.req.valid('json').fileId);
    if (!file) throw new AppError('not_found', 'No such file.');
    const row = await service.requestImport(c.env, c.var.db, file.r2Key, currentUserId(c));
    await audit(c, { action: 'backup.import', targetType: 'backup', targetId: row.id, details: { fileId: file.id } });
    return c.json(service.toPublicBackup(row), 202);
  })
  .openapi(listBackups, async (c) => {
    const page = await service.listBackups(c.var.db, c.req.valid('query'));
    return c.json({ items: page.items.map(service.toPublicBackup), nextCursor: page.nextCursor }, 200);
  })
  .openapi(getBackup, async (c) => {
    return c.json(service.toPublicBackup(await service.getBackup(c.var.db, c.req.valid('param').id)), 200);
  })
  .openapi(downloadBackup, async (c) => {
    const row = await service.getBackup(c.var.db, c.req.valid('param').id);
    if (row.status !== 'done') throw new AppError('conflict', 'The archive is not finished.');
    const expiresAt = secondsFromNow(DOWNLOAD_SECONDS);
    const url = signUrl(c.var.config.appUrl, c.var.config.secrets.URL_SIGNING_KEYS, {
      method: 'GET',
      path: `/dl/backups/${row.id}`,
      expiresAt,
    });
    await audit(c, { action: 'backup.download', targetType: 'backup', targetId: row.id });
    c.header('Cache-Control', 'no-store');
    return c.json({ url, expiresAt: expiresAt.toISOString() }, 200);
  })
  .openapi(deleteBackup, async (c) => {
    const row = await service.deleteBackup(c.var.db, c.env.FILES, c.req.valid('param').id);
    await audit(c, { action: 'backup.delete', targetType: 'backup', targetId: row.id });
    return c.body(null, 204);
  })
  .openapi(restoreBackup, async (c) => {
    const { id } = c.req.valid('param');
    const confirmed = c.req.valid('json')?.confirm !== undefined;
    const actorId = currentUserId(c);
    await service.getBackup(c.var.db, id);
    if (!confirmed && (await holdsData(c.env.DB, actorId))) {
      throw new AppError(
        'conflict',
        'This deployment already holds data. Restoring replaces all of it: send { "confirm": "replace everything" } to go ahead.',
      );
    }
    const row = await service.requestRestore(c.env, c.var.db, id, { actorId, confirmed });
    await audit(c, { action: 'backup.restore', targetType: 'backup', targetId: id, details: { confirmed } });
    return c.json(service.toPublicBackup(row), 202);
  });

/** `/dl/backups/<id>?exp&kid&sig`: the signed archive download, checked before any lookup. */
export const backupDownloadRoutes = new Hono<AppEnv>().all('/dl/backups/:id', async (c) => {
  const check = verifySignedUrl(new URL(c.req.url), c.req.method, c.var.config.secrets.URL_SIGNING_KEYS, now());
  if (!check.ok || check.shareId) {
    throw new AppError(
      'forbidden',
      check.ok || check.reason !== 'expired' ? 'This download link is not valid.' : 'This download link has expired.',
    );
  }
  const row = await service.getBackup(c.var.db, c.req.param('id'));
  const object = row.status === 'done' ? await c.env.FILES.head(row.r2Key) : null;
  if (!object) throw new AppError('not_found', 'This archive no longer exists.');
  const served = await serveFile(c.req.raw, c.env.FILES, {
    name: `hearth-backup-${row.id}.tar${row.encrypted ? '.enc' : ''}`,
    size: object.size,
    contentType: row.encrypted ? 'application/octet-stream' : 'application/x-tar',
    etag: object.etag,
    r2Key: row.r2Key,
  });
  return served.response;
});
