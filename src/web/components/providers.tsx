import { useEffect } from 'hono/jsx/dom';
import { api } from '../api';
import { useLiveState } from '../hooks';
import type { Meta } from '../types';

type Provider = NonNullable<Meta['providers']>[number];

/** `?error=` codes the OAuth callback redirects with (to /sign-in, or to / after linking). */
const OAUTH_ERRORS: Record<string, string> = {
  account_exists:
    'An account with this email already exists. Sign in with your password, then link the provider from your account page.',
  oauth_state: 'That sign-in expired or was started in another browser. Please try again.',
  oauth_denied: 'Sign-in was cancelled at the provider.',
  oauth_failed: 'The provider could not confirm who you are. Please try again.',
  oauth_unreachable: 'The provider could not be reached just now. Please try again in a moment.',
  oauth_unavailable: 'Sign-in with this provider is not working right now. Please sign in another way.',
  account_deactivated: 'This account has been deactivated.',
  oauth_identity_in_use: 'That provider account is already linked to another Hearth account.',
  oauth_session_ended: 'Your session ended before the provider sent you back. Please sign in again.',
};

export const oauthErrorMessage = (code: string | null): string | undefined => (code ? OAUTH_ERRORS[code] : undefined);

// Asked once per page load: the configured providers change only with a deployment.
let providersRequest: Promise<Provider[]> | null = null;

/** The OpenID Connect providers `GET /api/meta` lists; empty until it answers, or when none is configured. */
export function useProviders(): Provider[] {
  const [providers, setProviders] = useLiveState<Provider[]>([]);
  useEffect(() => {
    providersRequest ??= api.meta().then(
      (meta) => meta.providers ?? [],
      () => {
        providersRequest = null;
        return [];
      },
    );
    let live = true;
    providersRequest.then((list) => live && setProviders(list));
    return () => {
      live = false;
    };
  }, []);
  return providers;
}

/** "Continue with LinkedIn" for each configured provider: a full page load into the OAuth redirect. */
export function ProviderButtons() {
  const providers = useProviders();
  if (providers.length === 0) return null;
  return (
    <div class="providers" data-testid="providers">
      {providers.map((provider) => (
        <a
          class="button button-provider"
          href={`/api/auth/oauth/${encodeURIComponent(provider.id)}`}
          data-testid={`provider-${provider.id}`}
        >
          Continue with {provider.name}
        </a>
      ))}
      <p class="divider">
        <span>or</span>
      </p>
    </div>
  );
}
