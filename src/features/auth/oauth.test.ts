import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, inject, it, vi } from 'vitest';
import { type FakeIdentity, loginHint } from '../../../test/fake-oidc';
import type { PanvaOidc } from '../../../test/oidc-provider/provided';
import type { PanvaIdentity } from '../../../test/oidc-provider/server';
import { call, expectProblem, ORIGIN, randomIp, registerUser, uniqueEmail } from '../../../test/worker/helpers';
import { createApp } from '../../app';
import { configProblems, readConfig } from '../../lib/config';
import { clientSecretName, readOidcProviders } from './oidc.config';
import { pkceChallenge, resolveEndpoints } from './oidc.service';

const APP_URL = env.APP_URL;
const CALLBACK = `${APP_URL}/api/auth/oauth/linkedin/callback`;
const [LINKEDIN] = readConfig(env).oidc.providers;
if (!LINKEDIN) throw new Error('vitest.config.ts configures the fake provider as "linkedin"');

/** panva's oidc-provider, started by test/oidc-provider/global-setup.ts; its issuer ends in a slash. */
const PANVA: PanvaOidc = inject('panvaOidc');

/**
 * The configured providers plus some that only these tests sign in with (configuration is read per request,
 * so a request served with this env sees them): the certified provider, and ones that fail in known ways.
 */
const MORE_PROVIDERS_ENV = {
  ...env,
  OIDC_PROVIDERS: JSON.stringify([
    ...JSON.parse(env.OIDC_PROVIDERS ?? '[]'),
    { id: 'panva', name: 'Panva', issuer: PANVA.issuer, clientId: PANVA.clientId },
    // Answers 503 for discovery.
    { id: 'down', name: 'Down', issuer: `${LINKEDIN.issuer}/down`, clientId: LINKEDIN.clientId },
    // Nothing listens there.
    { id: 'nowhere', name: 'Nowhere', issuer: 'http://127.0.0.1:9', clientId: LINKEDIN.clientId },
    // Its discovery document names another issuer.
    { id: 'mixup', name: 'Mix-up', issuer: `${LINKEDIN.issuer}/mix-up`, clientId: LINKEDIN.clientId },
    // The fake provider, except that its token endpoint does not answer.
    {
      id: 'notoken',
      name: 'No token',
      issuer: LINKEDIN.issuer,
      clientId: LINKEDIN.clientId,
      authorizationEndpoint: `${LINKEDIN.issuer}/authorize`,
      tokenEndpoint: 'http://127.0.0.1:9/token',
      jwksUri: `${LINKEDIN.issuer}/jwks`,
    },
  ]),
  OIDC_PANVA_CLIENT_SECRET: PANVA.clientSecret,
  OIDC_NOTOKEN_CLIENT_SECRET: 'unused',
};
const app = createApp();

/** What a browser's address-bar navigation asks for. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

interface NavigateOptions {
  ip?: string;
  cookie?: string;
  origin?: string;
  accept?: string;
  /** Serve the request with `MORE_PROVIDERS_ENV`. */
  moreProviders?: boolean;
}

