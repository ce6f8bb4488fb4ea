import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import { createLocalJWKSet, type JSONWebKeySet, errors as joseErrors, jwtVerify } from 'jose';
import { constantTimeEqualStrings } from '../../lib/crypto';
import { truncate } from '../../lib/text';
import type { OidcProvider } from './oidc.config';

/**
 * The OpenID Connect authorization code flow with PKCE, as a relying party.
 * Plain `fetch` to the provider; nothing here knows about Hono or the database.
 */

/** Signature algorithms accepted on ID tokens: asymmetric only, so `none` and HMAC-with-the-public-key never pass. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 60;
const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * Why a sign-in with the provider failed; the reason becomes the audit reason and the log line, never a
 * message to the user. `unreachable` tells "the provider did not answer (or answered 5xx)" apart from an
 * answer that could not be trusted, which the user is told differently.
 */
export class OidcError extends Error {
  readonly reason: string;
  readonly unreachable: boolean;

  constructor(reason: string, message: string, options?: { cause?: unknown; unreachable?: boolean }) {
    super(message, options);
    this.name = 'OidcError';
    this.reason = reason;
    this.unreachable = options?.unreachable ?? false;
  }
}

export interface OidcEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Absent when the provider publishes none. */
  userinfoEndpoint?: string;
}

/** What Hearth takes from a verified ID token, completed from the userinfo endpoint (`completeIdentity`). */
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
    throw new OidcError('provider_unreachable', `${what}: ${url} did not answer`, { cause: error, unreachable: true });
  }
  const text = await response.text();
  if (!response.ok) {
    const down = response.status >= 500;
    throw new OidcError(
      `${what}_${down ? 'unavailable' : 'refused'}`,
      `${what}: ${url} answered ${response.status} ${text.slice(0, 200)}`,
      { unreachable: down },
    );
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

/** Where an issuer's discovery document is (OpenID Connect Discovery §4.1): any trailing `/` removed first. */
function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * The provider's endpoints: from configuration when all three are given,
 * otherwise from its discovery document, whose `issuer` must be exactly the
 * configured one, trailing slash included (OpenID Connect Discovery §4.3), so
 * a document served for another issuer is never trusted.
 */
export async function resolveEndpoints(provider: OidcProvider): Promise<OidcEndpoints> {
  const { authorizationEndpoint, tokenEndpoint, jwksUri, userinfoEndpoint } = provider;
  if (authorizationEndpoint && tokenEndpoint && jwksUri) {
    return { authorizationEndpoint, tokenEndpoint, jwksUri, ...(userinfoEndpoint ? { userinfoEndpoint } : {}) };
  }
  const document = await fetchJson(discoveryUrl(provider.issuer), {}, 'discovery');
  if (stringField(document, 'issuer') !== provider.issuer) {
    throw new OidcError(
      'discovery_issuer_mismatch',
      `discovery names issuer ${stringField(document, 'issuer')}, configured is ${provider.issuer}`,
    );
  }
  const discoveredUserinfo = userinfoEndpoint ?? stringField(document, 'userinfo_endpoint');
  const resolved = {
    authorizationEndpoint: authorizationEndpoint ?? stringField(document, 'authorization_endpoint'),
    tokenEndpoint: tokenEndpoint ?? stringField(document, 'token_endpoint'),
    jwksUri: jwksUri ?? stringField(document, 'jwks_uri'),
    ...(discoveredUserinfo ? { userinfoEndpoint: discoveredUserinfo } : {}),
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

export interface OidcTokens {
  idToken: string;
  /** For the userinfo endpoint; absent when the provider sends none. */
  accessToken?: string;
}

/** Trades the authorization code for tokens (client_secret_post). */
export async function exchangeCode(
  provider: OidcProvider,
  endpoints: OidcEndpoints,
  grant: { code: string; redirectUri: string; codeVerifier: string },
): Promise<OidcTokens> {
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
  const accessToken = stringField(tokens, 'access_token');
  return accessToken ? { idToken, accessToken } : { idToken };
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
  return { subject, ...profileClaims(payload) };
}

/**
 * Email and name from ID token or userinfo claims. An email counts as verified
 * only when `email_verified` is the boolean `true` (OIDC Core §5.1): a string,
 * or no claim at all, is not the provider vouching for it.
 */
function profileClaims(claims: Record<string, unknown>): Omit<OidcIdentity, 'subject'> {
  const email = typeof claims.email === 'string' && claims.email.length <= 254 ? claims.email : null;
  const fullName =
    typeof claims.name === 'string'
      ? claims.name
      : [claims.given_name, claims.family_name].filter((part) => typeof part === 'string').join(' ');
  return {
    email,
    emailVerified: email !== null && claims.email_verified === true,
    name: truncate(fullName.trim(), 100) || null,
  };
}

/**
 * Fills what the ID token left out from the userinfo endpoint (OIDC Core §5.3).
 * A conforming provider puts only the protocol claims in the ID token when it
 * also issues an access token (§5.4), so without this call accounts would be
 * created with no email and no name. The answer's `sub` must be the ID
 * token's (§5.3.2): otherwise it may describe someone else, and the sign-in is
 * refused. Claims the ID token carried are kept; the email and its
 * `email_verified` always come from the same source.
 */
export async function completeIdentity(
  provider: OidcProvider,
  endpoints: OidcEndpoints,
  identity: OidcIdentity,
  accessToken: string | undefined,
): Promise<OidcIdentity> {
  const wantsEmail = identity.email === null && provider.scopes.includes('email');
  const wantsName = identity.name === null && provider.scopes.includes('profile');
  if (!(wantsEmail || wantsName) || !endpoints.userinfoEndpoint || !accessToken) return identity;
  const claims = await fetchJson(
    endpoints.userinfoEndpoint,
    { headers: { Authorization: `Bearer ${accessToken}` } },
    'userinfo',
  );
  if (typeof claims !== 'object' || claims === null)
    throw new OidcError('userinfo_invalid', 'userinfo is not an object');
  const sub = stringField(claims, 'sub');
  if (sub !== identity.subject) {
    throw new OidcError('userinfo_sub_mismatch', 'userinfo describes another subject than the ID token');
  }
  const profile = profileClaims(claims as Record<string, unknown>);
  return {
    subject: identity.subject,
    ...(identity.email === null
      ? { email: profile.email, emailVerified: profile.emailVerified }
      : { email: identity.email, emailVerified: identity.emailVerified }),
    name: identity.name ?? profile.name,
  };
}
