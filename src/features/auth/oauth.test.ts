import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type FakeIdentity, loginHint } from '../../../test/fake-oidc';
import { call, expectProblem, ORIGIN, randomIp, registerUser, uniqueEmail } from '../../../test/worker/helpers';
import { configProblems, readConfig } from '../../lib/config';
import { clientSecretName, readOidcProviders } from './oidc.config';
import { pkceChallenge, resolveEndpoints } from './oidc.service';

const APP_URL = env.APP_URL;
const CALLBACK = `${APP_URL}/api/auth/oauth/linkedin/callback`;
const [LINKEDIN] = readConfig(env).oidc.providers;
if (!LINKEDIN) throw new Error('vitest.config.ts configures the fake provider as "linkedin"');

/** A browser navigation to the worker: redirects are the answer under test, so they are not followed. */
function navigate(path: string, options: { ip?: string; cookie?: string; origin?: string } = {}) {
  return exports.default.fetch(`${options.origin ?? ORIGIN}${path}`, {
    redirect: 'manual',
    headers: { 'cf-connecting-ip': options.ip ?? randomIp(), ...(options.cookie ? { cookie: options.cookie } : {}) },
  });
}

/** A person at the provider nobody else in the test run is. */
function newIdentity(overrides: Partial<FakeIdentity> = {}): FakeIdentity {
  return {
    sub: `sub-${crypto.randomUUID()}`,
    email: uniqueEmail('oidc'),
    email_verified: true,
    name: 'Grace Hopper',
    ...overrides,
  };
}

function setCookie(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
}

/** `name=value` of a Set-Cookie, ready for a Cookie header. */
function cookiePair(res: Response, name: string): string {
  const cookie = setCookie(res, name);
  if (!cookie) throw new Error(`no ${name} cookie set`);
  return cookie.split(';')[0] as string;
}

interface Browser {
  ip: string;
  /** The state cookie the start of the sign-in set in this browser. */
  stateCookie: string;
  /** Where Hearth sent the browser: the provider's authorization URL. */
  authorizeUrl: URL;
}

/** Opens `GET /api/auth/oauth/linkedin` the way a browser does. */
async function startSignIn(ip = randomIp()): Promise<Browser> {
  const res = await navigate('/api/auth/oauth/linkedin', { ip });
  expect(res.status).toBe(302);
  return {
    ip,
    stateCookie: cookiePair(res, 'hearth_oauth_state'),
    authorizeUrl: new URL(res.headers.get('location') ?? ''),
  };
}

