import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import { createLocalJWKSet, type JSONWebKeySet, errors as joseErrors, jwtVerify } from 'jose';
import { constantTimeEqualStrings } from '../../lib/crypto';
import type { OidcProvider } from './oidc.config';

/**
 * The OpenID Connect authorization code flow with PKCE, as a relying party.
 * Plain `fetch` to the provider; nothing here knows about Hono or the database.
 */

/** Signature algorithms accepted on ID tokens: asymmetric only, so `none` and HMAC-with-the-public-key never pass. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 60;
const PROVIDER_TIMEOUT_MS = 10_000;

/** Why a sign-in with the provider failed; it becomes the audit reason, never a message to the user. */
export class OidcError extends Error {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OidcError';
    this.reason = reason;
  }
}

export interface OidcEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

/** What Hearth takes from a verified ID token. */
export interface OidcIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

async function fetchJson(url: string, init: RequestInit, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { Accept: 'application/json', ...init.headers },
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    });
  } catch (error) {
    throw new OidcError('provider_unreachable', `${what}: ${url} did not answer`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new OidcError(`${what}_refused`, `${what}: ${url} answered ${response.status} ${text.slice(0, 200)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OidcError(`${what}_invalid`, `${what}: ${url} did not answer JSON`, { cause: error });
  }
}

function stringField(value: unknown, field: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found = (value as Record<string, unknown>)[field];
  return typeof found === 'string' && found.length > 0 ? found : undefined;
}

/**
 * The provider's endpoints: from configuration when all three are given,
 * otherwise from its discovery document, whose `issuer` must be exactly the
 * configured one (OpenID Connect Discovery §4.3), so a document served for
 * another issuer is never trusted.
 */
export async function resolveEndpoints(provider: OidcProvider): Promise<OidcEndpoints> {
  const { authorizationEndpoint, tokenEndpoint, jwksUri } = provider;
  if (authorizationEndpoint && tokenEndpoint && jwksUri) return { authorizationEndpoint, tokenEndpoint, jwksUri };
  const document = await fetchJson(`${provider.issuer}/.well-known/openid-configuration`, {}, 'discovery');
  if (stringField(document, 'issuer') !== provider.issuer) {
    throw new OidcError('discovery_issuer_mismatch', `discovery names issuer ${stringField(document, 'issuer')}`);
  }
  const resolved = {
    authorizationEndpoint: authorizationEndpoint ?? stringField(document, 'authorization_endpoint'),
    tokenEndpoint: tokenEndpoint ?? stringField(document, 'token_endpoint'),
    jwksUri: jwksUri ?? stringField(document, 'jwks_uri'),
  };
  if (!resolved.authorizationEndpoint || !resolved.tokenEndpoint || !resolved.jwksUri) {
    throw new OidcError('discovery_invalid', 'discovery lacks an authorization, token or JWKS endpoint');
  }
  return resolved as OidcEndpoints;
}

/** The PKCE S256 challenge for a verifier (RFC 7636 §4.2). */
export function pkceChallenge(verifier: string): string {
  return encodeBase64urlNoPadding(sha256(new TextEncoder().encode(verifier)));
}

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Where to send the browser to sign in at the provider. */
export function authorizationUrl(provider: OidcProvider, endpoints: OidcEndpoints, request: AuthorizationRequest) {
  const url = new URL(endpoints.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', request.state);
  url.searchParams.set('nonce', request.nonce);
  url.searchParams.set('code_challenge', pkceChallenge(request.codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/** Trades the authorization code for tokens (client_secret_post) and returns the ID token. */
export async function exchangeCode(
  provider: OidcProvider,
  endpoints: OidcEndpoints,
  grant: { code: string; redirectUri: string; codeVerifier: string },
): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
    client_id: provider.clientId,
    code_verifier: grant.codeVerifier,
  });
  if (provider.clientSecret) form.set('client_secret', provider.clientSecret);
  const tokens = await fetchJson(
    endpoints.tokenEndpoint,
    { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form },
    'token',
  );
  const idToken = stringField(tokens, 'id_token');
  if (!idToken) throw new OidcError('token_invalid', 'the token response has no id_token');
  return idToken;
}

/**
 * Verifies an ID token (OpenID Connect Core §3.1.3.7): signature against the
 * provider's JWKS with an allow-listed algorithm, issuer, audience (and `azp`
 * when there are several), expiry, and the nonce this sign-in sent.
 */
export async function verifyIdToken(
  provider: OidcProvider,
  endpoints: OidcEndpoints,
  idToken: string,
  nonce: string,
): Promise<OidcIdentity> {
  const jwks = (await fetchJson(endpoints.jwksUri, {}, 'jwks')) as JSONWebKeySet;
  let payload: Record<string, unknown>;
  try {
    const keys = createLocalJWKSet(jwks);
    ({ payload } = await jwtVerify(idToken, keys, {
      issuer: provider.issuer,
      audience: provider.clientId,
      algorithms: ID_TOKEN_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (error) {
    const reason =
      error instanceof joseErrors.JWTClaimValidationFailed || error instanceof joseErrors.JWTExpired
        ? `id_token_${error.claim}`
        : error instanceof joseErrors.JOSEError
          ? error.code.toLowerCase()
          : 'id_token_invalid';
    throw new OidcError(reason, `ID token refused: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== provider.clientId) {
    throw new OidcError('id_token_azp', 'ID token has several audiences and another authorized party');
  }
  if (typeof payload.nonce !== 'string' || !constantTimeEqualStrings(payload.nonce, nonce)) {
    throw new OidcError('id_token_nonce', 'ID token nonce does not match this sign-in');
  }
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255) {
    throw new OidcError('id_token_sub', 'ID token subject is missing or too long');
  }
  const email = typeof payload.email === 'string' && payload.email.length <= 254 ? payload.email : null;
  const name = typeof payload.name === 'string' ? payload.name.trim().slice(0, 100) || null : null;
  return {
    subject,
    email,
    // Some providers send the boolean as a string.
    emailVerified: email !== null && (payload.email_verified === true || payload.email_verified === 'true'),
    name,
  };
}
