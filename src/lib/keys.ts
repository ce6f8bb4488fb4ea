import type { JWK } from 'jose';

export interface SigningJwk extends JWK {
  kid: string;
  d: string;
  x: string;
}

/** Parses `JWT_PRIVATE_JWKS`: a JSON array (or one object) of Ed25519 private JWKs, each with a `kid`. */
export function parsePrivateJwks(raw: string): SigningJwk[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('JWT_PRIVATE_JWKS is not JSON');
  }
  const keys = (Array.isArray(parsed) ? parsed : [parsed]) as JWK[];
  if (keys.length === 0) throw new Error('JWT_PRIVATE_JWKS holds no key');
  for (const key of keys) {
    if (key.kty !== 'OKP' || key.crv !== 'Ed25519' || !key.d || !key.x || !key.kid) {
      throw new Error('JWT_PRIVATE_JWKS keys must be Ed25519 private JWKs with a kid');
    }
  }
  return keys as SigningJwk[];
}

export interface HmacKey {
  kid: string;
  secret: string;
}

/** Parses `URL_SIGNING_KEYS`: comma-separated `kid:secret` pairs; the first signs, all verify. */
export function parseHmacKeys(raw: string): HmacKey[] {
  const keys = raw
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      return { kid: pair.slice(0, at), secret: pair.slice(at + 1) };
    });
  if (keys.length === 0 || keys.some((key) => !key.kid || key.secret.length < 32)) {
    throw new Error('URL_SIGNING_KEYS must be kid:secret pairs with secrets of at least 32 characters');
  }
  return keys;
}
