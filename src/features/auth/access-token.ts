import { errors, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { parsePrivateJwks, type SigningJwk } from '../../lib/keys';

/** Access tokens live 15 minutes; revocation is checked on every request anyway. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ALGORITHM = 'EdDSA';
const AUDIENCE = 'hearth-api';
// RFC 9068: a distinct `typ` stops an ID token or another JWT from being replayed as an access token.
const TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

function issuer(config: Config): string {
  return config.appUrl;
}

interface SigningKeys {
  /** The key that signs (the first listed), imported once. */
  signing: { kid: string; key: Promise<CryptoKey> };
  /** Every listed key's public half by kid, imported on first use. */
  verifying: Map<string, Promise<CryptoKey>>;
  jwks: SigningJwk[];
}

/**
 * Imported keys per isolate, keyed by the secret's own text: parsing JSON and
 * importing an Ed25519 key on every request was a tenth of an authenticated
 * read's CPU. A rotated `JWT_PRIVATE_JWKS` is a new key here, imported on the
 * first request that carries it.
 */
let cached: { raw: string; keys: SigningKeys } | undefined;

function signingKeys(config: Config): SigningKeys {
  const raw = config.secrets.JWT_PRIVATE_JWKS;
  if (cached?.raw === raw) return cached.keys;
  const jwks = parsePrivateJwks(raw);
  const [current] = jwks;
  if (!current) throw new Error('no signing key');
  const keys: SigningKeys = {
    signing: { kid: current.kid, key: importJWK(current, ALGORITHM) as Promise<CryptoKey> },
    verifying: new Map(),
    jwks,
  };
  // One entry: after a rotation only the current text is wanted.
  cached = { raw, keys };
  return keys;
}

function verifyingKey(keys: SigningKeys, kid: string | undefined): Promise<CryptoKey> {
  const jwk = keys.jwks.find((key) => key.kid === kid);
  if (!jwk || kid === undefined) throw new errors.JWKSNoMatchingKey();
  let key = keys.verifying.get(kid);
  if (!key) {
    const { d: _private, ...publicKey } = jwk;
    key = importJWK(publicKey, ALGORITHM) as Promise<CryptoKey>;
    keys.verifying.set(kid, key);
  }
  return key;
}

/** Signs with the first key; the others stay published so tokens they signed verify until they expire. */
export async function signAccessToken(config: Config, claims: AccessClaims): Promise<string> {
  const { signing } = signingKeys(config);
  const key = await signing.key;
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: ALGORITHM, kid: signing.kid, typ: TOKEN_TYPE })
    .setSubject(claims.userId)
    .setIssuer(issuer(config))
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(`${ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(key);
}

/** The public half of every configured key, for `/.well-known/jwks.json`. */
export function publicJwks(config: Config): { keys: JWK[] } {
  return {
    keys: signingKeys(config).jwks.map(({ kty, crv, x, kid }) => ({
      kty,
      crv,
      x,
      kid,
      alg: ALGORITHM,
      use: 'sig',
    })),
  };
}

/**
 * Verifies signature, algorithm, issuer, audience, type, expiry and that
 * `exp`, `iat`, `sub` and `sid` are all present. An expired
 * token is `token_expired` (the client should refresh); anything else is
 * `unauthorized`.
 */
export async function verifyAccessToken(config: Config, token: string): Promise<AccessClaims> {
  const keys = signingKeys(config);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, (header) => verifyingKey(keys, header.kid), {
      algorithms: [ALGORITHM],
      issuer: issuer(config),
      audience: AUDIENCE,
      typ: TOKEN_TYPE,
      // A token without an expiry would never stop working: every claim we rely on must be there.
      requiredClaims: ['exp', 'iat', 'sub', 'sid'],
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new AppError('token_expired', 'The access token has expired.');
    throw new AppError('unauthorized', 'The access token is not valid.');
  }
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') {
    throw new AppError('unauthorized', 'The access token is not valid.');
  }
  return { userId: payload.sub, sessionId: payload.sid };
}