/** Signs in at the (fake) provider as `identity` and returns where it sends the browser back to. */
async function authorize(browser: Browser, identity: FakeIdentity): Promise<URL> {
  const url = new URL(browser.authorizeUrl);
  url.searchParams.set('login_hint', loginHint(identity));
  // This fetch leaves the test like the worker's own: vitest.config.ts routes it to the fake provider.
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

/** Follows the provider's redirect back into Hearth. */
function callback(back: URL, browser: Pick<Browser, 'ip'> & { stateCookie?: string }) {
  expect(back.origin + back.pathname).toBe(CALLBACK);
  return navigate(back.pathname + back.search, { ip: browser.ip, cookie: browser.stateCookie });
}

/** The whole round trip for one identity in a fresh browser. */
async function signInAs(identity: FakeIdentity): Promise<Response> {
  const browser = await startSignIn();
  return callback(await authorize(browser, identity), browser);
}

/** Who the refresh cookie set by a sign-in belongs to, found the way the web app finds out. */
async function userOfRefreshCookie(res: Response) {
  const refreshed = await call('/api/auth/refresh', { method: 'POST', cookie: cookiePair(res, 'hearth_refresh') });
  expect(refreshed.status).toBe(200);
  return (await refreshed.json<{ user: { id: string; email: string | null; emailVerified: boolean; name: string } }>())
    .user;
}

/** Asserts a refused sign-in: a redirect to the web app carrying `error`, and no session. */
function expectRedirectError(res: Response, error: string, path = '/sign-in') {
  expect({ status: res.status, location: res.headers.get('location') }).toEqual({
    status: 302,
    location: `${APP_URL}${path}?error=${error}`,
  });
  expect(setCookie(res, 'hearth_refresh')).toBeUndefined();
}

async function linkedUserId(subject: string): Promise<string | null> {
  return env.DB.prepare("SELECT user_id FROM oauth_accounts WHERE provider = 'linkedin' AND subject = ?")
    .bind(subject)
    .first<string>('user_id');
}

async function auditReasons(ip: string, action = 'auth.oauth_login') {
  const { results } = await env.DB.prepare(
    'SELECT outcome, target_id, details FROM audit_log WHERE action = ? AND ip = ? ORDER BY at, id',
  )
    .bind(action, ip)
    .all<{ outcome: string; target_id: string | null; details: string }>();
  return results.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
}

async function sessionCount(userId: string): Promise<number | null> {
  return env.DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?').bind(userId).first<number>('n');
}

describe('GET /api/auth/oauth/{provider}', () => {
  it('should redirect to the provider with state, nonce and a PKCE S256 challenge', async () => {
    const browser = await startSignIn();
    const params = browser.authorizeUrl.searchParams;

    expect(browser.authorizeUrl.origin + browser.authorizeUrl.pathname).toBe(`${LINKEDIN.issuer}/authorize`);
    expect(Object.fromEntries(params)).toMatchObject({
      response_type: 'code',
      client_id: LINKEDIN.clientId,
      redirect_uri: CALLBACK,
      scope: 'openid profile email',
      code_challenge_method: 'S256',
    });
    const state = params.get('state') ?? '';
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.stateCookie).toBe(`hearth_oauth_state=${state}`);
    const saved = await env.KV.get<{ codeVerifier: string; nonce: string }>(`oauth:state:${state}`, 'json');
    expect(saved?.nonce).toBe(params.get('nonce'));
    expect(params.get('code_challenge')).toBe(pkceChallenge(saved?.codeVerifier ?? ''));
    const { keys } = await env.KV.list({ prefix: `oauth:state:${state}` });
    expect(keys[0]?.expiration).toBeGreaterThan(Date.now() / 1000 + 9 * 60);
    expect(keys[0]?.expiration).toBeLessThanOrEqual(Date.now() / 1000 + 10 * 60 + 1);
  });

  it('should build the redirect URI from APP_URL, never from the Host header', async () => {
    const res = await navigate('/api/auth/oauth/linkedin', { origin: 'http://attacker.example' });

    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('redirect_uri')).toBe(CALLBACK);
  });

  it('should answer 404 not_found for a provider that is not configured', async () => {
    await expectProblem(await navigate('/api/auth/oauth/myspace'), 404, 'not_found');
    await expectProblem(await navigate('/api/auth/oauth/myspace/callback?code=x&state=y'), 404, 'not_found');
  });
});