/** A browser navigation to the worker: redirects are the answer under test, so they are not followed. */
async function navigate(path: string, options: NavigateOptions = {}) {
  const init: RequestInit = {
    redirect: 'manual',
    headers: {
      'cf-connecting-ip': options.ip ?? randomIp(),
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.accept ? { accept: options.accept } : {}),
    },
  };
  const url = `${options.origin ?? ORIGIN}${path}`;
  if (!options.moreProviders) return exports.default.fetch(url, init);
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, init), MORE_PROVIDERS_ENV, ctx);
  await waitOnExecutionContext(ctx);
  return res;
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

  it.each([
    ['answers 503', 'down', 'discovery_unavailable'],
    ['does not answer at all', 'nowhere', 'provider_unreachable'],
  ])('should send a browser back to sign-in when the provider %s, and log why', async (_, id, reason) => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});

    const res = await navigate(`/api/auth/oauth/${id}`, { moreProviders: true, accept: BROWSER_ACCEPT });

    expect({ status: res.status, location: res.headers.get('location') }).toEqual({
      status: 302,
      location: `${APP_URL}/sign-in?error=oauth_unreachable`,
    });
    expect(setCookie(res, 'hearth_oauth_state')).toBeUndefined();
    expect(errors.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual(
      expect.objectContaining({ event: 'oauth_start_failed', provider: id, reason, unreachable: true }),
    );
    errors.mockRestore();
  });

  it('should send a browser back to sign-in when discovery names another issuer, and log why', async () => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});

    const res = await navigate('/api/auth/oauth/mixup', { moreProviders: true, accept: BROWSER_ACCEPT });

    expect(res.headers.get('location')).toBe(`${APP_URL}/sign-in?error=oauth_unavailable`);
    expect(warnings.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual(
      expect.objectContaining({ event: 'oauth_start_failed', provider: 'mixup', reason: 'discovery_issuer_mismatch' }),
    );
    warnings.mockRestore();
  });

  it('should answer an API client that cannot start a sign-in with 503 unavailable', async () => {
    vi.spyOn(console, 'error').mockImplementationOnce(() => {});

    await expectProblem(await navigate('/api/auth/oauth/down', { moreProviders: true }), 503, 'unavailable');
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

  it('should read email and name from the userinfo endpoint when the ID token has only the protocol claims', async () => {
    const identity = newIdentity({ profileInUserinfoOnly: true });

    const user = await userOfRefreshCookie(await signInAs(identity));

    expect(user).toMatchObject({ email: identity.email, emailVerified: true, name: 'Grace Hopper' });
  });

  it('should refuse a userinfo answer about another subject than the ID token', async () => {
    const identity = newIdentity({ profileInUserinfoOnly: true, userinfo: { sub: 'someone-else' } });
    const browser = await startSignIn();

    expectRedirectError(await callback(await authorize(browser, identity), browser), 'oauth_failed');
    expect(await linkedUserId(identity.sub)).toBeNull();
    expect(await auditReasons(browser.ip)).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        details: { provider: 'linkedin', reason: 'userinfo_sub_mismatch' },
      }),
    ]);
  });

  it('should trust an email as verified only when email_verified is the boolean true', async () => {
    const identity = newIdentity({ claims: { email_verified: 'true' } });

    const user = await userOfRefreshCookie(await signInAs(identity));

    expect(user).toMatchObject({ email: null, emailVerified: false });
  });

  it('should fill a missing name and email on a later sign-in, and never overwrite what the user changed', async () => {
    const identity = newIdentity({ email: undefined, email_verified: undefined, name: undefined });
    const first = await userOfRefreshCookie(await signInAs(identity));
    expect(first).toMatchObject({ email: null, name: null });
    const email = uniqueEmail('later');

    const second = await userOfRefreshCookie(
      await signInAs({ ...identity, email, email_verified: true, name: 'Grace Hopper', profileInUserinfoOnly: true }),
    );

    expect(second).toMatchObject({ id: first.id, email, emailVerified: true, name: 'Grace Hopper' });
    await env.DB.prepare("UPDATE users SET name = 'Amazing Grace' WHERE id = ?").bind(first.id).run();
    const third = await userOfRefreshCookie(
      await signInAs({ ...identity, email: uniqueEmail('changed'), email_verified: true, name: 'G. Hopper' }),
    );
    expect(third).toMatchObject({ id: first.id, email, name: 'Amazing Grace' });
  });

  it('should not fill in an email that another account holds, nor one the provider has not verified', async () => {
    const identity = newIdentity({ email: undefined, email_verified: undefined });
    const user = await userOfRefreshCookie(await signInAs(identity));
    const other = await registerUser();

    const taken = await signInAs({ ...identity, email: other.email, email_verified: true });
    const unverified = await signInAs({ ...identity, email: uniqueEmail('unverified'), email_verified: false });

    expect(await userOfRefreshCookie(taken)).toMatchObject({ id: user.id, email: null });
    expect(await userOfRefreshCookie(unverified)).toMatchObject({ id: user.id, email: null });
  });

  it('should not end the sign-in in progress when a callback with another state arrives', async () => {
    const browser = await startSignIn();
    const back = await authorize(browser, newIdentity());
    const attacker = await startSignIn();
    const forged = await authorize(attacker, newIdentity());

    const refused = await callback(forged, browser);

    expectRedirectError(refused, 'oauth_state');
    expect(setCookie(refused, 'hearth_oauth_state')).toBeUndefined();
    const res = await callback(back, browser);
    expect(res.headers.get('location')).toBe(`${APP_URL}/`);
    expect(setCookie(res, 'hearth_refresh')).toBeDefined();
  });

  it('should tell a provider that could not be reached apart from one that could not confirm who you are', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const ip = randomIp();
    const started = await navigate('/api/auth/oauth/notoken', { ip, moreProviders: true, accept: BROWSER_ACCEPT });
    const browser = {
      ip,
      stateCookie: cookiePair(started, 'hearth_oauth_state'),
      authorizeUrl: new URL(started.headers.get('location') ?? ''),
    };
    const back = await authorize(browser, newIdentity());

    const res = await navigate(`/api/auth/oauth/notoken/callback${back.search}`, {
      ip,
      cookie: browser.stateCookie,
      moreProviders: true,
    });

    expectRedirectError(res, 'oauth_unreachable');
    expect(errors.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual(
      expect.objectContaining({ event: 'oauth_failed', provider: 'notoken', reason: 'provider_unreachable' }),
    );
    // The ID token tests above: a provider that answered but could not be trusted is `oauth_failed`.
    errors.mockRestore();
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
      userinfoEndpoint: `${LINKEDIN.issuer}/userinfo`,
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

  it('should find an issuer named with a trailing slash, and compare it exactly', async () => {
    const slashed = { ...LINKEDIN, issuer: `${LINKEDIN.issuer}/slash/` };

    expect(await resolveEndpoints(slashed)).toMatchObject({ authorizationEndpoint: `${LINKEDIN.issuer}/authorize` });
    await expect(resolveEndpoints({ ...LINKEDIN, issuer: `${LINKEDIN.issuer}/slash` })).rejects.toMatchObject({
      reason: 'discovery_issuer_mismatch',
    });
    await expect(resolveEndpoints({ ...LINKEDIN, issuer: `${LINKEDIN.issuer}/` })).rejects.toMatchObject({
      reason: 'discovery_issuer_mismatch',
    });
  });

  it('should read the userinfo endpoint from discovery', async () => {
    expect((await resolveEndpoints(LINKEDIN)).userinfoEndpoint).toBe(`${LINKEDIN.issuer}/userinfo`);
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
          issuer: 'https://id.acme.test/',
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

describe('signing in at a certified provider (panva oidc-provider)', () => {
  /** The cookies a browser keeps for the provider; paths are not told apart, which the provider does not mind. */
  class CookieJar {
    readonly #cookies = new Map<string, string>();

    store(res: Response) {
      for (const cookie of res.headers.getSetCookie()) {
        const [pair = '', ...attributes] = cookie.split(';');
        const at = pair.indexOf('=');
        const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
        const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
        if (expired) this.#cookies.delete(name);
        else this.#cookies.set(name, value);
      }
    }

    header(): string {
      return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
  }

  /** Plays the browser at the provider, redirect by redirect, until it sends the browser back to Hearth. */
  async function signInAtPanva(authorizeUrl: URL, identity: PanvaIdentity): Promise<URL> {
    const jar = new CookieJar();
    let url = new URL(authorizeUrl);
    url.searchParams.set('login_hint', btoa(JSON.stringify(identity)).replaceAll('+', '-').replaceAll('/', '_'));
    for (let hop = 0; hop < 6; hop++) {
      const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(), accept: BROWSER_ACCEPT } });
      jar.store(res);
      await res.body?.cancel();
      expect([302, 303]).toContain(res.status);
      url = new URL(res.headers.get('location') ?? '', url);
      if (url.origin === new URL(APP_URL).origin) return url;
    }
    throw new Error('the provider never sent the browser back');
  }

  async function startPanva(ip = randomIp()) {
    const res = await navigate('/api/auth/oauth/panva', { ip, moreProviders: true, accept: BROWSER_ACCEPT });
    expect(res.status).toBe(302);
    const authorizeUrl = new URL(res.headers.get('location') ?? '');
    return { ip, stateCookie: cookiePair(res, 'hearth_oauth_state'), authorizeUrl };
  }

  const panvaCallback = (back: URL, browser: { ip: string; stateCookie: string }) => {
    expect(back.origin + back.pathname).toBe(`${APP_URL}/api/auth/oauth/panva/callback`);
    return navigate(back.pathname + back.search, { ip: browser.ip, cookie: browser.stateCookie, moreProviders: true });
  };

  it('should sign in with the email and name the provider serves from userinfo, at an issuer ending in /', async () => {
    expect(PANVA.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const identity = { sub: `panva-${crypto.randomUUID()}`, email: uniqueEmail('panva'), email_verified: true };
    const browser = await startPanva();
    expect(browser.authorizeUrl.origin).toBe(new URL(PANVA.issuer).origin);

    const back = await signInAtPanva(browser.authorizeUrl, { ...identity, name: 'Ada Lovelace' });
    expect(back.searchParams.get('iss')).toBe(PANVA.issuer);
    const res = await panvaCallback(back, browser);

    expect(res.headers.get('location')).toBe(`${APP_URL}/`);
    const user = await userOfRefreshCookie(res);
    expect(user).toMatchObject({ email: identity.email, emailVerified: true, name: 'Ada Lovelace' });
    const linked = await env.DB.prepare("SELECT user_id FROM oauth_accounts WHERE provider = 'panva' AND subject = ?")
      .bind(identity.sub)
      .first<string>('user_id');
    expect(linked).toBe(user.id);
  });

  it('should fill in the name the provider later has, on the next sign-in', async () => {
    const identity = { sub: `panva-${crypto.randomUUID()}`, email: uniqueEmail('panva'), email_verified: true };
    const first = await startPanva();
    const user = await userOfRefreshCookie(
      await panvaCallback(await signInAtPanva(first.authorizeUrl, identity), first),
    );
    expect(user.name).toBeNull();

    const again = await startPanva();
    const res = await panvaCallback(await signInAtPanva(again.authorizeUrl, { ...identity, name: 'Ada King' }), again);

    expect(await userOfRefreshCookie(res)).toMatchObject({ id: user.id, name: 'Ada King', email: identity.email });
  });

  it('should report a sign-in cancelled at the provider', async () => {
    const browser = await startPanva();

    const back = await signInAtPanva(browser.authorizeUrl, { sub: 'panva-cancel', deny: true });

    expectRedirectError(await panvaCallback(back, browser), 'oauth_denied');
  });
});
