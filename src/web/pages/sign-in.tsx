import { useEffect, useRef } from 'hono/jsx/dom';
import { api } from '../api';
import {
  CodeField,
  Field,
  FormError,
  Notice,
  PhoneField,
  phoneOf,
  SubmitButton,
  textOf,
  useAction,
  useForm,
} from '../components/form';
import { oauthErrorMessage, ProviderButtons } from '../components/providers';
import { useLiveState } from '../hooks';
import { Link, useSearchParams } from '../router';
import { acceptSignIn, useSession } from '../session';

function PasswordSignIn() {
  const form = useForm(async (data) => {
    acceptSignIn(
      await api.login({ email: textOf(data, 'email'), password: String(data.get('password') ?? '') }),
      'welcome-back',
    );
  });
  return (
    <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate data-testid="password-form">
      <FormError error={form.error} />
      <Field label="Email" name="email" type="email" autocomplete="email" required error={form.fields.email} />
      <Field
        label="Password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        error={form.fields.password}
      />
      <p class="form-aside">
        <Link href="/forgot-password" data-testid="forgot-password-link">
          Forgot your password?
        </Link>
      </p>
      <SubmitButton busy={form.busy}>Sign in</SubmitButton>
    </form>
  );
}

/**
 * Phone number, then the texted 6-digit code. The account is created on first use.
 * The two steps are separate, keyed forms: without keys the renderer would reuse the
 * phone input as the code input, still holding the typed number.
 */
function PhoneSignIn() {
  const [phone, setPhone] = useLiveState<string | null>(null);
  const [sentAgain, setSentAgain] = useLiveState(false);
  const box = useRef<HTMLDivElement>(null);

  const phoneForm = useForm(async (data) => {
    const number = phoneOf(data);
    await api.requestCode(number);
    setPhone(number);
  });
  const codeForm = useForm(
    async (data) => {
      if (!phone) return;
      const signedIn = await api.verifyCode(phone, textOf(data, 'code'));
      acceptSignIn(signedIn, signedIn.created ? 'welcome' : 'welcome-back');
    },
    { codeFields: { unauthorized: 'code' } },
  );
  const resend = useAction();
  const sendAgain = () =>
    resend.run(async () => {
      if (!phone) return;
      await api.requestCode(phone);
      setSentAgain(true);
    });

  useEffect(() => {
    box.current?.querySelector<HTMLInputElement>(phone ? 'input[name="code"]' : 'input[name="phone"]')?.focus();
  }, [phone]);

  return (
    <div ref={box} data-testid="phone-sign-in">
      {phone === null ? (
        <form
          key="phone-step"
          ref={phoneForm.ref}
          class="form"
          onSubmit={phoneForm.onSubmit}
          noValidate
          data-testid="phone-form"
        >
          <FormError error={phoneForm.error} />
          <PhoneField key="phone" error={phoneForm.fields.phone} />
          <SubmitButton busy={phoneForm.busy} testid="send-code">
            Text me a code
          </SubmitButton>
        </form>
      ) : (
        <form
          key="code-step"
          ref={codeForm.ref}
          class="form"
          onSubmit={codeForm.onSubmit}
          noValidate
          data-testid="code-form"
        >
          <Notice tone="info" testid="code-sent">
            {sentAgain ? 'We sent a new code to ' : 'We sent a 6-digit code to '}
            <strong>{phone}</strong>. It works for 10 minutes.
          </Notice>
          <FormError error={codeForm.error ?? resend.error} />
          <CodeField key="code" error={codeForm.fields.code} />
          <div class="form-row">
            <SubmitButton busy={codeForm.busy} testid="verify-code">
              Sign in
            </SubmitButton>
            <button type="button" class="button button-quiet" disabled={resend.busy} onClick={sendAgain}>
              Send a new code
            </button>
            <button type="button" class="button button-quiet" onClick={() => setPhone(null)}>
              Use another number
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

export function SignInPage() {
  const params = useSearchParams();
  const session = useSession();
  const [method, setMethod] = useLiveState<'password' | 'phone'>('password');
  const next = params.get('next');
  const oauthError = oauthErrorMessage(params.get('error'));
  const signUpHref = next ? `/sign-up?next=${encodeURIComponent(next)}` : '/sign-up';

  return (
    <section class="card narrow auth-card" aria-labelledby="sign-in-heading" data-testid="sign-in">
      <h1 id="sign-in-heading">Sign in</h1>
      <p class="muted" data-testid="sign-in-intro">
        {method === 'password'
          ? 'Welcome back to Hearth.'
          : 'We text you a code. A number new to Hearth gets an account on its first sign-in.'}
      </p>
      {session.status === 'signed-out' && session.ended && (
        <Notice tone="info" testid="session-ended">
          Your session has ended. Please sign in again.
        </Notice>
      )}
      {oauthError && (
        <p class="notice notice-fail" role="alert" data-testid="oauth-error">
          {oauthError}
        </p>
      )}
      <ProviderButtons />
      {method === 'password' ? <PasswordSignIn /> : <PhoneSignIn />}
      <p class="form-links">
        <button
          type="button"
          class="link-button"
          onClick={() => setMethod(method === 'password' ? 'phone' : 'password')}
          data-testid="switch-method"
        >
          {method === 'password' ? 'Use a phone code instead' : 'Use email and password instead'}
        </button>
      </p>
      <p class="form-links">
        New to Hearth? <Link href={signUpHref}>Create an account</Link>
      </p>
    </section>
  );
}
