/// <reference path="./oidc-provider.d.ts" />
/**
 * panva's `oidc-provider` (a certified OpenID Provider) on 127.0.0.1, for the
 * worker tests to sign in at a provider that behaves as the standards say,
 * not as Hearth's own fake does: its ID tokens carry only the protocol claims
 * (OIDC Core §5.4), and email and name come from its userinfo endpoint.
 *
 * The issuer ends in a slash (`http://127.0.0.1:<port>/`), as Auth0's do.
 *
 * There is no login page: the interaction signs in whoever `login_hint`
 * names (base64url JSON, as for the fake provider) and grants every scope
 * asked for, so a test plays the browser with a few fetches.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Account } from 'oidc-provider';

export const CLIENT = { id: 'hearth-panva', secret: 'panva-client-secret' };

/** Who signs in: standard claims, as the provider's account store holds them. */
export interface PanvaIdentity {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** Press "Cancel" at the provider. */
  deny?: boolean;
}

function decodeHint(hint: string | undefined): PanvaIdentity | null {
  if (!hint) return null;
  try {
    const identity = JSON.parse(Buffer.from(hint, 'base64url').toString('utf8'));
    return typeof identity?.sub === 'string' ? identity : null;
  } catch {
    return null;
  }
}

export interface RunningProvider {
  issuer: string;
  close(): Promise<void>;
}

export async function startOidcProvider(redirectUris: string[]): Promise<RunningProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const accounts = new Map<string, PanvaIdentity>();
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'panva-rs256', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['hearth-test-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    // Lifetimes of the provider's records, in seconds: set, so it does not print a notice for each default.
    ttl: { AccessToken: 600, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    async findAccount(_ctx: unknown, sub: string): Promise<Account | undefined> {
      const identity = accounts.get(sub);
      if (!identity) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: identity.email, email_verified: identity.email_verified, name: identity.name }),
      };
    },
  });
  // Errors are answered to the client as the protocol says; the log shows why when a test fails.
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));

  const handleProvider = provider.callback();
  server.on('request', async (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return handleProvider(req, res);
    try {
      const interaction = await provider.interactionDetails(req, res);
      const identity = decodeHint(interaction.params.login_hint);
      if (!identity) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('login_hint must name a PanvaIdentity');
        return;
      }
      if (identity.deny) {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'cancelled' });
        return;
      }
      accounts.set(identity.sub, identity);
      const grant = new provider.Grant({ accountId: identity.sub, clientId: interaction.params.client_id ?? '' });
      grant.addOIDCScope(interaction.params.scope ?? 'openid');
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: identity.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      console.error('oidc-provider interaction failed', error);
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(error));
    }
  });

  return {
    issuer,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
