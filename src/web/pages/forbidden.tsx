import { Link } from '../router';

export function ForbiddenPage() {
  return (
    <section class="card narrow" data-testid="forbidden">
      <h1>Admins only</h1>
      <p class="muted">This page needs the admin role. Ask an admin if you think you should have it.</p>
      <p>
        <Link href="/account" class="button">
          Back to your account
        </Link>
      </p>
    </section>
  );
}
