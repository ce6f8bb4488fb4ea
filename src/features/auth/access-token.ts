import { errors, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { parsePrivateJwks } from '../../lib/keys';

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

/** Signs with the first key; the others stay published so tokens they signed verify until they expire. */
export async function signAccessToken(config: Config, claims: AccessClaims): Promise<string> {
  const [current] = parsePrivateJwks(config.secrets.JWT_PRIVATE_JWKS);
  if (!current) throw new Error('no signing key');
  const key = await importJWK(current, ALGORITHM);
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: ALGORITHM, kid: current.kid, typ: TOKEN_TYPE })
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
    keys: parsePrivateJwks(config.secrets.JWT_PRIVATE_JWKS).map(({ kty, crv, x, kid }) => ({
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
  const keys = parsePrivateJwks(config.secrets.JWT_PRIVATE_JWKS);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      async (header) => {
        const match = keys.find((key) => key.kid === header.kid);
        if (!match) throw new errors.JWKSNoMatchingKey();
        const { d: _private, ...publicKey } = match;
        return importJWK(publicKey, ALGORITHM);
      },
      {
        algorithms: [ALGORITHM],
        issuer: issuer(config),
        audience: AUDIENCE,
        typ: TOKEN_TYPE,
        // A token without an expiry would never stop working: every claim we rely on must be there.
        requiredClaims: ['exp', 'iat', 'sub', 'sid'],
      },
    ));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new AppError('token_expired', 'The access token has expired.');
    throw new AppError('unauthorized', 'The access token is not valid.');
  }
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') {
    throw new AppError('unauthorized', 'The access token is not valid.');
  }
  return { userId: payload.sub, sessionId: payload.sid };
}
