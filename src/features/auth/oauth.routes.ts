import { createRoute, z } from '@hono/zod-openapi';
import { problemResponses } from '../../lib/openapi';
import { requireAuth } from '../../middleware/auth';
import { OAuthLinkStartSchema } from './auth.schemas';

const tags = ['Auth'];

const ProviderParamSchema = z.object({
  provider: z
    .string()
    .max(32)
    .openapi({ param: { name: 'provider', in: 'path' }, example: 'linkedin' }),
});

const redirect = (description: string) => ({
  description,
  headers: z.object({ Location: z.string().openapi({ example: 'https://www.linkedin.com/oauth/v2/authorization?…' }) }),
});

export const startOAuthSignIn = createRoute({
  method: 'get',
  path: '/api/auth/oauth/{provider}',
  tags,
  summary: 'Sign in with an OpenID Connect provider',
  description: [
    'Redirects the browser to the provider (authorization code flow with state, nonce and PKCE S256). Providers are configured in `OIDC_PROVIDERS`; `GET /api/meta` lists them.',
    'When the provider cannot be used, a browser (`Accept: text/html`) is redirected to `<APP_URL>/sign-in?error=<code>`:',
    '`oauth_unreachable` (it did not answer, or answered 5xx) or `oauth_unavailable` (its discovery document cannot be trusted);',
    'other clients get 503 `unavailable`.',
  ].join(' '),
  request: { params: ProviderParamSchema },
  responses: {
    302: redirect('To the provider, or (browsers, provider unusable) to the sign-in page'),
    ...problemResponses(404, 429, 503),
  },
});

export const oauthCallback = createRoute({
  method: 'get',
  path: '/api/auth/oauth/{provider}/callback',
  tags,
  summary: 'Where the provider sends the browser back',
  description: [
    'Signs in (web client: sets the refresh cookie) and redirects to `<APP_URL>/`; the web app then calls `POST /api/auth/refresh`.',
    'Email and name come from the ID token, else from the userinfo endpoint (whose `sub` must be the ID token’s).',
    'A callback whose `state` is not the one this browser started leaves that sign-in in progress untouched.',
    'A sign-in started with `POST …/link` links the identity to that account and redirects to `<APP_URL>/?linked=<provider>`.',
    'Failures redirect to `<APP_URL>/sign-in?error=<code>` (link sign-ins: `<APP_URL>/?error=<code>`) with one of',
    '`oauth_state` (unknown, expired, reused or started in another browser), `oauth_denied` (cancelled at the provider),',
    '`oauth_failed` (the provider could not confirm who you are: its answer, ID token or userinfo could not be trusted),',
    '`oauth_unreachable` (the provider did not answer, or answered 5xx), `account_exists` (an account has this email: sign in',
    'and link the provider from there), `account_deactivated`, `oauth_identity_in_use`, `oauth_session_ended`.',
  ].join(' '),
  request: {
    params: ProviderParamSchema,
    query: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
      iss: z.string().optional().openapi({ description: 'RFC 9207 issuer identification, checked when sent.' }),
    }),
  },
  responses: { 302: redirect('To the web app'), ...problemResponses(404) },
});

export const startOAuthLink = createRoute({
  method: 'post',
  path: '/api/auth/oauth/{provider}/link',
  middleware: [requireAuth()] as const,
  security: [{ bearer: [] }],
  tags,
  summary: 'Link a provider identity to my account',
  description:
    'Answers the provider URL to open in this browser; coming back from it links the identity to the signed-in account (never signs in as someone else).',
  request: { params: ProviderParamSchema },
  responses: {
    200: {
      description: 'Open this URL in the browser',
      content: { 'application/json': { schema: OAuthLinkStartSchema } },
    },
    ...problemResponses(401, 404, 503),
  },
});
