import { and, asc, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { uploadParts, uploads } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { type FileRow, insertFileCharged, objectKeyFor, usageOf } from './files.service';
import { PART_SIZE } from './object-writer';

/** Uploads not completed within a day are aborted by the cleanup job. */
export const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
/** R2 allows 10,000 parts: with 10 MiB parts, files up to about 97 GiB. */
export const MAX_PARTS = 10_000;

export type UploadRow = typeof uploads.$inferSelect;

export interface NewUpload {
  name: string;
  size: number;
  contentType?: string | null;
}

function partCount(upload: Pick<UploadRow, 'size' | 'partSize'>): number {
  return Math.max(1, Math.ceil(upload.size / upload.partSize));
}

/** The exact size part `n` must have: every part is `partSize` but the last. */
export function expectedPartSize(upload: Pick<UploadRow, 'size' | 'partSize'>, n: number): number {
  const count = partCount(upload);
  return n < count ? upload.partSize : upload.size - (count - 1) * upload.partSize;
}

export async function startUpload(
  db: Database,
  bucket: R2Bucket,
  ownerId: string,
  input: NewUpload & { cleanName: string },
  defaultQuota: number,
): Promise<UploadRow> {
  if (Math.ceil(input.size / PART_SIZE) > MAX_PARTS) {
    throw new AppError('payload_too_large', `Files are limited to ${MAX_PARTS * PART_SIZE} bytes.`);
  }
  const usage = await usageOf(db, ownerId, defaultQuota);
  if (usage.usedBytes + input.size > usage.quotaBytes) {
    throw new AppError('quota_exceeded', 'This file would take you past your storage quota.');
  }
  const id = newId();
  const key = objectKeyFor(ownerId, id);
  const multipart = await bucket.createMultipartUpload(key);
  const at = now();
  const [upload] = await db
    .insert(uploads)
    .values({
      id,
      ownerId,
      name: input.cleanName,
      contentType: input.contentType ?? null,
      size: input.size,
      partSize: PART_SIZE,
      r2Key: key,
      r2UploadId: multipart.uploadId,
      createdAt: at,
      expiresAt: new Date(at.getTime() + UPLOAD_TTL_MS),
    })
    .returning();
  if (!upload) throw new Error('upload row not written');
  return upload;
}

export async function getOwnUpload(db: Database, ownerId: string, uploadId: string): Promise<UploadRow> {
  const [upload] = await db
    .select()
    .from(uploads)
    .where(and(eq(uploads.id, uploadId), eq(uploads.ownerId, ownerId)))
    .limit(1);
  if (!upload || upload.expiresAt <= now()) throw new AppError('not_found', 'No such upload.');
  return upload;
}

export async function partsOf(db: Database, uploadId: string) {
  return db.select().from(uploadParts).where(eq(uploadParts.uploadId, uploadId)).orderBy(asc(uploadParts.partNumber));
}

/**
 * Stores part `n`, streamed straight to R2 (its size is known, so nothing is
 * buffered). A retried part replaces the earlier attempt.
 */
export async function putPart(
  db: Database,
  bucket: R2Bucket,
  upload: UploadRow,
  n: number,
  body: ReadableStream<Uint8Array> | null,
  declaredLength: number | null,
) {
  const count = partCount(upload);
  if (!Number.isInteger(n) || n < 1 || n > count) {
    throw new AppError('validation_failed', `Part numbers run from 1 to ${count}.`, {
      errors: [{ path: 'param.n', message: `1 to ${count}`, code: 'too_big' }],
    });
  }
  const expected = expectedPartSize(upload, n);
  if (declaredLength !== expected) {
    throw new AppError(
      declaredLength !== null && declaredLength > expected ? 'payload_too_large' : 'validation_failed',
      `Part ${n} must be exactly ${expected} bytes, sent with Content-Length.`,
    );
  }
  if (!body) throw new AppError('validation_failed', 'The part has no body.');
  // FixedLengthStream gives R2 the known length it needs and fails the write if the body lies about it.
  const fixed = new FixedLengthStream(expected);
  // Settles with the body's own error (the client went away) or null; never rejects.
  const piping = body.pipeTo(fixed.writable).then(
    () => null,
    (error: unknown) => error,
  );
  const multipart = bucket.resumeMultipartUpload(upload.r2Key, upload.r2UploadId);
  let part: R2UploadedPart;
  try {
    part = await multipart.uploadPart(n, fixed.readable);
  } catch {
    // No part row is written: the part counts only once R2 has all of it.
    const bodyError = await piping;
    if (bodyError instanceof AppError) throw bodyError;
    throw new AppError('validation_failed', `Part ${n} did not arrive whole; send it again.`);
  }
  await piping;
  await db
    .insert(uploadParts)
    .values({ uploadId: upload.id, partNumber: n, size: expected, etag: part.etag, uploadedAt: now() })
    .onConflictDoUpdate({
      target: [uploadParts.uploadId, uploadParts.partNumber],
      set: { etag: part.etag, size: expected, uploadedAt: now() },
    });
  return { partNumber: n, size: expected, etag: part.etag };
}

/** Checks every part is there at its exact size, completes the R2 upload and records the file. */
export async function completeUpload(
  db: Database,
  bucket: R2Bucket,
  upload: UploadRow,
  contentType: string,
  defaultQuota: number,
): Promise<FileRow> {
  const parts = await partsOf(db, upload.id);
  const count = partCount(upload);
  const missing: number[] = [];
  for (let n = 1; n <= count; n++) {
    const part = parts.find((p) => p.partNumber === n);
    if (!part || part.size !== expectedPartSize(upload, n)) missing.push(n);
  }
  if (missing.length > 0) {
    throw new AppError('conflict', `Parts still missing: ${missing.slice(0, 20).join(', ')}.`, {
      errors: missing.slice(0, 20).map((n) => ({ path: `parts.${n}`, message: 'Missing', code: 'missing_part' })),
    });
  }
  const multipart = bucket.resumeMultipartUpload(upload.r2Key, upload.r2UploadId);
  const object = await multipart.complete(parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })));
  const at = now();
  const file: FileRow = {
    id: upload.id,
    ownerId: upload.ownerId,
    name: upload.name,
    nameKey: upload.name.toLowerCase(),
    size: upload.size,
    contentType,
    sha256: null,
    r2Key: upload.r2Key,
    etag: object.etag,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await insertFileCharged(db, file, defaultQuota);
  } catch (error) {
    await bucket.delete(upload.r2Key).catch(() => {});
    await db.delete(uploads).where(eq(uploads.id, upload.id));
    throw error;
  }
  await db.delete(uploads).where(eq(uploads.id, upload.id));
  return file;
}

export async function abortUpload(db: Database, bucket: R2Bucket, upload: UploadRow): Promise<void> {
  await bucket
    .resumeMultipartUpload(upload.r2Key, upload.r2UploadId)
    .abort()
    .catch(() => {});
  await db.delete(uploads).where(eq(uploads.id, upload.id));
}

/** For the cleanup job: uploads abandoned past their day. */
export async function abortStaleUploads(db: Database, bucket: R2Bucket): Promise<number> {
  const stale = await db.select().from(uploads).where(lt(uploads.expiresAt, now())).limit(100);
  for (const upload of stale) await abortUpload(db, bucket, upload);
  return stale.length;
}
