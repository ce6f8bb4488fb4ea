import { z } from 'zod';
import type { Env } from '../../env';

/** One OpenID Connect provider people can sign in with, as configured in `OIDC_PROVIDERS`. */
export interface OidcProvider {
  /** Lower-case slug; it names the routes (`/api/auth/oauth/<id>`) and the secret (`OIDC_<ID>_CLIENT_SECRET`). */
  id: string;
  /** What the sign-in button says. */
  name: string;
  /**
   * Exactly the `iss` of its ID tokens, trailing slash and all (Auth0's end in `/`); discovery is read from
   * the issuer without its trailing slash + `/.well-known/openid-configuration` (OpenID Connect Discovery §4).
   */
  issuer: string;
  clientId: string;
  /** Empty when the secret is not set; production refuses to serve then (see `oidcProviderProblems`). */
  clientSecret: string;
  scopes: string[];
  /** Set all three to skip discovery (providers without it, or to pin endpoints). */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  jwksUri?: string;
  /** Where email and name are read when the ID token lacks them; from discovery unless set. */
  userinfoEndpoint?: string;
}

const url = z.url({ protocol: /^https?$/ });

const ProviderEntrySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, - and _'),
  name: z.string().trim().min(1).max(50),
  // Kept as written: it is compared exactly with the discovery document's `issuer` and the ID tokens' `iss`.
  issuer: url,
  clientId: z.string().min(1).max(512),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).default(['openid', 'profile', 'email']),
  authorizationEndpoint: url.optional(),
  tokenEndpoint: url.optional(),
  jwksUri: url.optional(),
  userinfoEndpoint: url.optional(),
});

const ProvidersSchema = z.array(ProviderEntrySchema).superRefine((providers, ctx) => {
  const seen = new Set<string>();
  for (const [index, provider] of providers.entries()) {
    if (seen.has(provider.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'duplicate id' });
    seen.add(provider.id);
    if (!provider.scopes.includes('openid')) {
      ctx.addIssue({ code: 'custom', path: [index, 'scopes'], message: 'must include openid' });
    }
  }
});

/** `linkedin` → `OIDC_LINKEDIN_CLIENT_SECRET`. */
export function clientSecretName(providerId: string): string {
  return `OIDC_${providerId.toUpperCase().replaceAll('-', '_')}_CLIENT_SECRET`;
}

export interface OidcProviders {
  providers: OidcProvider[];
  /** Why `OIDC_PROVIDERS` was not usable; the providers list is empty then. */
  error: string | null;
}

/**
 * Reads `OIDC_PROVIDERS` (a JSON array) and each provider's client secret.
 * Never throws: configuration is read on every request, so a bad value is
 * reported (production then refuses to serve and health says why) instead of
 * breaking every route.
 */
export function readOidcProviders(env: Env): OidcProviders {
  const raw = env.OIDC_PROVIDERS?.trim();
  if (!raw) return { providers: [], error: null };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { providers: [], error: 'OIDC_PROVIDERS is not valid JSON' };
  }
  const parsed = ProvidersSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return { providers: [], error: `OIDC_PROVIDERS is not valid${where}: ${issue?.message ?? 'unknown problem'}` };
  }
  const secrets = env as unknown as Record<string, string | undefined>;
  return {
    providers: parsed.data.map((provider) => ({
      ...provider,
      clientSecret: secrets[clientSecretName(provider.id)]?.trim() ?? '',
    })),
    error: null,
  };
}

/** What stops the configured providers from working in production. */
export function oidcProviderProblems(oidc: OidcProviders): string[] {
  if (oidc.error) return [oidc.error];
  return oidc.providers.flatMap((provider) => {
    const problems: string[] = [];
    if (!provider.clientSecret) {
      const name = clientSecretName(provider.id);
      problems.push(`${name} is not set (wrangler secret put ${name})`);
    }
    for (const endpoint of [
      provider.issuer,
      provider.authorizationEndpoint,
      provider.tokenEndpoint,
      provider.jwksUri,
      provider.userinfoEndpoint,
    ]) {
      if (endpoint && !endpoint.startsWith('https://')) {
        problems.push(`OIDC provider ${provider.id}: ${endpoint} must be https://`);
      }
    }
    return problems;
  });
}
