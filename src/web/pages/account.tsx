import { useEffect, useMemo } from 'hono/jsx/dom';
import { api } from '../api';
import { AccountTabs } from '../components/account-tabs';
import { useConfirm } from '../components/confirm';
import {
  CodeField,
  Field,
  FormError,
  NewPasswordField,
  Notice,
  PhoneField,
  phoneOf,
  SubmitButton,
  textOf,
  useAction,
  useForm,
} from '../components/form';
import { useProviders } from '../components/providers';
import { formatTime } from '../format';
import { useLiveState } from '../hooks';
import { Link } from '../router';
import { forgetSession, type Greeting, signOut, signOutEverywhere, updateUser, useSession } from '../session';
import type { User } from '../types';
import { useDevelopment } from './dev-outbox';

/** Greets someone who just signed in: a new account is welcomed, a returning one welcomed back. */
function GreetingNotice({ greeting, user }: { greeting?: Greeting; user: User }) {
  if (!greeting) return null;
  const who = user.name ?? user.email ?? user.phone;
  return (
    <Notice testid="greeting">
      {greeting === 'welcome' ? 'Welcome to Hearth! Your account is ready.' : `Welcome back${who ? `, ${who}` : ''}.`}
    </Notice>
  );
}

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
  const development = useDevelopment();
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
          <dd>
            <time datetime={user.createdAt} data-testid="member-since">
              {formatTime(user.createdAt, 'date')}
            </time>
          </dd>
        </div>
      </dl>
      {development && user.email && !user.emailVerified && (
        <Notice tone="info" testid="dev-outbox-banner">
          Development: no mail is sent. Your verification link is in the{' '}
          <Link href="/dev/outbox" data-testid="dev-outbox-link">
            development outbox
          </Link>
          .
        </Notice>
      )}
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
        <NewPasswordField
          name="newPassword"
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

/** An email account adds a phone: the number, then the texted code. Keyed steps, as on the sign-in screen. */
function AddPhoneSection() {
  const [phone, setPhone] = useLiveState<string | null>(null);
  const phoneForm = useForm(async (data) => {
    const number = phoneOf(data);
    await api.requestPhoneCode(number);
    setPhone(number);
  });
  const codeForm = useForm(async (data) => {
    if (phone) updateUser(await api.addPhone(phone, textOf(data, 'code')));
  });

  useEffect(() => {
    if (phone) codeForm.ref.current?.querySelector<HTMLInputElement>('input[name="code"]')?.focus();
  }, [phone]);

  return (
    <section class="card" aria-labelledby="add-phone-heading" data-testid="add-phone">
      <h2 id="add-phone-heading">Add a phone number</h2>
      <p class="muted">Then you can also sign in with a texted code.</p>
      {phone === null ? (
        <form key="add-phone-number" ref={phoneForm.ref} class="form" onSubmit={phoneForm.onSubmit} noValidate>
          <FormError error={phoneForm.error} />
          <PhoneField key="phone" error={phoneForm.fields.phone} />
          <SubmitButton busy={phoneForm.busy} testid="add-phone-send">
            Text me a code
          </SubmitButton>
        </form>
      ) : (
        <form key="add-phone-code" ref={codeForm.ref} class="form" onSubmit={codeForm.onSubmit} noValidate>
          <Notice tone="info" testid="add-phone-sent">
            We sent a 6-digit code to <strong>{phone}</strong>. It works for 10 minutes.
          </Notice>
          <FormError error={codeForm.error} />
          <CodeField key="code" error={codeForm.fields.code} />
          <div class="form-row">
            <SubmitButton busy={codeForm.busy} testid="add-phone-verify">
              Add number
            </SubmitButton>
            <button type="button" class="button button-quiet" onClick={() => setPhone(null)}>
              Use another number
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** A phone account adds an email: it is verified by the emailed link. */
function AddEmailSection() {
  const form = useForm(
    async (data) => {
      updateUser(await api.addEmail(textOf(data, 'email')));
    },
    { codeFields: { email_taken: 'email' } },
  );
  return (
    <section class="card" aria-labelledby="add-email-heading" data-testid="add-email">
      <h2 id="add-email-heading">Add an email address</h2>
      <p class="muted">For account mail, and to sign in with a password.</p>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        <Field label="Email" name="email" type="email" autocomplete="email" required error={form.fields.email} />
        <SubmitButton busy={form.busy} testid="add-email-submit">
          Add email
        </SubmitButton>
      </form>
    </section>
  );
}

/** An account without a password (phone, provider) sets its first one. */
function SetPasswordSection({ user }: { user: User }) {
  const form = useForm(
    async (data) => {
      updateUser(await api.setPassword(String(data.get('password') ?? '')));
    },
    { codeFields: { weak_password: 'password' } },
  );
  return (
    <section class="card" aria-labelledby="set-password-heading" data-testid="set-password">
      <h2 id="set-password-heading">Set a password</h2>
      <p class="muted">Then you can also sign in with {user.email} and this password.</p>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        {/* A hidden username lets password managers file the new password under the right account. */}
        <input type="email" name="username" autocomplete="username" value={user.email ?? ''} hidden readonly />
        <NewPasswordField error={form.fields.password} />
        <SubmitButton busy={form.busy} testid="set-password-submit">
          Set password
        </SubmitButton>
      </form>
    </section>
  );
}

/** Downloads everything Hearth holds about the account, as the JSON of `GET /api/users/me/export`. */
function ExportSection({ user }: { user: User }) {
  const action = useAction();
  const download = () =>
    action.run(async () => {
      const data = await api.exportMe();
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `hearth-export-${user.id}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      // The download has started from the object URL; give the browser a moment before letting it go.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  return (
    <section class="card" aria-labelledby="export-heading" data-testid="export">
      <h2 id="export-heading">Your data</h2>
      <p class="muted">Download everything Hearth holds about you, as JSON.</p>
      <button
        type="button"
        class="button button-quiet"
        onClick={download}
        disabled={action.busy}
        data-testid="export-download"
      >
        {action.busy ? 'Preparing…' : 'Download my data'}
      </button>
      <FormError error={action.error} />
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
  // Accounts without a password (phone, provider) prove themselves by a recent sign-in instead.
  const hasPasswordField = user.hasPassword;
  const form = useForm(async (data) => {
    const password = String(data.get('password') ?? '');
    if (!(await confirm.ask('Delete your account and everything in it? This cannot be undone.', 'Delete account'))) {
      return;
    }
    await api.deleteMe(password || undefined);
    forgetSession('/account-deleted');
  });

  return (
    <section class="card card-danger" aria-labelledby="delete-heading" data-testid="delete-account">
      <h2 id="delete-heading">Delete account</h2>
      <p class="muted">
        This ends every session and deletes your account and everything that belongs to it: your files and share links,
        the rooms you own, and your chat messages in every room (they disappear from other people’s rooms too). It
        cannot be undone.
      </p>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        {hasPasswordField && (
          <Field
            label="Confirm with your password"
            name="password"
            type="password"
            autocomplete="current-password"
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
        <GreetingNotice greeting={session.greeting} user={user} />
        <ProfileSection user={user} />
        <ContactSection user={user} />
        {!user.phone && <AddPhoneSection />}
        {!user.email && <AddEmailSection />}
        {user.hasPassword ? <PasswordSection /> : user.email && <SetPasswordSection user={user} />}
        <LinkedSignInSection />
        <SessionsSection />
        <ExportSection user={user} />
        <DeleteSection user={user} />
      </div>
    </div>
  );
}
