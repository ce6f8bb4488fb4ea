import { Link } from '../router';

/** Where a deleted account lands: what is gone, and the way back in. */
export function AccountDeletedPage() {
  return (
    <section class="card narrow" data-testid="account-deleted">
      <h1>Your account is deleted</h1>
      <p>
        Every session was ended, and your profile, files, share links and the rooms you owned are gone. Your chat
        messages were removed from every room, in other people’s rooms too.
      </p>
      <p class="muted">Nothing of it can be restored. You can create a new account at any time.</p>
      <p class="actions">
        <Link href="/" class="button button-secondary">
          Home
        </Link>
        <Link href="/sign-up" class="button">
          Create an account
        </Link>
      </p>
    </section>
  );
}
