import { useEffect } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import { errorMessage } from '../components/form';
import { coworkingApi, type SessionDetails } from '../coworking/api';
import { SessionView } from '../coworking/session-view';
import { useLiveState, useSingleEffect } from '../hooks';
import { Link, navigate, type RouteParams } from '../router';

type State = { kind: 'loading' } | { kind: 'loaded'; details: SessionDetails } | { kind: 'error'; error: ApiError };

function useDetails(load: () => Promise<SessionDetails>, key: string) {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });
  const [round, setRound] = useLiveState(0);
  useSingleEffect(() => {
    let live = true;
    load().then(
      (details) => live && setState({ kind: 'loaded', details }),
      (error: unknown) => live && setState({ kind: 'error', error: asApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  const title = state.kind === 'loaded' ? state.details.session.title : null;
  useEffect(() => {
    if (title) document.title = `${title} · Hearth`;
  }, [title]);
  return { state, reload: () => setRound((n) => n + 1) };
}

function Problem({ error, what }: { error: ApiError; what: string }) {
  const missing = error.status === 404;
  return (
    <section class="card narrow" data-testid="session-error">
      <h1>{missing ? `${what} not found` : 'Could not open the session'}</h1>
      <p class="muted">
        {missing
          ? 'It may be private: open it from its share link, or ask the host for the code.'
          : errorMessage(error)}
      </p>
      <p class="actions">
        <Link href="/sessions" class="button">
          Back to sessions
        </Link>
      </p>
    </section>
  );
}

const Loading = () => (
  <p class="muted" aria-busy="true">
    Loading the session…
  </p>
);

/** `/sessions/:id`: one coworking session. */
export function SessionPage({ params }: { params: RouteParams }) {
  const id = params.id ?? '';
  const { state, reload } = useDetails(() => coworkingApi.get(id), id);
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') return <Problem error={state.error} what="Session" />;
  return <SessionView initial={state.details} onReload={reload} />;
}

/** `/c/:code`: a share link. The session with its join prompt; once joined, its own page. */
export function SessionCodePage({ params }: { params: RouteParams }) {
  const code = (params.code ?? '').trim().toUpperCase();
  const { state } = useDetails(() => coworkingApi.byCode(code), code);
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') return <Problem error={state.error} what="Share code" />;
  const { session } = state.details;
  return (
    <SessionView
      initial={state.details}
      code={code}
      onReload={() => navigate(`/sessions/${encodeURIComponent(session.id)}`, { replace: true })}
    />
  );
}
