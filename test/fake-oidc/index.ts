/**
 * A small OpenID Connect provider for the tests: discovery, /authorize,
 * /token, /jwks and /userinfo, with PKCE (S256), client_secret_post and ES256
 * ID tokens.
 *
 * It runs as an auxiliary worker next to the worker under test (see
 * vitest.config.ts), which routes its outbound `fetch` here, so Hearth's OIDC
 * code calls plain `fetch` exactly as in production. Requests for any other
 * host pass straight through.
 *
 * There is no login page: `/authorize` signs in whoever `login_hint` names
 * (a base64url JSON `FakeIdentity`) and redirects back at once, so a test can
 * play the browser with two fetches.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

interface FakeEnv {
  ISSUER: string;
  CLIENT_ID: string;
  CLIENT_SECRET: string;
}

/** Who signs in at the fake provider, and how a test wants the answer bent. */
export interface FakeIdentity {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** Claims that replace the honest ones in the ID token, e.g. `{ aud: 'someone-else' }`. */
  claims?: Record<string, unknown>;
  /** Sign the ID token with a key that is not in the JWKS. */
  forgeSignature?: boolean;
  /** Refuse at the provider, as when the person presses "Cancel". */
  deny?: boolean;
  /** Leave email and name out of the ID token (they are still served by /userinfo), as OIDC Core §5.4 does. */
  profileInUserinfoOnly?: boolean;
  /** Claims that replace the honest ones in the /userinfo answer, e.g. `{ sub: 'someone-else' }`. */
  userinfo?: Record<string, unknown>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string;
  identity: FakeIdentity;
  expiresAt: number;
}

// Test infrastructure, one isolate: module state is fine here, unlike in Hearth itself.
const codes = new Map<string, IssuedCode>();
const accessTokens = new Map<string, FakeIdentity>();
// Workers may not make random values at start-up, only while handling a request: keys are made on first use.
let signingKey: ReturnType<typeof generateKeyPair> | undefined;
let forgedKey: ReturnType<typeof generateKeyPair> | undefined;
const keys = () => {
  signingKey ??= generateKeyPair('ES256', { extractable: true });
  forgedKey ??= generateKeyPair('ES256');
  return { signingKey, forgedKey };
};
const KID = 'fake-oidc-es256';

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

function decodeIdentity(hint: string | null): FakeIdentity | null {
  if (!hint) return null;
  try {
    const json = atob(hint.replaceAll('-', '+').replaceAll('_', '/'));
    const identity = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (ch) => ch.charCodeAt(0))));
    return typeof identity?.sub === 'string' ? identity : null;
  } catch {
    return null;
  }
}

/** How a test names who signs in: the `login_hint` value for `identity`. */
export function loginHint(identity: FakeIdentity): string {
  return base64url(encoder.encode(JSON.stringify(identity)));
}

async function s256(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(verifier))));
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const tokenError = (error: string, description: string) => json({ error, error_description: description }, 400);

function discovery(env: FakeEnv, issuer = env.ISSUER): Response {
  return json({
    issuer,
    authorization_endpoint: `${env.ISSUER}/authorize`,
    token_endpoint: `${env.ISSUER}/token`,
    jwks_uri: `${env.ISSUER}/jwks`,
    userinfo_endpoint: `${env.ISSUER}/userinfo`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post'],
    scopes_supported: ['openid', 'profile', 'email'],
  });
}

function authorize(env: FakeEnv, url: URL): Response {
  const params = url.searchParams;
  const redirectUri = params.get('redirect_uri');
  const state = params.get('state');
  const nonce = params.get('nonce');
  const codeChallenge = params.get('code_challenge');
  const identity = decodeIdentity(params.get('login_hint'));
  const problems = [
    params.get('response_type') !== 'code' && 'response_type must be code',
    params.get('client_id') !== env.CLIENT_ID && 'unknown client_id',
    !redirectUri && 'redirect_uri is required',
    !state && 'state is required',
    !nonce && 'nonce is required',
    !codeChallenge && 'code_challenge is required',
    params.get('code_challenge_method') !== 'S256' && 'code_challenge_method must be S256',
    !params.get('scope')?.split(' ').includes('openid') && 'scope must include openid',
    !identity && 'login_hint must name a FakeIdentity',
  ].filter(Boolean);
  // Like a real provider, a request it cannot trust is not sent back to the client.
  if (problems.length > 0 || !redirectUri || !state || !nonce || !codeChallenge || !identity) {
    return new Response(problems.join('\n'), { status: 400 });
  }
  const back = new URL(redirectUri);
  back.searchParams.set('state', state);
  back.searchParams.set('iss', env.ISSUER);
  if (identity.deny) {
    back.searchParams.set('error', 'access_denied');
  } else {
    const code = base64url(crypto.getRandomValues(new Uint8Array(32)));
    codes.set(code, {
      clientId: env.CLIENT_ID,
      redirectUri,
      codeChallenge,
      nonce,
      identity,
      expiresAt: Date.now() + 60_000,
    });
    back.searchParams.set('code', code);
  }
  return Response.redirect(back.toString(), 302);
}

