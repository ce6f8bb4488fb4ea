import { useEffect, useMemo } from 'hono/jsx/dom';
import { api } from '../api';
import { AccountTabs } from '../components/account-tabs';
import { useConfirm } from '../components/confirm';
import { Field, FormError, Notice, SubmitButton, textOf, useAction, useForm } from '../components/form';
import { useProviders } from '../components/providers';
import { useLiveState } from '../hooks';
import { Link } from '../router';
import { forgetSession, signOut, signOutEverywhere, updateUser, useSession } from '../session';
import type { User } from '../types';

/** Every IANA zone the browser knows, plus the user's own if the browser does not list it. */
function timeZones(current: string | null): string[] {
  const zones = new Set(Intl.supportedValuesOf('timeZone'));
  zones.add('UTC');
  if (current) zones.add(current);
  return [...zones].sort();
}

function ProfileSection({ user }: { user: User }) {
  const [saved, setSaved] = useLiveState(false);
  const zones = useMemo(() => timeZones(user.timezone), [user.timezone]);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const form = useForm(async (data) => {
    setSaved(false);
    const name = textOf(data, 'name');
    const timezone = textOf(data, 'timezone');
    updateUser(await api.updateMe({ name: name || null, timezone: timezone || null }));
    setSaved(true);
  });

  return (
    <section class="card" aria-labelledby="profile-heading" data-testid="profile">
      <h2 id="profile-heading">Profile</h2>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        <Field
          label="Name"
          name="name"
          autocomplete="name"
          maxlength={100}
          value={user.name ?? ''}
          error={form.fields.name}
        />
        <Field
          select
          label="Time zone"
          name="timezone"
          hint={`Your browser is set to ${browserZone}.`}
          error={form.fields.timezone}
        >
          {/* `selected` rather than the select's `value`: hono re-applies a select's value on every
              render, so any re-render (the profile refetch, "Working…") would undo the person's choice. */}
          <option value="" selected={!user.timezone}>
            Not set
          </option>
          {zones.map((zone) => (
            <option value={zone} selected={zone === user.timezone}>
              {zone.replaceAll('_', ' ')}
            </option>
          ))}
        </Field>
        <div class="form-row">
          <SubmitButton busy={form.busy} testid="save-profile">
            Save profile
          </SubmitButton>
          {saved && <Notice testid="profile-saved">Saved.</Notice>}
        </div>
      </form>
    </section>
  );
}

function ContactSection({ user }: { user: User }) {
  const [sent, setSent] = useLiveState(false);
  const resend = useAction();
  const sendLink = () =>
    resend.run(async () => {
      await api.requestVerification();
      setSent(true);
    });

  return (
    <section class="card" aria-labelledby="contact-heading" data-testid="contact">
      <h2 id="contact-heading">Sign-in details</h2>
      <dl class="facts">
        {user.email && (
          <div>
            <dt>Email</dt>
            <dd>
              <span data-testid="account-email">{user.email}</span>{' '}
              {user.emailVerified ? (
                <span class="badge badge-ok" data-testid="email-status" data-state="verified">
                  Verified
                </span>
              ) : (
                <span class="badge" data-testid="email-status" data-state="unverified">
                  Not verified
                </span>
              )}
            </dd>
          </div>
        )}
        {user.phone && (
          <div>
            <dt>Phone</dt>
            <dd data-testid="account-phone">{user.phone}</dd>
          </div>
        )}
        <div>
          <dt>Member since</dt>
          <dd>{new Date(user.createdAt).toLocaleDateString()}</dd>
        </div>
      </dl>
      {user.email && !user.emailVerified && (
        <div class="section-actions">
          {sent ? (
            <Notice testid="verification-sent">We sent a new link to {user.email}. It works for 24 hours.</Notice>
          ) : (
            <button
              type="button"
              class="button button-quiet"
              onClick={sendLink}
              disabled={resend.busy}
              data-testid="resend-verification"
            >
              Resend verification email
            </button>
          )}
          <FormError error={resend.error} />
        </div>
      )}
    </section>
  );
}

