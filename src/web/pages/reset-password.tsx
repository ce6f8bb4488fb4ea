import { api } from '../api';
import { FormError, NewPasswordField, Notice, SubmitButton, useForm } from '../components/form';
import { useLiveState } from '../hooks';
import { Link, useSearchParams } from '../router';
import { forgetSession, getSession } from '../session';

export function ResetPasswordPage() {
  const token = useSearchParams().get('token');
  const [done, setDone] = useLiveState(false);
  const form = useForm(
    async (data) => {
      await api.confirmPasswordReset(token ?? '', String(data.get('password') ?? ''));
      // The reset ended every session of the account, this browser's included.
      if (getSession().status === 'signed-in') forgetSession();
      setDone(true);
    },
    { codeFields: { weak_password: 'password' } },
  );

  let body: unknown;
  if (!token) {
    body = (
      <p class="notice notice-fail" role="alert" data-testid="reset-missing-token">
        This link is incomplete. Open the link from the email again, or{' '}
        <Link href="/forgot-password">ask for a new one</Link>.
      </p>
    );
  } else if (done) {
    body = (
      <>
        <Notice testid="reset-done">Your password has been changed. Every device was signed out.</Notice>
        <p class="actions">
          <Link href="/sign-in" class="button" data-testid="reset-sign-in">
            Sign in
          </Link>
        </p>
      </>
    );
  } else {
    const expired = form.problem?.code === 'invalid_token';
    body = (
      <>
        <p class="muted">Choose a new password for your account.</p>
        <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
          <FormError error={form.error} />
          {expired && (
            <p class="form-links">
              <Link href="/forgot-password">Ask for a new link</Link>
            </p>
          )}
          <NewPasswordField error={form.fields.password} />
          <SubmitButton busy={form.busy}>Change password</SubmitButton>
        </form>
      </>
    );
  }

  return (
    <section class="card narrow auth-card" aria-labelledby="reset-heading" data-testid="reset-password">
      <h1 id="reset-heading">Choose a new password</h1>
      {body}
    </section>
  );
}
