import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding';
import { constantTimeEqual, hmacSha256 } from './crypto';
import { type HmacKey, parseHmacKeys } from './keys';

export interface SignedTarget {
  method: 'GET';
  path: string;
  expiresAt: Date;
  /** Bound into the signature when the link was made for a share. */
  shareId?: string | null;
}

function payload(target: SignedTarget): string {
  return [target.method, target.path, Math.floor(target.expiresAt.getTime() / 1000), target.shareId ?? ''].join('\n');
}

function keyBytes(key: HmacKey): Uint8Array {
  return new TextEncoder().encode(key.secret);
}

/**
 * The one signed-URL helper: HMAC-SHA256 over method, path, expiry and share
 * id, with the key's id in the URL so keys can rotate (the first key signs,
 * every listed key verifies).
 */
export function signUrl(origin: string, rawKeys: string, target: SignedTarget): string {
  const [key] = parseHmacKeys(rawKeys);
  if (!key) throw new Error('no URL signing key');
  const url = new URL(target.path, origin);
  url.searchParams.set('exp', String(Math.floor(target.expiresAt.getTime() / 1000)));
  if (target.shareId) url.searchParams.set('share', target.shareId);
  url.searchParams.set('kid', key.kid);
  url.searchParams.set('sig', encodeBase64urlNoPadding(hmacSha256(keyBytes(key), payload(target))));
  return url.toString();
}

export type SignatureCheck =
  | { ok: true; expiresAt: Date; shareId: string | null }
  | { ok: false; reason: 'malformed' | 'expired' | 'bad_signature' };

/**
 * Checks a signed URL for `method` (HEAD is checked as the GET it mirrors).
 * Constant-time on the signature; expiry is checked after the signature so a
 * forged expiry learns nothing.
 */
export function verifySignedUrl(url: URL, method: string, rawKeys: string, now: Date): SignatureCheck {
  const exp = Number(url.searchParams.get('exp'));
  const kid = url.searchParams.get('kid');
  const sig = url.searchParams.get('sig');
  const shareId = url.searchParams.get('share');
  if (!Number.isInteger(exp) || !kid || !sig) return { ok: false, reason: 'malformed' };
  const key = parseHmacKeys(rawKeys).find((candidate) => candidate.kid === kid);
  if (!key) return { ok: false, reason: 'bad_signature' };
  const signedMethod = method === 'HEAD' ? 'GET' : method;
  if (signedMethod !== 'GET') return { ok: false, reason: 'bad_signature' };
  const expected = hmacSha256(
    keyBytes(key),
    payload({ method: 'GET', path: url.pathname, expiresAt: new Date(exp * 1000), shareId }),
  );
  let given: Uint8Array;
  try {
    given = decodeBase64urlIgnorePadding(sig);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (given.length !== expected.length || !constantTimeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  if (exp * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, expiresAt: new Date(exp * 1000), shareId };
}
