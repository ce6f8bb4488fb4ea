import { env } from 'cloudflare:workers';
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { registerUser } from '../../test/worker/helpers';
import { createApp } from '../app';
import { DEVELOPMENT_KEYS, readConfig } from './config';

async function freshSigningKeys(kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return JSON.stringify([{ ...(await exportJWK(privateKey)), kid }]);
}

const withKeys = (first: string, ...rest: string[]) =>
  JSON.stringify([first, ...rest].flatMap((raw) => JSON.parse(raw) as object[]));

describe('configuration cached per isolate', () => {
  it('should parse once for the same values and afresh when a value changes', () => {
    const first = readConfig(env);
    expect(readConfig({ ...env })).toBe(first);
    const rotated = readConfig({ ...env, URL_SIGNING_KEYS: `k2:${'x'.repeat(40)}` });
    expect(rotated).not.toBe(first);
    expect(rotated.secrets.URL_SIGNING_KEYS).toBe(`k2:${'x'.repeat(40)}`);
    expect(readConfig({ ...env, APP_URL: 'http://other.example' }).appUrl).toBe('http://other.example');
  });

  it('should pick up a rotated JWT signing key on the next request that carries it', async () => {
    const app = createApp();
    const user = await registerUser();
    const me = (token: string, keys: string) =>
      app.request(
        '/api/users/me',
        { headers: { authorization: `Bearer ${token}` } },
        { ...env, JWT_PRIVATE_JWKS: keys },
      );
    // The token was signed with the development key; it verifies while that key is listed.
    expect((await me(user.accessToken, DEVELOPMENT_KEYS.JWT_PRIVATE_JWKS)).status).toBe(200);
    const next = await freshSigningKeys('rotated-1');
    expect((await me(user.accessToken, withKeys(next, DEVELOPMENT_KEYS.JWT_PRIVATE_JWKS))).status).toBe(200);
    // Once the old key is withdrawn, tokens it signed stop working at once.
    expect((await me(user.accessToken, next)).status).toBe(401);

    // New tokens are signed with the new first key.
    const login = await app.request(
      '/api/auth/login',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': user.ip },
        body: JSON.stringify({ email: user.email, password: user.password, client: 'native' }),
      },
      { ...env, JWT_PRIVATE_JWKS: next },
    );
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    expect(decodeProtectedHeader(accessToken).kid).toBe('rotated-1');
    expect((await me(accessToken, next)).status).toBe(200);
    expect((await me(accessToken, DEVELOPMENT_KEYS.JWT_PRIVATE_JWKS)).status).toBe(401);
  });
});
