import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../env';
import { clientInfo } from '../../lib/client';
import { constantTimeEqualStrings } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import { createRouter } from '../../lib/openapi';
import { enforceLimit } from '../../limiter';
import { currentUserId } from '../../middleware/auth';
import { audit } from '../audit/audit.service';
import { bootstrapAdmin } from '../users/admin-bootstrap';
import { authLimits, ipOrUnknown, limitKey } from './limits';
import { oauthCallback, startOAuthLink, startOAuthSignIn } from './oauth.routes';
import { completeOAuth, OAUTH_STATE_TTL_SECONDS, startOAuth, takeOAuthState } from './oauth.service';
import type { OidcProvider } from './oidc.config';
import {
  authorizationUrl,
  completeIdentity,
  exchangeCode,
  OidcError,
  resolveEndpoints,
  verifyIdToken,
} from './oidc.service';
import { signIn } from './sign-in';

/**
 * Ties a sign-in to the browser that started it. Without it, someone could
 * start a sign-in with their own account and trick another person's browser
 * into finishing it, signing that person in as them. SameSite=Lax, because
 * the provider sends the browser back with a cross-site top-level GET.
 */
const STATE_COOKIE = 'hearth_oauth_state';
const STATE_COOKIE_PATH = '/api/auth/oauth';

/** A browser's page navigation, as opposed to an API client asking for JSON. */
const acceptsHtml = (c: Context<AppEnv>) => (c.req.header('accept') ?? '').includes('text/html');

function providerOr404(c: Context<AppEnv>, id: string): OidcProvider {
  const provider = c.var.config.oidc.providers.find((candidate) => candidate.id === id);
  if (!provider) throw new AppError('not_found', `No sign-in provider called "${id}" is configured.`);
  return provider;
}

/** From configuration, never from the Host header: it must match what is registered at the provider. */
const redirectUri = (c: Context<AppEnv>, provider: OidcProvider) =>
  `${c.var.config.appUrl}/api/auth/oauth/${provider.id}/callback`;

/** One structured line naming why a provider step failed: the user is only told which kind of failure it was. */
function logOidcFailure(event: string, provider: OidcProvider, error: OidcError) {
  const line = JSON.stringify({
    event,
    provider: provider.id,
    reason: error.reason,
    unreachable: error.unreachable,
    detail: error.message,
  });
  if (error.unreachable) console.error(line);
  else console.warn(line);
}

/**
 * What the person is told (`?error=`) when the provider failed: it did not
 * answer, or (after the callback) it could not confirm who they are.
 */
const providerFailure = (error: OidcError, atCallback: boolean) =>
  error.unreachable ? 'oauth_unreachable' : atCallback ? 'oauth_failed' : 'oauth_unavailable';

/** The provider's endpoints, or a 503 whose cause is logged. */
async function endpointsOr503(provider: OidcProvider) {
  try {
    return await resolveEndpoints(provider);
  } catch (error) {
    if (!(error instanceof OidcError)) throw error;
    logOidcFailure('oauth_start_failed', provider, error);
    throw new AppError(
      'unavailable',
      error.unreachable
        ? `${provider.name} could not be reached right now. Please try again in a moment.`
        : `${provider.name} sign-in is not working right now.`,
      { cause: error },
    );
  }
}

async function authorizationUrlFor(
  c: Context<AppEnv>,
  provider: OidcProvider,
  link?: { userId: string; sessionId: string },
) {
  const endpoints = await endpointsOr503(provider);
  const started = await startOAuth(c.env.KV, provider, link);
  setCookie(c, STATE_COOKIE, started.state, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: STATE_COOKIE_PATH,
    maxAge: OAUTH_STATE_TTL_SECONDS,
  });
  return authorizationUrl(provider, endpoints, { ...started, redirectUri: redirectUri(c, provider) });
}

interface ProviderAnswer {
  code?: string;
  state?: string;
  error?: string;
  iss?: string;
}

/**
 * The provider's answer, checked: the state this browser started, then a
 * verified ID token, completed from userinfo.
 *
 * A callback whose state is not this browser's (a forged link, an old tab)
 * is refused without touching the state cookie or the stored state, so it
 * cannot end the sign-in this browser has in progress.
 */
