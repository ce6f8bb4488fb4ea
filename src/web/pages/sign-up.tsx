import { api } from '../api';
import { Field, FormError, NewPasswordField, SubmitButton, textOf, useForm } from '../components/form';
import { Link, useSearchParams } from '../router';
import { acceptSignIn } from '../session';

export function SignUpPage() {
  const next = useSearchParams().get('next');
  // Signing in makes this a guest page no more: the app moves on to `next` or the account.
  const form = useForm(
    async (data) => {
      const name = textOf(data, 'name');
      const email = textOf(data, 'email');
      acceptSignIn(
        await api.register({ email, password: String(data.get('password') ?? ''), name: name || undefined }),
        'welcome',
      );
    },
    { codeFields: { email_taken: 'email', weak_password: 'password' } },
  );
  const signInHref = next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in';

  return (
    <section class="card narrow auth-card" aria-labelledby="sign-up-heading" data-testid="sign-up">
      <h1 id="sign-up-heading">Create your account</h1>
      <p class="muted">One account for rooms, coworking sessions and files.</p>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        <Field label="Name" name="name" autocomplete="name" maxlength={100} error={form.fields.name} />
        <Field label="Email" name="email" type="email" autocomplete="email" required error={form.fields.email} />
        {form.problem?.code === 'email_taken' && (
          <p class="field-help" data-testid="email-taken-help">
            Already signed up? <Link href={signInHref}>Sign in</Link> or{' '}
            <Link href="/forgot-password">reset your password</Link>.
          </p>
        )}
        <NewPasswordField label="Password" error={form.fields.password} />
        <SubmitButton busy={form.busy}>Create account</SubmitButton>
      </form>
      <p class="form-links">
        Already have an account? <Link href={signInHref}>Sign in</Link>
      </p>
    </section>
  );
}
