import { useEffect } from 'hono/jsx/dom';
import { Layout } from './layout';
import { ForbiddenPage } from './pages/forbidden';
import { NotFoundPage } from './pages/not-found';
import { matchRoute, navigate, type RouteAccess, safeNext, usePathname, useSearchParams } from './router';
import { routes } from './routes';
import { can, type Session, useSession } from './session';

/** Where a visitor must go instead of this screen, or null when they may see it. */
function redirectFor(access: RouteAccess, session: Session, here: string, next: string | null): string | null {
  if (session.status === 'loading') return null;
  const signedIn = session.status === 'signed-in';
  if ((access === 'user' || access === 'admin') && !signedIn) return `/sign-in?next=${encodeURIComponent(here)}`;
  if (access === 'guest' && signedIn) return safeNext(next, '/account');
  return null;
}

export function App() {
  const pathname = usePathname();
  const params = useSearchParams();
  const session = useSession();
  const match = matchRoute(routes, pathname);
  const title = match ? match.route.title : 'Not found';
  const access = match?.route.access ?? 'public';
  const redirect = redirectFor(access, session, pathname + location.search, params.get('next'));

  useEffect(() => {
    document.title = title === 'Home' ? 'Hearth' : `${title} · Hearth`;
  }, [title]);

  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  // Screens that depend on who is signed in wait for the session (one refresh call after a reload).
  const waiting = access !== 'public' && (session.status === 'loading' || redirect !== null);
  const View = match?.route.view ?? NotFoundPage;
  return (
    <Layout session={session}>
      {waiting ? (
        <p class="muted" aria-busy="true" data-testid="page-loading">
          Loading…
        </p>
      ) : access === 'admin' && !(match?.route.permission && can(session, match.route.permission)) ? (
        <ForbiddenPage />
      ) : (
        <View params={match?.params ?? {}} />
      )}
    </Layout>
  );
}