describe('GET /api/auth/oauth/{provider}/callback', () => {
  it('should create an account for a new identity, set the refresh cookie and go to the app', async () => {
    const identity = newIdentity();
    const browser = await startSignIn();
    const back = await authorize(browser, identity);

    const res = await callback(back, browser);

    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${APP_URL}/`);
    const refreshCookie = setCookie(res, 'hearth_refresh') ?? '';
    for (const attribute of [/; HttpOnly/, /; Secure/, /; SameSite=Strict/, /; Path=\/api\/auth(;|$)/]) {
      expect(refreshCookie).toMatch(attribute);
    }
    expect(setCookie(res, 'hearth_oauth_state')).toMatch(/Max-Age=0/);
    const user = await userOfRefreshCookie(res);
    expect(user).toMatchObject({ email: identity.email, emailVerified: true, name: 'Grace Hopper' });
    expect(await linkedUserId(identity.sub)).toBe(user.id);
    expect(await env.KV.get(`oauth:state:${back.searchParams.get('state')}`)).toBeNull();
    expect(await auditReasons(browser.ip)).toEqual([
      { outcome: 'success', target_id: user.id, details: { provider: 'linkedin', created: true } },
    ]);
  });

  it('should sign the same identity into the same account the next time', async () => {
    const identity = newIdentity();
    const first = await userOfRefreshCookie(await signInAs(identity));

    const second = await signInAs(identity);

    expect(second.headers.get('location')).toBe(`${APP_URL}/`);
    expect((await userOfRefreshCookie(second)).id).toBe(first.id);
    const links = await env.DB.prepare('SELECT count(*) AS n FROM oauth_accounts WHERE user_id = ?')
      .bind(first.id)
      .first<number>('n');
    expect(links).toBe(1);
  });

  it('should not put an email the provider has not verified on the new account', async () => {
    const identity = newIdentity({ email_verified: false });

    const user = await userOfRefreshCookie(await signInAs(identity));

    expect(user).toMatchObject({ email: null, emailVerified: false });
    const linkedEmail = await env.DB.prepare('SELECT email FROM oauth_accounts WHERE subject = ?')
      .bind(identity.sub)
      .first<string>('email');
    expect(linkedEmail).toBe(identity.email);
  });

  it('should never sign into an existing account just because the email matches', async () => {
    const existing = await registerUser();
    const identity = newIdentity({ email: existing.email.toUpperCase() });
    const browser = await startSignIn();

    const res = await callback(await authorize(browser, identity), browser);

    expectRedirectError(res, 'account_exists');
    expect(await sessionCount(existing.id)).toBe(1);
    expect(await linkedUserId(identity.sub)).toBeNull();
    expect(await auditReasons(browser.ip)).toEqual([
      { outcome: 'failure', target_id: existing.id, details: { provider: 'linkedin', reason: 'account_exists' } },
    ]);
  });

  it('should refuse a callback without state', async () => {
    const browser = await startSignIn();
    const back = await authorize(browser, newIdentity());
    back.searchParams.delete('state');

    expectRedirectError(await callback(back, browser), 'oauth_state');
  });

  it('should refuse a tampered state', async () => {
    const browser = await startSignIn();
    const back = await authorize(browser, newIdentity());
    const state = back.searchParams.get('state') ?? '';
    back.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`);

    expectRedirectError(await callback(back, browser), 'oauth_state');
  });

  it('should refuse a replayed callback, even after a successful sign-in', async () => {
    const browser = await startSignIn();
    const back = await authorize(browser, newIdentity());
    expect((await callback(back, browser)).headers.get('location')).toBe(`${APP_URL}/`);

    expectRedirectError(await callback(back, browser), 'oauth_state');
  });

  it('should refuse a state that has expired', async () => {
    const browser = await startSignIn();
    const back = await authorize(browser, newIdentity());
    // KV drops the entry when its TTL runs out; deleting it is what the callback then sees.
    await env.KV.delete(`oauth:state:${back.searchParams.get('state')}`);

    expectRedirectError(await callback(back, browser), 'oauth_state');
  });

  it('should refuse a sign-in finished in a browser that did not start it', async () => {
    const attacker = await startSignIn();
    const back = await authorize(attacker, newIdentity());

    const res = await callback(back, { ip: randomIp() });

    expectRedirectError(res, 'oauth_state');
  });

  it('should refuse when the PKCE verifier does not match the challenge (the provider refuses the code)', async () => {
    const browser = await startSignIn();
    const back = await authorize(browser, newIdentity());
    const key = `oauth:state:${back.searchParams.get('state')}`;
    const saved = await env.KV.get<Record<string, string>>(key, 'json');
    await env.KV.put(key, JSON.stringify({ ...saved, codeVerifier: 'a'.repeat(43) }));

    expectRedirectError(await callback(back, browser), 'oauth_failed');
    expect(await auditReasons(browser.ip)).toEqual([
      expect.objectContaining({ outcome: 'failure', details: { provider: 'linkedin', reason: 'token_refused' } }),
    ]);
  });

  it.each([
    ['a nonce from another sign-in', { claims: { nonce: 'not-the-nonce-we-sent' } }, 'id_token_nonce'],
    ['another audience', { claims: { aud: 'some-other-client' } }, 'id_token_aud'],
    ['another issuer', { claims: { iss: 'https://evil.example' } }, 'id_token_iss'],
    ['an expiry in the past', { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } }, 'id_token_exp'],
    ['a signature from a key not in the JWKS', { forgeSignature: true }, 'err_jws_signature_verification_failed'],
  ])('should refuse an ID token with %s', async (_, bend: Partial<FakeIdentity>, reason) => {
    const identity = newIdentity(bend);
    const browser = await startSignIn();

    expectRedirectError(await callback(await authorize(browser, identity), browser), 'oauth_failed');
    expect(await linkedUserId(identity.sub)).toBeNull();
    expect(await auditReasons(browser.ip)).toEqual([
      expect.objectContaining({ outcome: 'failure', details: { provider: 'linkedin', reason } }),
    ]);
  });

  it('should report a sign-in cancelled at the provider', async () => {
    const browser = await startSignIn();

    const res = await callback(await authorize(browser, newIdentity({ deny: true })), browser);

    expectRedirectError(res, 'oauth_denied');
  });

  it('should refuse to sign into a deactivated account', async () => {
    const identity = newIdentity();
    const user = await userOfRefreshCookie(await signInAs(identity));
    await env.DB.prepare("UPDATE users SET status = 'deactivated' WHERE id = ?").bind(user.id).run();

    const res = await signInAs(identity);

    expectRedirectError(res, 'account_deactivated');
  });
});

