import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { verifySignedUrl } from '../../lib/signed-url';
import { logDownload } from './access-log.service';
import { getFile } from './files.service';
import { serveFile } from './serve';

/**
 * `/dl/<fileId>?exp&kid&sig`: the signed download URL. The signature is the
 * whole authorisation, checked before any lookup; a deleted file is a clean
 * 404 and every other failure (tampered, expired, another method) is 403.
 */
export const downloadRoutes = new Hono<AppEnv>().all('/dl/:id', async (c) => {
  const url = new URL(c.req.url);
  const check = verifySignedUrl(url, c.req.method, c.var.config.secrets.URL_SIGNING_KEYS, now());
  if (!check.ok) {
    throw new AppError(
      'forbidden',
      check.reason === 'expired' ? 'This download link has expired.' : 'This download link is not valid.',
    );
  }
  const db = c.var.db;
  const file = await getFile(db, c.req.param('id'));
  if (!file) throw new AppError('not_found', 'This file no longer exists.');
  const served = await serveFile(c.req.raw, c.env.FILES, file);
  if (c.req.method === 'GET' && served.response.status < 300) {
    await logDownload(db, c.req.raw, {
      fileId: file.id,
      ownerId: file.ownerId,
      bytes: served.bytes,
      status: served.response.status,
    });
  }
  return served.response;
});
