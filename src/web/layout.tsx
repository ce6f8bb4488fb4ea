import type { Child } from 'hono/jsx';
import { Link } from './router';
import { routes } from './routes';

/** The frame around every screen: header with the nav, the screen, a footer. */
export function Layout({ children }: { children?: Child }) {
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
