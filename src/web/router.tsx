import type { Child, FC } from 'hono/jsx';
import { useSyncExternalStore } from 'hono/jsx/dom';
import type { Permission } from './types';

export type RouteParams = Record<string, string>;

/**
 * Who may see a screen. `guest`: only signed out (sign in, sign up); signed-in
 * visitors go on to `?next=`. `user` and `admin`: signed-out visitors are sent
 * to sign in and brought back.
 */
export type RouteAccess = 'public' | 'guest' | 'user' | 'admin';

export interface Route {
  /** Path pattern: literal segments and `:name` parameters, e.g. `/rooms/:roomId`. */
  path: string;
  /** Document title; the app name is appended. */
  title: string;
  view: FC<{ params: RouteParams }>;
  /** Shown in the header nav under this label. */
  nav?: string;
  /** Defaults to `public`. */
  access?: RouteAccess;
  /** For `admin` screens: the permission the screen needs (the API refuses without it too). */
  permission?: Permission;
}

export interface RouteMatch {
  route: Route;
  params: RouteParams;
}

const segments = (path: string) => path.split('/').filter(Boolean);

/** The first route whose pattern matches `pathname`, with its decoded parameters. */
export function matchRoute(routes: readonly Route[], pathname: string): RouteMatch | null {
  const actual = segments(pathname);
  for (const route of routes) {
    const pattern = segments(route.path);
    if (pattern.length !== actual.length) continue;
    const params: RouteParams = {};
    const matches = pattern.every((part, i) => {
      const value = actual[i] ?? '';
      if (!part.startsWith(':')) return part === value;
      try {
        params[part.slice(1)] = decodeURIComponent(value);
        return true;
      } catch {
        return false;
      }
    });
    if (matches) return { route, params };
  }
  return null;
}

// The browser's location is the router's only state: pushState does not fire
// popstate, so navigate() notifies subscribers itself.
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** Client-side navigation to a same-origin path: no reload, one history entry. */
export function navigate(to: string, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The current pathname; re-renders the caller on every navigation. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}

type LinkProps = {
  href: string;
  class?: string;
  children?: Child;
  'data-testid'?: string;
  /** Marks the link current (`aria-current="true"`) anywhere under this path, e.g. `/admin`. */
  section?: string;
};

/** The current query string's parameters; re-renders the caller on every navigation. */
export function useSearchParams(): URLSearchParams {
  return new URLSearchParams(useSyncExternalStore(subscribe, () => location.search));
}

/**
 * A same-origin path from `?next=`, or `fallback`. Anything else (another
 * origin, `//host`, `javascript:`) is refused: an open redirect after sign-in
 * is a phishing tool.
 */
export function safeNext(next: string | null, fallback: string): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}

/** An in-app link: a real `<a>` (so it can be opened in a new tab) that navigates without reloading. */
export function Link({ href, children, section, ...rest }: LinkProps) {
  const pathname = usePathname();
  const current = pathname === href;
  const inSection = section !== undefined && (pathname === section || pathname.startsWith(`${section}/`));
  const onClick = (event: MouseEvent) => {
    // Let the browser handle new-tab/window clicks and anything but a plain left click.
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    if (!current) navigate(href);
  };
  return (
    <a href={href} onClick={onClick} aria-current={current ? 'page' : inSection ? 'true' : undefined} {...rest}>
      {children}
    </a>
  );
}
