import { api } from '../api';
import { Field, FormError, Notice, SubmitButton, textOf, useForm } from '../components/form';
import { useLiveState } from '../hooks';
import { Link } from '../router';

export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = useLiveState<string | null>(null);
  const form = useForm(async (data) => {
    const email = textOf(data, 'email');
    await api.requestPasswordReset(email);
    setSentTo(email);
  });

  return (
    <section class="card narrow auth-card" aria-labelledby="forgot-heading" data-testid="forgot-password">
      <h1 id="forgot-heading">Reset your password</h1>
      {sentTo ? (
        <>
          {/* The same answer whether or not the account exists: this page must not tell who has one. */}
          <Notice testid="reset-requested">
            If an account exists for <strong>{sentTo}</strong>, we sent a link to reset its password. It works for 30
            minutes.
          </Notice>
          <p class="form-links">
            <Link href="/sign-in">Back to sign in</Link>
          </p>
        </>
      ) : (
        <>
          <p class="muted">Enter the email you signed up with and we will send you a link to choose a new password.</p>
          <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
            <FormError error={form.error} />
            <Field label="Email" name="email" type="email" autocomplete="email" required error={form.fields.email} />
            <SubmitButton busy={form.busy}>Send the link</SubmitButton>
          </form>
          <p class="form-links">
            Remembered it? <Link href="/sign-in">Sign in</Link>
          </p>
        </>
      )}
    </section>
  );
}
