import { now } from '../../lib/clock';
import { createRouter } from '../../lib/openapi';
import { currentUserId } from '../../middleware/auth';
import { clientBody } from './client-body';
import { resolveContentType } from './content-type';
import { cleanFileName, setContentType, toPublicFile } from './files.service';
import {
  abortUploadRoute,
  completeUploadRoute,
  getUploadRoute,
  putPartRoute,
  startUploadRoute,
} from './uploads.routes';
import {
  abortUpload,
  completeUpload,
  getOwnUpload,
  partsOf,
  putPart,
  startUpload,
  type UploadRow,
} from './uploads.service';

async function describe(db: Parameters<typeof partsOf>[0], upload: UploadRow) {
  const parts = await partsOf(db, upload.id);
  return {
    uploadId: upload.id,
    name: upload.name,
    size: upload.size,
    partSize: upload.partSize,
    partCount: Math.max(1, Math.ceil(upload.size / upload.partSize)),
    parts: parts.map((part) => ({ partNumber: part.partNumber, size: part.size })),
    expiresAt: upload.expiresAt.toISOString(),
  };
}

export const uploadRoutes = createRouter()
  .openapi(startUploadRoute, async (c) => {
    const input = c.req.valid('json');
    const upload = await startUpload(
      c.var.db,
      c.env.FILES,
      currentUserId(c),
      { ...input, cleanName: cleanFileName(input.name) },
      c.var.config.storageQuotaBytes,
    );
    return c.json(await describe(c.var.db, upload), 201);
  })
  .openapi(getUploadRoute, async (c) => {
    const upload = await getOwnUpload(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.json(await describe(c.var.db, upload), 200);
  })
  .openapi(putPartRoute, async (c) => {
    const { id, n } = c.req.valid('param');
    const upload = await getOwnUpload(c.var.db, currentUserId(c), id);
    const length = c.req.header('content-length');
    const part = await putPart(c.var.db, c.env.FILES, upload, n, clientBody(c), length ? Number(length) : null);
    return c.json({ partNumber: part.partNumber, size: part.size }, 200);
  })
  .openapi(completeUploadRoute, async (c) => {
    const upload = await getOwnUpload(c.var.db, currentUserId(c), c.req.valid('param').id);
    const file = await completeUpload(
      c.var.db,
      c.env.FILES,
      upload,
      'application/octet-stream',
      c.var.config.storageQuotaBytes,
    );
    // The bytes decide the type, as for a direct upload: read just the first ones back.
    const first = await c.env.FILES.get(file.r2Key, { range: { offset: 0, length: 512 } });
    const contentType = resolveContentType(upload.contentType, new Uint8Array(first ? await first.arrayBuffer() : []));
    const typed = contentType === file.contentType ? file : await setContentType(c.var.db, file.id, contentType);
    // Hashing gigabytes is work for the queue, not for this request.
    await c.env.JOBS.send({ type: 'hash_file', fileId: file.id, requestedAt: now().toISOString() });
    return c.json(toPublicFile(typed), 201);
  })
  .openapi(abortUploadRoute, async (c) => {
    const upload = await getOwnUpload(c.var.db, currentUserId(c), c.req.valid('param').id);
    await abortUpload(c.var.db, c.env.FILES, upload);
    return c.body(null, 204);
  });
