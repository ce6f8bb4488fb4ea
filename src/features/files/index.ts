import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { now, secondsFromNow } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { createRouter } from '../../lib/openapi';
import { signUrl } from '../../lib/signed-url';
import { currentUserId } from '../../middleware/auth';
import { listAccessLogs, toPublicAccessLog } from './access-log.service';
import { clientBody } from './client-body';
import { resolveContentType } from './content-type';
import { deleteFile, downloadLink, fileAccessLogs, getFile, listFiles, renameFile, uploadFile } from './files.routes';
import {
  cleanFileName,
  deleteOwnFile,
  type FileRow,
  getOwnFile,
  insertFileCharged,
  listOwnFiles,
  objectKeyFor,
  renameOwnFile,
  toPublicFile,
  usageOf,
} from './files.service';
import { streamFormFile } from './multipart-form';
import { type WriteLimit, writeObject } from './object-writer';

/** What this request may still write: the per-request cap, or what is left of the quota if that is less. */
async function writeLimit(c: Context<AppEnv>, ownerId: string): Promise<WriteLimit> {
  const { maxUploadBytes, storageQuotaBytes } = c.var.config;
  const usage = await usageOf(c.var.db, ownerId, storageQuotaBytes);
  const remaining = Math.max(0, usage.quotaBytes - usage.usedBytes);
  const declared = Number(c.req.header('content-length') ?? 0);
  const cap: WriteLimit = {
    bytes: maxUploadBytes,
    code: 'payload_too_large',
    message: `One upload is limited to ${maxUploadBytes} bytes; use the resumable upload flow for larger files.`,
  };
  const quota: WriteLimit = {
    bytes: remaining,
    code: 'quota_exceeded',
    message: `This file would take you past your storage quota (${remaining} bytes left).`,
  };
  const limit = remaining < maxUploadBytes ? quota : cap;
  // A body that announces it is too large is refused before a byte is read.
  if (declared > limit.bytes + 64 * 1024) throw new AppError(limit.code, limit.message);
  return limit;
}

/** The upload's bytes and declared name and type, from a form field or a raw body. */
async function incomingFile(c: Context<AppEnv>) {
  const contentType = c.req.header('content-type') ?? '';
  const body = clientBody(c);
  if (!body) throw new AppError('validation_failed', 'The request has no file in it.');
  if (/^multipart\/form-data/i.test(contentType)) {
    const part = await streamFormFile(body, contentType);
    return { name: part.filename, contentType: part.contentType, body: part.body };
  }
  const name = c.req.query('name');
  if (!name) {
    throw new AppError(
      'validation_failed',
      'Send multipart/form-data with a `file` field, or the raw bytes with ?name=.',
      {
        errors: [{ path: 'query.name', message: 'Required for a raw upload', code: 'required' }],
      },
    );
  }
  return { name, contentType: contentType || null, body };
}

export const fileRoutes = createRouter()
  .openapi(uploadFile, async (c) => {
    const ownerId = currentUserId(c);
    const limit = await writeLimit(c, ownerId);
    const incoming = await incomingFile(c);
    const id = newId();
    const key = objectKeyFor(ownerId, id);
    const written = await writeObject(c.env.FILES, key, incoming.body, limit, 'application/octet-stream');
    const name = cleanFileName(incoming.name);
    const at = now();
    const file: FileRow = {
      id,
      ownerId,
      name,
      nameKey: name.toLowerCase(),
      size: written.size,
      contentType: resolveContentType(incoming.contentType, written.head),
      sha256: written.sha256,
      r2Key: key,
      etag: written.etag,
      createdAt: at,
      updatedAt: at,
    };
    try {
      await insertFileCharged(c.var.db, file, c.var.config.storageQuotaBytes);
    } catch (error) {
      // Nothing half-written: no row means no object either.
      await c.env.FILES.delete(key).catch(() => {});
      throw error;
    }
    return c.json(toPublicFile(file), 201);
  })
  .openapi(listFiles, async (c) => {
    const page = await listOwnFiles(c.var.db, currentUserId(c), c.req.valid('query'));
    return c.json({ items: page.items.map(toPublicFile), nextCursor: page.nextCursor }, 200);
  })
  .openapi(getFile, async (c) => {
    const file = await getOwnFile(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.json(toPublicFile(file), 200);
  })
  .openapi(renameFile, async (c) => {
    const file = await renameOwnFile(c.var.db, currentUserId(c), c.req.valid('param').id, c.req.valid('json').name);
    return c.json(toPublicFile(file), 200);
  })
  .openapi(deleteFile, async (c) => {
    await deleteOwnFile(c.var.db, c.env.FILES, currentUserId(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(downloadLink, async (c) => {
    const file = await getOwnFile(c.var.db, currentUserId(c), c.req.valid('param').id);
    const { expiresIn, redirect } = c.req.valid('query');
    const expiresAt = secondsFromNow(expiresIn);
    const url = signUrl(c.var.config.appUrl, c.var.config.secrets.URL_SIGNING_KEYS, {
      method: 'GET',
      path: `/dl/${file.id}`,
      expiresAt,
    });
    c.header('Cache-Control', 'no-store');
    if (redirect === '1') return c.redirect(url, 302);
    return c.json({ url, expiresAt: expiresAt.toISOString() }, 200);
  })
  .openapi(fileAccessLogs, async (c) => {
    const file = await getOwnFile(c.var.db, currentUserId(c), c.req.valid('param').id);
    const page = await listAccessLogs(c.var.db, { fileId: file.id, ...c.req.valid('query') });
    return c.json({ items: page.items.map(toPublicAccessLog), nextCursor: page.nextCursor }, 200);
  });
