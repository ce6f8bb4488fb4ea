import { decodeJwt, importJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { call, expectProblem, ORIGIN, registerUser } from '../../../test/worker/helpers';
import { DEVELOPMENT_KEYS } from '../../lib/config';

async function sign(claims: Record<string, unknown>) {
  const jwk = JSON.parse(DEVELOPMENT_KEYS.JWT_PRIVATE_JWKS)[0];
  const key = await importJWK(jwk, 'EdDSA');
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'at+jwt' }).sign(key);
}

describe('access tokens', () => {
  it('should refuse a correctly signed token that lacks exp, iat, sub or sid', async () => {
    const user = await registerUser();
    const { sid } = decodeJwt(user.accessToken) as { sid: string };
    const now = Math.floor(Date.now() / 1000);
    const complete = { sub: user.id, sid, aud: 'hearth-api', iss: ORIGIN, iat: now, exp: now + 600 };
    // The complete token works, so each refusal below is the missing claim alone.
    expect((await call('/api/users/me', { token: await sign(complete) })).status).toBe(200);
    for (const missing of ['exp', 'iat', 'sub', 'sid'] as const) {
      const { [missing]: _dropped, ...rest } = complete;
      await expectProblem(await call('/api/users/me', { token: await sign(rest) }), 401, 'unauthorized');
    }
  });
});
