import type { Child } from 'hono/jsx';
import { asApiError } from './api';
import { errorMessage } from './components/form';
import { useLiveState } from './hooks';
import { Link } from './router';
import { routes } from './routes';
import { isAdmin, type Session, signOut } from './session';

/** Signed out: sign in and sign up. Signed in: who, Account, Admin for admins, Sign out. */
function AccountNav({ session }: { session: Session }) {
  const [problem, setProblem] = useLiveState<string | null>(null);
  const [busy, setBusy] = useLiveState(false);

  if (session.status === 'loading') return <div class="account-nav" aria-busy="true" />;
  if (session.status === 'signed-out') {
    return (
      <div class="account-nav">
        <Link href="/sign-in" data-testid="nav-sign-in">
          Sign in
        </Link>
        <Link href="/sign-up" class="button button-small" data-testid="nav-sign-up">
          Sign up
        </Link>
      </div>
    );
  }

  const onSignOut = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await signOut('/');
    } catch (error) {
      setProblem(`Could not sign out: ${errorMessage(asApiError(error))}`);
    } finally {
      setBusy(false);
    }
  };

  const { user } = session;
  return (
    <div class="account-nav">
      <span class="user-name" data-testid="nav-user-name">
        {user.name ?? user.email ?? user.phone}
      </span>
      <Link href="/rooms" section="/rooms" data-testid="nav-rooms">
        Rooms
      </Link>
      <Link href="/files" section="/files" data-testid="nav-files">
        Files
      </Link>
      <Link href="/account" section="/account" data-testid="nav-account">
        Account
      </Link>
      {isAdmin(session) && (
        <Link href="/admin/users" section="/admin" data-testid="nav-admin">
          Admin
        </Link>
      )}
      <button type="button" class="button button-quiet" onClick={onSignOut} disabled={busy} data-testid="nav-sign-out">
        Sign out
      </button>
      {problem && (
        <span class="nav-error" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}

/**
 * The frame around every screen: header with the nav, the screen, a footer.
 * It takes the session from App instead of subscribing itself: a second
 * subscriber above the screen would re-render it a second time in the same
 * frame when the session arrives, and hono/jsx/dom then runs the new screen's
 * effects twice (two fetches, two room sockets in one tab).
 */
export function Layout({ session, children }: { session: Session; children?: Child }) {
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <div class="container header-inner">
          <Link href="/" class="brand" data-testid="brand">
            <img src="/favicon.svg" alt="" width="28" height="28" />
            <span>Hearth</span>
          </Link>
          <nav aria-label="Main" class="site-nav" data-testid="nav">
            {routes
              .filter((route) => route.nav)
              .map((route) => (
                <Link href={route.path}>{route.nav}</Link>
              ))}
            {/* Served by the worker, not the app: a full page load. */}
            <a href="/api/docs">API docs</a>
            <AccountNav session={session} />
          </nav>
        </div>
      </header>
      <main id="main" class="container site-main" tabindex={-1}>
        {children}
      </main>
      <footer class="site-footer">
        <div class="container">
          Hearth runs on Cloudflare Workers · <a href="/api/openapi.json">OpenAPI document</a>
        </div>
      </footer>
    </div>
  );
}
