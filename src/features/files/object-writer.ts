import { encodeHexLowerCase } from '@oslojs/encoding';
import { AppError, type ProblemCode } from '../../lib/errors';

/** R2 multipart parts must be at least 5 MiB (but the last); all but the last the same size. */
export const PART_SIZE = 10 * 1024 * 1024;
const SNIFF_BYTES = 512;

export interface WriteLimit {
  bytes: number;
  /** The problem code when `bytes` is passed: the request cap or the user's quota. */
  code: Extract<ProblemCode, 'payload_too_large' | 'quota_exceeded'>;
  message: string;
}

export interface WrittenObject {
  size: number;
  sha256: string;
  /** The first bytes, for content-type sniffing. */
  head: Uint8Array;
  etag: string;
}

/**
 * Streams `body` into R2 under `key`, holding at most one part (10 MiB) in
 * memory. R2 wants a known length for a streamed put, which an upload of
 * unknown size does not have, so small bodies are one put and larger ones
 * become a multipart upload part by part. Hashes as it goes, and stops at the
 * first byte over `limit`, leaving nothing behind in R2.
 */
export async function writeObject(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  limit: WriteLimit,
  contentType: string,
): Promise<WrittenObject> {
  const digest = new crypto.DigestStream('SHA-256');
  // The digest promise rejects when the upload is refused and the stream aborted; nobody needs that outcome.
  const hashed = digest.digest;
  hashed.catch(() => {});
  const hasher = digest.getWriter();
  const reader = body.getReader();
  let head = new Uint8Array(0);
  let size = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];

  function take(bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    let filled = 0;
    while (filled < bytes) {
      const chunk = pending[0] as Uint8Array;
      const need = bytes - filled;
      if (chunk.length <= need) {
        out.set(chunk, filled);
        filled += chunk.length;
        pending.shift();
      } else {
        out.set(chunk.subarray(0, need), filled);
        pending[0] = chunk.subarray(need);
        filled += need;
      }
    }
    pendingBytes -= bytes;
    return out;
  }

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit.bytes) {
        await reader.cancel().catch(() => {});
        throw new AppError(limit.code, limit.message);
      }
      if (head.length < SNIFF_BYTES) {
        const merged = new Uint8Array(Math.min(SNIFF_BYTES, head.length + value.length));
        merged.set(head);
        merged.set(value.subarray(0, merged.length - head.length), head.length);
        head = merged;
      }
      await hasher.write(value);
      pending.push(value);
      pendingBytes += value.byteLength;
      while (pendingBytes >= PART_SIZE) {
        upload ??= await bucket.createMultipartUpload(key, { httpMetadata: { contentType } });
        parts.push(await upload.uploadPart(parts.length + 1, take(PART_SIZE)));
      }
    }
    await hasher.close();
    const sha256 = encodeHexLowerCase(new Uint8Array(await hashed));
    let etag: string;
    if (upload) {
      if (pendingBytes > 0) parts.push(await upload.uploadPart(parts.length + 1, take(pendingBytes)));
      etag = (await upload.complete(parts)).etag;
    } else {
      const object = await bucket.put(key, take(pendingBytes), {
        httpMetadata: { contentType },
        sha256,
      });
      etag = object.etag;
    }
    return { size, sha256, head, etag };
  } catch (error) {
    pending = [];
    if (upload) await upload.abort().catch(() => {});
    await hasher.abort().catch(() => {});
    throw error;
  }
}
