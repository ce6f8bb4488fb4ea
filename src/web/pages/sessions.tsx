import { Field, FormError, SubmitButton, textOf, useForm } from '../components/form';
import { ListFooter, usePagedList } from '../components/paged-list';
import { type CoworkingSession, coworkingApi, type NearbySession } from '../coworking/api';
import { PHASE_LABELS } from '../coworking/countdown';
import { formatDistance, locate } from '../coworking/geo';
import { formatTime } from '../format';
import { useLiveState, useSingleEffect } from '../hooks';
import { Link, navigate } from '../router';

/** Nearby searches reach this far (the API's maximum). */
const NEARBY_RADIUS_M = 5000;

function SessionRow({ session, distance }: { session: CoworkingSession; distance?: number }) {
  const href = `/sessions/${encodeURIComponent(session.id)}`;
  return (
    <li class="room-row" data-testid="session-row" data-session-id={session.id}>
      <div class="room-main">
        <Link href={href} class="room-name">
          {session.title}
        </Link>
        <p class="room-facts">
          <span class={`badge${session.visibility === 'private' ? ' badge-private' : ''}`}>{session.visibility}</span>
          <span class="muted">{PHASE_LABELS[session.phase]}</span>
          <span class="muted">{session.durationMinutes} min</span>
          {session.startsAt && session.phase === 'lobby' && (
            <span class="muted">Starts {formatTime(session.startsAt, 'dayAndTime')}</span>
          )}
          {distance !== undefined && <span class="muted">{formatDistance(distance)} away</span>}
        </p>
      </div>
      <Link href={href} class="button button-quiet">
        Open
      </Link>
    </li>
  );
}

type NearbyState =
  | { kind: 'idle' }
  | { kind: 'locating' }
  | { kind: 'loaded'; items: NearbySession[] }
  | { kind: 'failed'; message: string };

/** Public sessions around the person, once they have asked for it and the browser has shared where they are. */
function Nearby() {
  const [state, setState] = useLiveState<NearbyState>({ kind: 'idle' });
  const find = async () => {
    setState({ kind: 'locating' });
    try {
      const coords = await locate();
      const { items } = await coworkingApi.nearby(coords.latitude, coords.longitude, NEARBY_RADIUS_M);
      setState({ kind: 'loaded', items });
    } catch (error) {
      setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <section class="card" aria-labelledby="nearby-heading" data-testid="sessions-nearby">
      <h2 id="nearby-heading">Nearby</h2>
      <p class="muted">
        Public sessions within {NEARBY_RADIUS_M / 1000} km. Your browser asks before sharing where you are.
      </p>
      <p>
        <button
          type="button"
          class="button button-secondary"
          onClick={find}
          disabled={state.kind === 'locating'}
          data-testid="find-nearby"
        >
          {state.kind === 'locating' ? 'Finding you…' : 'Find sessions near me'}
        </button>
      </p>
      {state.kind === 'failed' && (
        <p class="notice notice-fail" role="alert" data-testid="nearby-problem">
          {state.message}
        </p>
      )}
      {state.kind === 'loaded' &&
        (state.items.length === 0 ? (
          <p class="muted" data-testid="nearby-empty">
            No public session near you right now. Start one!
          </p>
        ) : (
          <ul class="room-list" data-testid="nearby-list">
            {state.items.map((session) => (
              <SessionRow key={session.id} session={session} distance={session.distanceMeters} />
            ))}
          </ul>
        ))}
    </section>
  );
}

/** Sessions friends host that have not ended, private ones too: friends open them without a code. */
function FriendsSessions() {
  const [items, setItems] = useLiveState<CoworkingSession[] | null>(null);
  const [failed, setFailed] = useLiveState(false);
  useSingleEffect(() => {
    let live = true;
    coworkingApi.friends().then(
      (answer) => live && setItems(answer.items),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, []);
  return (
    <section class="card" aria-labelledby="friends-sessions-heading" data-testid="sessions-friends">
      <h2 id="friends-sessions-heading">Friends’ sessions</h2>
      {failed && (
        <p class="notice notice-fail" role="alert">
          Could not load your friends’ sessions. Reload to try again.
        </p>
      )}
      {items === null && !failed && <p class="muted">Loading…</p>}
      {items?.length === 0 && (
        <p class="muted" data-testid="friends-sessions-empty">
          None right now. Sessions your <Link href="/friends">friends</Link> host show up here, private ones too.
        </p>
      )}
      {items && items.length > 0 && (
        <ul class="room-list" data-testid="friends-sessions">
          {items.map((session) => (
            <SessionRow key={session.id} session={session} />
          ))}
        </ul>
      )}
    </section>
  );
}

function JoinByCode() {
  const form = useForm(async (data) => {
    const code = textOf(data, 'code').replace(/\s+/g, '').toUpperCase();
    if (code) navigate(`/c/${encodeURIComponent(code)}`);
  });
  return (
    <section class="card" aria-labelledby="code-heading" data-testid="join-by-code">
      <h2 id="code-heading">Join by code</h2>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        <Field
          label="Share code"
          name="code"
          required
          autocomplete="off"
          autocapitalize="characters"
          maxlength={32}
          hint="8 letters and digits, from the host’s link."
          error={form.fields.code}
        />
        <SubmitButton busy={form.busy} testid="join-code-submit">
          Open session
        </SubmitButton>
      </form>
    </section>
  );
}

function PassBalance() {
  const [balance, setBalance] = useLiveState<number | null>(null);
  useSingleEffect(() => {
    let live = true;
    coworkingApi.passes().then(
      (passes) => live && setBalance(passes.balance),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return (
    <section class="card" aria-labelledby="passes-heading">
      <h2 id="passes-heading">Remote passes</h2>
      <p>
        <strong class="pass-balance" data-testid="pass-balance">
          {balance ?? '…'}
        </strong>{' '}
        left
      </p>
      <p class="muted">Joining from somewhere else than the host’s spot spends one pass; in person is free.</p>
    </section>
  );
}

/** `/sessions`: friends' sessions, nearby ones, mine, join by code, and the remote-pass balance. */
export function SessionsPage() {
  const mine = usePagedList(coworkingApi.mine, []);
  return (
    <div class="page" data-testid="sessions">
      <header class="page-header sessions-header">
        <h1>Coworking sessions</h1>
        <Link href="/sessions/new" class="button" data-testid="new-session">
          New session
        </Link>
      </header>
      <div class="rooms-layout">
        <div class="stack">
          <FriendsSessions />
          <Nearby />
          <section class="card" aria-labelledby="mine-heading" data-testid="sessions-mine">
            <h2 id="mine-heading">Mine</h2>
            <ul class="room-list" aria-busy={String(mine.loading)} data-testid="my-sessions">
              {mine.items.map((session) => (
                <SessionRow key={session.id} session={session} />
              ))}
            </ul>
            {!mine.loading && mine.items.length === 0 && !mine.error && (
              <p class="muted">Sessions you host or join show up here.</p>
            )}
            <ListFooter list={mine} onMore={mine.loadMore} onRetry={mine.retry} />
          </section>
        </div>
        <div class="stack">
          <JoinByCode />
          <PassBalance />
        </div>
      </div>
    </div>
  );
}