describe('POST /api/auth/oauth/{provider}/link', () => {
  async function startLink(accessToken: string, ip = randomIp()): Promise<Browser> {
    const res = await call('/api/auth/oauth/linkedin/link', { method: 'POST', token: accessToken, ip });
    expect(res.status).toBe(200);
    const { url } = await res.json<{ url: string }>();
    return { ip, stateCookie: cookiePair(res, 'hearth_oauth_state'), authorizeUrl: new URL(url) };
  }

  it('should link the identity to the signed-in user, whose account later sign-ins reach', async () => {
    const user = await registerUser();
    const identity = newIdentity();
    const browser = await startLink(user.accessToken);

    const res = await callback(await authorize(browser, identity), browser);

    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${APP_URL}/?linked=linkedin`);
    expect(setCookie(res, 'hearth_refresh')).toBeUndefined();
    expect(await linkedUserId(identity.sub)).toBe(user.id);
    expect(await auditReasons(browser.ip, 'auth.oauth_link')).toEqual([
      { outcome: 'success', target_id: user.id, details: { provider: 'linkedin' } },
    ]);
    expect((await userOfRefreshCookie(await signInAs(identity))).id).toBe(user.id);
  });

  it('should refuse to move an identity already linked to another account', async () => {
    const identity = newIdentity();
    const owner = await userOfRefreshCookie(await signInAs(identity));
    const other = await registerUser();
    const browser = await startLink(other.accessToken);

    const res = await callback(await authorize(browser, identity), browser);

    expectRedirectError(res, 'oauth_identity_in_use', '/');
    expect(await linkedUserId(identity.sub)).toBe(owner.id);
  });

  it('should not link once the session that started it has ended', async () => {
    const user = await registerUser();
    const identity = newIdentity();
    const browser = await startLink(user.accessToken);
    const back = await authorize(browser, identity);
    expect((await call('/api/auth/logout-all', { method: 'POST', token: user.accessToken })).status).toBe(204);

    expectRedirectError(await callback(back, browser), 'oauth_session_ended', '/');
    expect(await linkedUserId(identity.sub)).toBeNull();
  });

  it('should require a signed-in user', async () => {
    await expectProblem(await call('/api/auth/oauth/linkedin/link', { method: 'POST' }), 401, 'unauthorized');
  });

  it('should answer 404 not_found for a provider that is not configured', async () => {
    const user = await registerUser();

    const res = await call('/api/auth/oauth/myspace/link', { method: 'POST', token: user.accessToken });

    await expectProblem(res, 404, 'not_found');
  });
});

describe('resolveEndpoints', () => {
  it('should read the endpoints from the discovery document', async () => {
    expect(await resolveEndpoints(LINKEDIN)).toEqual({
      authorizationEndpoint: `${LINKEDIN.issuer}/authorize`,
      tokenEndpoint: `${LINKEDIN.issuer}/token`,
      jwksUri: `${LINKEDIN.issuer}/jwks`,
    });
  });

  it('should use configured endpoints without asking the issuer', async () => {
    const pinned = {
      ...LINKEDIN,
      issuer: 'https://issuer.invalid',
      authorizationEndpoint: 'https://issuer.invalid/a',
      tokenEndpoint: 'https://issuer.invalid/t',
      jwksUri: 'https://issuer.invalid/k',
    };

    expect(await resolveEndpoints(pinned)).toEqual({
      authorizationEndpoint: 'https://issuer.invalid/a',
      tokenEndpoint: 'https://issuer.invalid/t',
      jwksUri: 'https://issuer.invalid/k',
    });
  });

  it('should fail when the issuer serves no discovery document', async () => {
    await expect(resolveEndpoints({ ...LINKEDIN, issuer: `${LINKEDIN.issuer}/nowhere` })).rejects.toMatchObject({
      name: 'OidcError',
      reason: 'discovery_refused',
    });
  });

  it('should refuse a discovery document that names another issuer', async () => {
    await expect(resolveEndpoints({ ...LINKEDIN, issuer: `${LINKEDIN.issuer}/mix-up` })).rejects.toMatchObject({
      name: 'OidcError',
      reason: 'discovery_issuer_mismatch',
    });
  });
});

describe('configured providers', () => {
  it('should be listed by GET /api/meta with id and name only', async () => {
    const res = await call('/api/meta');

    expect((await res.json<{ providers: unknown }>()).providers).toEqual([{ id: 'linkedin', name: 'LinkedIn' }]);
  });

  it('should appear in the OpenAPI document', async () => {
    const doc = await (await exports.default.fetch(`${ORIGIN}/api/openapi.json`)).json<{ paths: object }>();

    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/oauth/{provider}',
        '/api/auth/oauth/{provider}/callback',
        '/api/auth/oauth/{provider}/link',
        '/api/auth/otp/request',
        '/api/auth/otp/verify',
      ]),
    );
  });

  it('should read each client secret from OIDC_<ID>_CLIENT_SECRET', () => {
    const oidc = readOidcProviders({
      ...env,
      OIDC_PROVIDERS: JSON.stringify([{ id: 'acme-id', name: 'Acme', issuer: 'https://id.acme.test/', clientId: 'c' }]),
      OIDC_ACME_ID_CLIENT_SECRET: ' s3cret ',
    } as typeof env);

    expect(clientSecretName('acme-id')).toBe('OIDC_ACME_ID_CLIENT_SECRET');
    expect(oidc).toEqual({
      error: null,
      providers: [
        {
          id: 'acme-id',
          name: 'Acme',
          issuer: 'https://id.acme.test',
          clientId: 'c',
          clientSecret: 's3cret',
          scopes: ['openid', 'profile', 'email'],
        },
      ],
    });
  });

  it.each([
    ['not JSON', '[{', /not valid JSON/],
    [
      'without openid in the scopes',
      [{ id: 'x', name: 'X', issuer: 'https://x.test', clientId: 'c', scopes: ['email'] }],
      /openid/,
    ],
    [
      'with an unknown field',
      [{ id: 'x', name: 'X', issuer: 'https://x.test', clientId: 'c', secret: 's' }],
      /not valid/,
    ],
    [
      'with a duplicate id',
      [1, 2].map(() => ({ id: 'x', name: 'X', issuer: 'https://x.test', clientId: 'c' })),
      /duplicate/,
    ],
  ])('should report OIDC_PROVIDERS %s and offer no providers', (_, value, message) => {
    const oidc = readOidcProviders({
      ...env,
      OIDC_PROVIDERS: typeof value === 'string' ? value : JSON.stringify(value),
    });

    expect(oidc.providers).toEqual([]);
    expect(oidc.error).toMatch(message);
  });

  it('should keep production from serving while a client secret is missing', () => {
    const production = {
      ...env,
      ENVIRONMENT: 'production',
      APP_URL: 'https://hearth.example',
      OIDC_LINKEDIN_CLIENT_SECRET: undefined,
    } as typeof env;

    expect(configProblems(readConfig(production))).toContain(
      'OIDC_LINKEDIN_CLIENT_SECRET is not set (wrangler secret put OIDC_LINKEDIN_CLIENT_SECRET)',
    );
  });
});
