import { HealthPanel } from '../components/health-panel';
import { oauthErrorMessage, useProviders } from '../components/providers';
import { Dashboard } from '../insights/dashboard';
import { Link, useSearchParams } from '../router';
import { useSession } from '../session';

/** Linking a provider from the account page comes back here: `/?linked=<id>` or `/?error=<code>`. */
function LinkResult() {
  const params = useSearchParams();
  const providers = useProviders();
  const linked = params.get('linked');
  const error = oauthErrorMessage(params.get('error'));
  if (error) {
    return (
      <p class="notice notice-fail" role="alert" data-testid="link-error">
        {error}
      </p>
    );
  }
  if (!linked) return null;
  const name = providers.find((provider) => provider.id === linked)?.name ?? linked;
  return (
    <p class="notice notice-ok" role="status" data-testid="link-done">
      {name} is now linked to your account: you can sign in with it.
    </p>
  );
}

export function HomePage() {
  const session = useSession();
  if (session.status === 'signed-in') {
    return (
      <>
        <LinkResult />
        <Dashboard />
      </>
    );
  }
  return (
    <>
      <LinkResult />
      <section class="hero">
        <h1 data-testid="product-name">Hearth</h1>
        <p class="pitch" data-testid="pitch">
          Accounts, realtime rooms, coworking sessions and file sharing, running on the edge.
        </p>
        <p class="actions">
          {session.status === 'signed-out' && (
            <Link href="/sign-up" class="button" data-testid="home-sign-up">
              Create an account
            </Link>
          )}
          <a class="button button-secondary" href="/api/docs" data-testid="docs-link">
            Explore the API
          </a>
        </p>
      </section>
      <HealthPanel />
    </>
  );
}
