import { hmac } from '@oslojs/crypto/hmac';
import { SHA256, sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

export { constantTimeEqual };

const encoder = new TextEncoder();

/**
 * The stored form of a secret token (refresh, reset, verification): tokens
 * carry at least 128 random bits, so a plain SHA-256 is enough; no salt or
 * slow hash is needed for values nobody chose.
 */
export function hashToken(token: string): string {
  return encodeHexLowerCase(sha256(encoder.encode(token)));
}

export function hmacSha256(key: Uint8Array, message: string): Uint8Array {
  return hmac(SHA256, key, encoder.encode(message));
}

/** Compares two strings in time that depends only on their length. */
export function constantTimeEqualStrings(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  return left.length === right.length && constantTimeEqual(left, right);
}

async function aesKeyFrom(secret: string): Promise<CryptoKey> {
  const material = sha256(encoder.encode(`hearth/seal/${secret}`));
  return crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/**
 * Encrypts `plaintext` under a key derived from `secret` (AES-GCM). `secret`
 * must itself be high-entropy, such as a refresh token.
 */
export async function seal(secret: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await aesKeyFrom(secret);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, encoder.encode(plaintext)),
  );
  const out = new Uint8Array(iv.length + ciphertext.length);
  out.set(iv);
  out.set(ciphertext, iv.length);
  return encodeBase64urlNoPadding(out);
}

/** Opens what `seal` made with the same secret; null when it does not open. */
export async function unseal(secret: string, sealed: string): Promise<string | null> {
  try {
    const bytes = decodeBase64urlIgnorePadding(sealed);
    const key = await aesKeyFrom(secret);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12) }, key, bytes.slice(12));
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
