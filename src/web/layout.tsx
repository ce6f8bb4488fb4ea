import type { Child } from 'hono/jsx';
import { useLayoutEffect, useRef, useState } from 'hono/jsx/dom';
import { asApiError } from './api';
import { errorMessage } from './components/form';
import { useLiveState } from './hooks';
import { Link, usePathname } from './router';
import { adminHome, routes } from './routes';
import { type Session, signOut } from './session';

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
      <Link href="/sessions" section="/sessions" data-testid="nav-sessions">
        Sessions
      </Link>
      <Link href="/focus" section="/focus" data-testid="nav-focus">
        Focus
      </Link>
      <Link href="/friends" section="/friends" data-testid="nav-friends">
        Friends
      </Link>
      <Link href="/files" section="/files" data-testid="nav-files">
        Files
      </Link>
      <Link href="/assistant" section="/assistant" data-testid="nav-assistant">
        Assistant
      </Link>
      <Link href="/account" section="/account" data-testid="nav-account">
        Account
      </Link>
      {adminHome(session) && (
        <Link href={adminHome(session) ?? '/admin/users'} section="/admin" data-testid="nav-admin">
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
 * The site and account links. Wide screens show them inline; narrow ones (the
 * CSS decides, at 64rem) show a Menu button that opens them as a panel under
 * the header. The panel closes on navigation, Escape, or a click outside it.
 * Its own component, so opening it re-renders only the header, not the screen.
 */
function SiteNav({ session }: { session: Session }) {
  const pathname = usePathname();
  // Open for the path it was opened on: any navigation (a link, sign-out, Back) closes it.
  const [openAt, setOpenAt] = useState<string | null>(null);
  const open = openAt === pathname;
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);

  // A layout effect: listening from the moment it opens, not from the next frame, so an early tap is not missed.
  useLayoutEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpenAt(null);
      toggle.current?.focus();
    };
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panel.current?.contains(target) && !toggle.current?.contains(target)) setOpenAt(null);
    };
    document.addEventListener('keydown', onKeyDown);
    document.addEventListener('pointerdown', onPointerDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('pointerdown', onPointerDown);
    };
  }, [open]);

  return (
    <>
      <button
        ref={toggle}
        type="button"
        class="nav-toggle"
        aria-expanded={String(open)}
        aria-controls="site-nav"
        onClick={() => setOpenAt(open ? null : pathname)}
        data-testid="nav-menu"
      >
        <span class="nav-toggle-icon" aria-hidden="true" />
        Menu
      </button>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: only clicks bubbling up from its links, which take Enter themselves. */}
      <nav
        ref={panel}
        id="site-nav"
        aria-label="Main"
        class="site-nav"
        data-open={String(open)}
        onClick={(event: MouseEvent) => {
          // Also the link to the screen already shown, which navigates nowhere.
          if ((event.target as Element).closest('a')) setOpenAt(null);
        }}
        data-testid="nav"
      >
        {routes
          .filter((route) => route.nav)
          .map((route) => (
            <Link href={route.path}>{route.nav}</Link>
          ))}
        {/* Served by the worker, not the app: a full page load. */}
        <a href="/api/docs">API docs</a>
        <AccountNav session={session} />
      </nav>
    </>
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
          <SiteNav session={session} />
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