function PasswordSection() {
  const [changed, setChanged] = useLiveState(false);
  const form = useForm(
    async (data, element) => {
      setChanged(false);
      await api.changePassword(String(data.get('currentPassword') ?? ''), String(data.get('newPassword') ?? ''));
      element.reset();
      setChanged(true);
    },
    { codeFields: { weak_password: 'newPassword' } },
  );

  return (
    <section class="card" aria-labelledby="password-heading" data-testid="change-password">
      <h2 id="password-heading">Change password</h2>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        {/* Lets password managers tie the new password to the right account. */}
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autocomplete="current-password"
          required
          error={form.fields.currentPassword}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autocomplete="new-password"
          required
          minlength={8}
          hint="At least 8 characters. Your other devices will be signed out."
          error={form.fields.newPassword}
        />
        <div class="form-row">
          <SubmitButton busy={form.busy} testid="save-password">
            Change password
          </SubmitButton>
          {changed && <Notice testid="password-changed">Password changed. Other devices were signed out.</Notice>}
        </div>
      </form>
    </section>
  );
}

/** Link a configured provider to this account; the provider sends the browser back to `/?linked=`. */
function LinkedSignInSection() {
  const providers = useProviders();
  const action = useAction();
  if (providers.length === 0) return null;
  const link = (id: string) =>
    action.run(async () => {
      const { url } = await api.linkProvider(id);
      location.assign(url);
    });

  return (
    <section class="card" aria-labelledby="linked-heading" data-testid="linked-sign-in">
      <h2 id="linked-heading">Sign in with another account</h2>
      <p class="muted">Link a provider to sign in with it as well as with your current method.</p>
      <div class="form-row">
        {providers.map((provider) => (
          <button
            type="button"
            class="button button-quiet"
            disabled={action.busy}
            onClick={() => link(provider.id)}
            data-testid={`link-${provider.id}`}
          >
            Link {provider.name}
          </button>
        ))}
      </div>
      <FormError error={action.error} />
    </section>
  );
}

function SessionsSection() {
  const confirm = useConfirm();
  const action = useAction();
  const everywhere = () =>
    action.run(async () => {
      if (await confirm.ask('Sign out on every device, this one included?', 'Sign out everywhere')) {
        await signOutEverywhere('/sign-in');
      }
    });

  return (
    <section class="card" aria-labelledby="sessions-heading" data-testid="sessions">
      <h2 id="sessions-heading">Sessions</h2>
      <p class="muted">
        See where you are signed in on the <Link href="/account/devices">devices page</Link>.
      </p>
      <div class="form-row">
        <button
          type="button"
          class="button button-quiet"
          disabled={action.busy}
          onClick={() => action.run(() => signOut('/'))}
          data-testid="sign-out"
        >
          Sign out
        </button>
        <button
          type="button"
          class="button button-quiet"
          disabled={action.busy}
          onClick={everywhere}
          data-testid="sign-out-everywhere"
        >
          Sign out everywhere
        </button>
      </div>
      <FormError error={action.error} />
      {confirm.dialog}
    </section>
  );
}

function DeleteSection({ user }: { user: User }) {
  const confirm = useConfirm();
  // Phone-only accounts have no password; they prove themselves by a recent sign-in instead.
  const hasPasswordField = user.email !== null;
  const form = useForm(async (data) => {
    const password = String(data.get('password') ?? '');
    if (!(await confirm.ask('Delete your account and everything in it? This cannot be undone.', 'Delete account'))) {
      return;
    }
    await api.deleteMe(password || undefined);
    forgetSession('/');
  });

  return (
    <section class="card card-danger" aria-labelledby="delete-heading" data-testid="delete-account">
      <h2 id="delete-heading">Delete account</h2>
      <p class="muted">
        This ends every session and deletes your account and everything that belongs to it. It cannot be undone.
      </p>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        {hasPasswordField && (
          <Field
            label="Confirm with your password"
            name="password"
            type="password"
            autocomplete="current-password"
            hint="Signed up with a provider and never set a password? Leave this empty."
            error={form.fields.password}
          />
        )}
        <SubmitButton busy={form.busy} class="button button-danger" testid="delete-account-submit">
          Delete my account
        </SubmitButton>
      </form>
      {confirm.dialog}
    </section>
  );
}

export function AccountPage() {
  const session = useSession();

  // The session's copy is from sign-in; fetch the latest (verified elsewhere, changed by an admin).
  useEffect(() => {
    api.me().then(updateUser, () => undefined);
  }, []);

  if (session.status !== 'signed-in') return null;
  const { user } = session;
  return (
    <div class="page" data-testid="account">
      <header class="page-header">
        <h1>Your account</h1>
        <AccountTabs />
      </header>
      <div class="stack">
        <ProfileSection user={user} />
        <ContactSection user={user} />
        {user.email && <PasswordSection />}
        <LinkedSignInSection />
        <SessionsSection />
        <DeleteSection user={user} />
      </div>
    </div>
  );
}
