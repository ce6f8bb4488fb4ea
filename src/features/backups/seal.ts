import { decodeBase64 } from '@oslojs/encoding';

/**
 * Archive encryption: AES-256-GCM over fixed 64 KiB chunks. An encrypted archive is
 *
 *   "HRTHENC1" · id length (1 byte) · backup id (ASCII) · chunk frames…
 *
 * and each frame is a random 12-byte nonce then the ciphertext with its 16-byte tag. Every
 * frame but the last holds exactly CHUNK plaintext bytes; the last holds the rest (possibly
 * none). Each frame's additional data binds the backup id, the frame's index and whether it
 * is the last, so a frame moved, dropped, repeated, cut off at the end or taken from another
 * archive fails its tag, and the reader refuses the archive.
 */
export const CHUNK = 64 * 1024;
export const NONCE = 12;
export const TAG = 16;
export const FRAME = NONCE + CHUNK + TAG;
const MAGIC = new TextEncoder().encode('HRTHENC1');

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The key from `BACKUP_ENCRYPTION_KEY` (base64 of 32 bytes), imported once per isolate and value. */
export function backupKey(raw: string): Promise<CryptoKey> {
  let key = keys.get(raw);
  if (!key) {
    let bytes: Uint8Array;
    try {
      bytes = decodeBase64(raw.trim());
    } catch {
      throw new SealError('BACKUP_ENCRYPTION_KEY is not base64.');
    }
    if (bytes.length !== 32) throw new SealError('BACKUP_ENCRYPTION_KEY must be 32 bytes (base64).');
    key = crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(raw, key);
  }
  return key;
}

/** Whether `raw` would be accepted as a key (for the config check). */
export function isValidBackupKey(raw: string): boolean {
  try {
    return decodeBase64(raw.trim()).length === 32;
  } catch {
    return false;
  }
}

function additionalData(backupId: string, index: number, final: boolean): Uint8Array {
  const id = new TextEncoder().encode(`hearth-backup/v1\0${backupId}\0`);
  const out = new Uint8Array(id.length + 9);
  out.set(id);
  new DataView(out.buffer).setBigUint64(id.length, BigInt(index));
  out[id.length + 8] = final ? 1 : 0;
  return out;
}

export function sealHeader(backupId: string): Uint8Array {
  const id = new TextEncoder().encode(backupId);
  if (id.length > 255) throw new SealError('backup id too long');
  const out = new Uint8Array(MAGIC.length + 1 + id.length);
  out.set(MAGIC);
  out[MAGIC.length] = id.length;
  out.set(id, MAGIC.length + 1);
  return out;
}

export async function sealChunk(
  key: CryptoKey,
  backupId: string,
  index: number,
  final: boolean,
  plain: Uint8Array,
): Promise<Uint8Array> {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: additionalData(backupId, index, final) },
      key,
      plain,
    ),
  );
  const out = new Uint8Array(NONCE + sealed.length);
  out.set(nonce);
  out.set(sealed, NONCE);
  return out;
}

/** Whether the first bytes of an archive say it is encrypted. */
export function isSealed(head: Uint8Array): boolean {
  return head.length >= MAGIC.length && MAGIC.every((byte, i) => head[i] === byte);
}

/**
 * Decrypts a sealed archive as it streams. Errors (with a SealError) on a wrong key, a
 * tampered or reordered frame, a cut-off archive and bytes after the last frame.
 */
export function unsealStream(key: CryptoKey, expectedId?: string): TransformStream<Uint8Array, Uint8Array> {
  let buffer = new Uint8Array(0);
  let backupId: string | null = null;
  let index = 0;
  const open = async (frame: Uint8Array, final: boolean) => {
    if (frame.length < NONCE + TAG) throw new SealError('The encrypted archive is cut off.');
    try {
      const plain = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: frame.subarray(0, NONCE),
          additionalData: additionalData(backupId as string, index, final),
        },
        key,
        frame.subarray(NONCE),
      );
      index++;
      return new Uint8Array(plain);
    } catch {
      throw new SealError(
        index === 0
          ? 'The archive cannot be decrypted: a different BACKUP_ENCRYPTION_KEY, or a damaged archive.'
          : `Encrypted chunk ${index} is damaged, out of order or cut off.`,
      );
    }
  };
  const append = (chunk: Uint8Array) => {
    const merged = new Uint8Array(buffer.length + chunk.length);
    merged.set(buffer);
    merged.set(chunk, buffer.length);
    buffer = merged;
  };
  return new TransformStream({
    async transform(chunk, controller) {
      append(chunk);
      if (backupId === null) {
        if (buffer.length < MAGIC.length + 1) return;
        if (!isSealed(buffer)) throw new SealError('This is not an encrypted Hearth archive.');
        const length = buffer[MAGIC.length] as number;
        if (buffer.length < MAGIC.length + 1 + length) return;
        backupId = new TextDecoder().decode(buffer.subarray(MAGIC.length + 1, MAGIC.length + 1 + length));
        if (expectedId !== undefined && backupId !== expectedId) {
          throw new SealError('The encrypted archive belongs to another backup.');
        }
        buffer = buffer.slice(MAGIC.length + 1 + length);
      }
      // A full frame with bytes after it cannot be the last one.
      let offset = 0;
      while (buffer.length - offset > FRAME) {
        controller.enqueue(await open(buffer.subarray(offset, offset + FRAME), false));
        offset += FRAME;
      }
      if (offset > 0) buffer = buffer.slice(offset);
    },
    async flush(controller) {
      if (backupId === null) throw new SealError('The encrypted archive is cut off.');
      controller.enqueue(await open(buffer, true));
      buffer = new Uint8Array(0);
    },
  });
}
