import { Link, usePathname } from '../router';

export function NotFoundPage() {
  const pathname = usePathname();
  return (
    <section class="card narrow" data-testid="not-found">
      <h1>Page not found</h1>
      <p class="muted">There is nothing at {pathname}.</p>
      <p>
        <Link href="/" class="button" data-testid="not-found-home">
          Back to the start
        </Link>
      </p>
    </section>
  );
}