async function token(env: FakeEnv, request: Request): Promise<Response> {
  if (request.headers.get('content-type') !== 'application/x-www-form-urlencoded') {
    return tokenError('invalid_request', 'send a form');
  }
  // Decoded by hand: workerd warns when .text() reads a form body.
  const form = new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer()));
  if (form.get('client_id') !== env.CLIENT_ID || form.get('client_secret') !== env.CLIENT_SECRET) {
    return json({ error: 'invalid_client', error_description: 'client authentication failed' }, 401);
  }
  if (form.get('grant_type') !== 'authorization_code') return tokenError('unsupported_grant_type', 'code only');
  const code = form.get('code') ?? '';
  const issued = codes.get(code);
  codes.delete(code); // Single use, whatever happens next.
  if (!issued || issued.expiresAt < Date.now()) return tokenError('invalid_grant', 'unknown, used or expired code');
  if (form.get('redirect_uri') !== issued.redirectUri) return tokenError('invalid_grant', 'redirect_uri mismatch');
  const verifier = form.get('code_verifier');
  if (!verifier || (await s256(verifier)) !== issued.codeChallenge) {
    return tokenError('invalid_grant', 'PKCE verification failed');
  }
  const { identity } = issued;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: env.ISSUER,
    aud: issued.clientId,
    sub: identity.sub,
    iat: now,
    exp: now + 300,
    nonce: issued.nonce,
    ...(identity.profileInUserinfoOnly ? {} : profile(identity)),
    ...identity.claims,
  };
  const { signingKey, forgedKey } = keys();
  const key = (await (identity.forgeSignature ? forgedKey : signingKey)).privateKey;
  const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' }).sign(key);
  const accessToken = base64url(crypto.getRandomValues(new Uint8Array(24)));
  accessTokens.set(accessToken, identity);
  return json({
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: 3600,
    id_token: idToken,
  });
}

function profile(identity: FakeIdentity): Record<string, unknown> {
  return {
    ...(identity.email !== undefined ? { email: identity.email } : {}),
    ...(identity.email_verified !== undefined ? { email_verified: identity.email_verified } : {}),
    ...(identity.name !== undefined ? { name: identity.name } : {}),
  };
}

function userinfo(request: Request): Response {
  const identity = accessTokens.get(request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '');
  if (!identity) return json({ error: 'invalid_token' }, 401);
  return json({ sub: identity.sub, ...profile(identity), ...identity.userinfo });
}

async function jwks(): Promise<Response> {
  const publicJwk = await exportJWK((await keys().signingKey).publicKey);
  return json({ keys: [{ ...publicJwk, kid: KID, alg: 'ES256', use: 'sig' }] });
}

export default {
  async fetch(request: Request, env: FakeEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.origin !== new URL(env.ISSUER).origin) return fetch(request);
    const route = `${request.method} ${url.pathname}`;
    switch (route) {
      case 'GET /.well-known/openid-configuration':
      // Served at another issuer's address while naming this one, as a mix-up attack would.
      case 'GET /mix-up/.well-known/openid-configuration':
        return discovery(env);
      // An Auth0-style issuer, whose name ends in a slash; discovery is at the name without it.
      case 'GET /slash/.well-known/openid-configuration':
        return discovery(env, `${env.ISSUER}/slash/`);
      // A provider that is down.
      case 'GET /down/.well-known/openid-configuration':
        return new Response('upstream connect error', { status: 503 });
      case 'GET /authorize':
        return authorize(env, url);
      case 'POST /token':
        return token(env, request);
      case 'GET /jwks':
        return jwks();
      case 'GET /userinfo':
        return userinfo(request);
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
