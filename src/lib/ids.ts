import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import { now } from './clock';

// Crockford base32: no I, L, O or U, so ids survive being read aloud or retyped.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A new opaque id: 48 bits of milliseconds then 80 random bits, 26 characters.
 * Ids sort by creation time, which is what cursor pagination leans on.
 */
export function newId(): string {
  let time = now().getTime();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(10));
  let tail = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of random) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      tail += ALPHABET[(buffer >> bits) & 31];
    }
  }
  return head + tail;
}

/** A url-safe random token with `bytes` of entropy (default 32 bytes = 256 bits). */
export function randomToken(bytes = 32): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}
