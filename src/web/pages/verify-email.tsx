import { useEffect } from 'hono/jsx/dom';
import { type ApiError, api, asApiError } from '../api';
import { errorMessage } from '../components/form';
import { useLiveState } from '../hooks';
import { Link, useSearchParams } from '../router';
import { getSession, updateUser, useSession } from '../session';

type State = { kind: 'checking' } | { kind: 'verified' } | { kind: 'failed'; error: ApiError | null };

export function VerifyEmailPage() {
  const token = useSearchParams().get('token');
  const [state, setState] = useLiveState<State>(token ? { kind: 'checking' } : { kind: 'failed', error: null });

  // Confirms as soon as the page opens: following the emailed link is the whole action.
  useEffect(() => {
    if (!token) return;
    let live = true;
    api.confirmVerification(token).then(
      () => {
        if (live) setState({ kind: 'verified' });
        // Signed in here? Show the new status (and any role it unlocked) right away.
        if (getSession().status !== 'signed-out') api.me().then(updateUser, () => undefined);
      },
      (error: unknown) => live && setState({ kind: 'failed', error: asApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [token]);

  const signedIn = useSession().status === 'signed-in';
  return (
    <section
      class="card narrow auth-card"
      aria-labelledby="verify-heading"
      aria-busy={String(state.kind === 'checking')}
      data-testid="verify-email"
      data-state={state.kind}
    >
      <h1 id="verify-heading">Verify your email</h1>
      {state.kind === 'checking' && <p class="muted">Confirming your address…</p>}
      {state.kind === 'verified' && (
        <p class="notice notice-ok" role="status" data-testid="verify-done">
          Your email address is verified. Thank you!
        </p>
      )}
      {state.kind === 'failed' && (
        <p class="notice notice-fail" role="alert" data-testid="verify-failed">
          {state.error ? errorMessage(state.error) : 'This link is incomplete.'} You can send a new link from your
          account page.
        </p>
      )}
      {state.kind !== 'checking' && (
        <p class="actions">
          <Link href={signedIn ? '/account' : '/sign-in'} class="button">
            {signedIn ? 'Go to your account' : 'Sign in'}
          </Link>
        </p>
      )}
    </section>
  );
}