async function verifiedSignIn(c: Context<AppEnv>, provider: OidcProvider, query: ProviderAnswer) {
  const browserState = getCookie(c, STATE_COOKIE);
  if (!query.state || !browserState || !constantTimeEqualStrings(browserState, query.state)) {
    return { ok: false, error: 'oauth_state', reason: 'state', state: null } as const;
  }
  deleteCookie(c, STATE_COOKIE, { path: STATE_COOKIE_PATH, secure: true, httpOnly: true, sameSite: 'Lax' });
  const state = await takeOAuthState(c.env.KV, query.state);
  if (!state || state.provider !== provider.id) {
    return { ok: false, error: 'oauth_state', reason: 'state', state: null } as const;
  }
  if (query.error)
    return { ok: false, error: 'oauth_denied', reason: `provider_${query.error}`.slice(0, 64), state } as const;
  if (!query.code) return { ok: false, error: 'oauth_failed', reason: 'no_code', state } as const;
  // RFC 9207: a response naming another issuer came from a different provider than this state was for.
  if (query.iss !== undefined && query.iss !== provider.issuer) {
    return { ok: false, error: 'oauth_failed', reason: 'issuer_mismatch', state } as const;
  }
  try {
    const endpoints = await resolveEndpoints(provider);
    const grant = { code: query.code, redirectUri: redirectUri(c, provider), codeVerifier: state.codeVerifier };
    const tokens = await exchangeCode(provider, endpoints, grant);
    const verified = await verifyIdToken(provider, endpoints, tokens.idToken, state.nonce);
    const identity = await completeIdentity(provider, endpoints, verified, tokens.accessToken);
    return { ok: true, identity, state } as const;
  } catch (error) {
    if (!(error instanceof OidcError)) throw error;
    logOidcFailure('oauth_failed', provider, error);
    return { ok: false, error: providerFailure(error, true), reason: error.reason, state } as const;
  }
}

export const oauthRoutes = createRouter()
  .openapi(startOAuthSignIn, async (c) => {
    const provider = providerOr404(c, c.req.valid('param').provider);
    const { ip } = clientInfo(c.req.raw);
    await enforceLimit(c.env, limitKey.loginIp(ipOrUnknown(ip)), authLimits.loginPerIp, 'sign-in attempts');
    c.header('Cache-Control', 'no-store');
    try {
      return c.redirect(await authorizationUrlFor(c, provider), 302);
    } catch (error) {
      // A browser tab shows the sign-in page with a message; API clients keep the problem+json.
      const cause = error instanceof AppError ? error.cause : undefined;
      if (!(cause instanceof OidcError) || !acceptsHtml(c)) throw error;
      return c.redirect(`${c.var.config.appUrl}/sign-in?error=${providerFailure(cause, false)}`, 302);
    }
  })
  .openapi(startOAuthLink, async (c) => {
    const provider = providerOr404(c, c.req.valid('param').provider);
    const userId = currentUserId(c);
    const sessionId = c.var.sessionId;
    if (!sessionId) throw new AppError('unauthorized', 'Sign in first.');
    const url = await authorizationUrlFor(c, provider, { userId, sessionId });
    c.header('Cache-Control', 'no-store');
    return c.json({ url }, 200);
  })
  .openapi(oauthCallback, async (c) => {
    const provider = providerOr404(c, c.req.valid('param').provider);
    const appUrl = c.var.config.appUrl;
    c.header('Cache-Control', 'no-store');
    const result = await verifiedSignIn(c, provider, c.req.valid('query'));
    const linking = result.state?.mode === 'link';
    const action = linking ? 'auth.oauth_link' : 'auth.oauth_login';
    const refuse = async (error: string, reason: string, userId: string | null = null) => {
      await audit(c, {
        action,
        outcome: 'failure',
        actorId: linking ? (result.state?.userId ?? null) : null,
        targetType: 'user',
        targetId: userId,
        details: { provider: provider.id, reason },
      });
      return c.redirect(`${appUrl}${linking ? '/' : '/sign-in'}?error=${error}`, 302);
    };
    if (!result.ok) return refuse(result.error, result.reason);

    const outcome = await completeOAuth(c.var.db, provider.id, result.identity, result.state);
    if (outcome.kind === 'refused') return refuse(outcome.reason, outcome.reason, outcome.userId);
    c.set('userId', outcome.user.id);
    if (outcome.kind === 'linked') {
      await audit(c, { action, targetType: 'user', targetId: outcome.user.id, details: { provider: provider.id } });
      return c.redirect(`${appUrl}/?linked=${provider.id}`, 302);
    }
    await bootstrapAdmin(c, outcome.user);
    await audit(c, {
      action,
      targetType: 'user',
      targetId: outcome.user.id,
      details: { provider: provider.id, created: outcome.created },
    });
    // The web client picks the session up from the refresh cookie; the access token is not passed in the URL.
    await signIn(c, outcome.user, 'web');
    return c.redirect(`${appUrl}/`, 302);
  });
