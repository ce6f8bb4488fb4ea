import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding';
import { constantTimeEqual, hmacSha256 } from './crypto';
import { parseHmacKeys } from './keys';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A short token the worker signs and later checks without storage:
 * `<payload>.<kid>.<mac>`, the payload base64url JSON, the MAC an HMAC-SHA256
 * under the `URL_SIGNING_KEYS` key named by `kid` (the first signs, all
 * verify, so keys rotate). The purpose is bound into the MAC, so a token made
 * for one use can never pass as another, nor as a signed URL.
 */
export function signToken(rawKeys: string, purpose: string, payload: object): string {
  const [key] = parseHmacKeys(rawKeys);
  if (!key) throw new Error('no URL signing key');
  const body = encodeBase64urlNoPadding(encoder.encode(JSON.stringify(payload)));
  const mac = hmacSha256(encoder.encode(key.secret), `${purpose}\n${body}`);
  return `${body}.${key.kid}.${encodeBase64urlNoPadding(mac)}`;
}

/** The payload of a token `signToken` made for `purpose`, or null when it is malformed or forged. */
export function verifyToken(rawKeys: string, purpose: string, token: string): unknown {
  const [body, kid, mac, extra] = token.split('.');
  if (!body || !kid || !mac || extra !== undefined || token.length > 2048) return null;
  const key = parseHmacKeys(rawKeys).find((candidate) => candidate.kid === kid);
  if (!key) return null;
  try {
    const given = decodeBase64urlIgnorePadding(mac);
    const expected = hmacSha256(encoder.encode(key.secret), `${purpose}\n${body}`);
    if (given.length !== expected.length || !constantTimeEqual(given, expected)) return null;
    return JSON.parse(decoder.decode(decodeBase64urlIgnorePadding(body)));
  } catch {
    return null;
  }
}
