import { useEffect, useRef } from 'hono/jsx/dom';
import type { Member } from '../../realtime/protocol';
import { asApiError } from '../api';
import { ChatComposer } from '../components/chat-composer';
import { ChatLog, ChatTyping } from '../components/chat-log';
import { ChatStatus } from '../components/chat-status';
import { useConfirm } from '../components/confirm';
import { errorMessage, FormError, useAction } from '../components/form';
import { formatTime } from '../format';
import { useLiveState, useSingleEffect } from '../hooks';
import { Link } from '../router';
import { useSession } from '../session';
import { PersonActions } from '../social/person-actions';
import { coworkingApi, type HostAction, type Participant, type SessionDetails } from './api';
import { Countdown } from './countdown';
import { locate } from './geo';
import { InviteFriends } from './invite-friends';
import { Confetti, FloatingReactions, ReactionsBar } from './reactions';
import type { SessionClient, TimerView } from './session-client';
import { useCoworking } from './use-coworking';

const MODE_LABELS: Record<Participant['mode'], string> = {
  host: 'Host',
  in_person: 'In person',
  remote: 'Remote',
};

/**
 * The timer the details carry (the session object's, with the server's
 * `now`), until the socket brings live frames; for someone not in the
 * session yet it is the only one. Old details without it fall back to the row.
 */
function timerOfDetails({ session, timer }: SessionDetails): TimerView {
  if (timer) {
    return {
      phase: timer.phase,
      endsAt: timer.endsAt === null ? null : Date.parse(timer.endsAt),
      remainingMs: timer.remainingMs,
      durationMs: timer.durationMs,
      version: timer.version,
      offset: Date.parse(timer.now) - Date.now(),
    };
  }
  const durationMs = session.durationMinutes * 60_000;
  return {
    phase: session.phase,
    endsAt: session.endsAt ? Date.parse(session.endsAt) : null,
    remainingMs: session.phase === 'ended' ? 0 : durationMs,
    durationMs,
    version: 0,
    offset: 0,
  };
}

/** The host's buttons: the REST controls, whose answer is the new timer (everyone else gets it over the socket). */
function HostControls({
  client,
  details,
  phase,
}: {
  client: SessionClient | null;
  details: SessionDetails;
  phase: string;
}) {
  const action = useAction();
  const confirm = useConfirm();
  const id = details.session.id;
  const run = (name: HostAction | 'extend5' | 'extend15') =>
    action.run(async () => {
      if (name === 'end' && !(await confirm.ask('End the session for everyone now?', 'End session'))) return;
      const timer =
        name === 'extend5'
          ? await coworkingApi.extend(id, 5)
          : name === 'extend15'
            ? await coworkingApi.extend(id, 15)
            : await coworkingApi.control(id, name);
      client?.applyTimer(timer, 'rest');
    });
  const button = (name: Parameters<typeof run>[0], label: string, tone = 'button-secondary') => (
    <button
      type="button"
      class={`button ${tone}`}
      onClick={() => void run(name)}
      disabled={action.busy}
      data-testid={`host-${name}`}
    >
      {label}
    </button>
  );
  return (
    <section class="host-controls" aria-label="Host controls" data-testid="host-controls">
      <div class="host-buttons">
        {phase === 'lobby' && button('start', 'Start', 'button')}
        {phase === 'running' && button('pause', 'Pause', 'button')}
        {phase === 'paused' && button('resume', 'Resume', 'button')}
        {phase !== 'ended' && button('extend5', '+5 min')}
        {phase !== 'ended' && button('extend15', '+15 min')}
        {phase !== 'ended' && button('celebrate', '🎉 Celebrate')}
        {phase !== 'ended' && button('end', 'End', 'button-danger')}
      </div>
      <FormError error={action.error} />
      {confirm.dialog}
    </section>
  );
}

/** The host's buttons on someone else's row: hand the session over, or remove them (both asked first). */
function ParticipantActions({
  sessionId,
  person,
  onChanged,
}: {
  sessionId: string;
  person: Participant;
  onChanged: () => void;
}) {
  const action = useAction();
  const confirm = useConfirm();
  const handOver = () =>
    action.run(async () => {
      if (!(await confirm.ask(`Make ${person.name} the host? You lose the host controls.`, 'Make host'))) return;
      await coworkingApi.handOver(sessionId, person.userId);
      onChanged();
    });
  const remove = () =>
    action.run(async () => {
      if (!(await confirm.ask(`Remove ${person.name}? They cannot rejoin this session.`, 'Remove'))) return;
      await coworkingApi.remove(sessionId, person.userId);
      onChanged();
    });
  return (
    <>
      <span class="participant-actions">
        <button
          type="button"
          class="button button-small button-quiet"
          onClick={() => void handOver()}
          disabled={action.busy}
          data-testid="participant-make-host"
        >
          Make host
        </button>
        <button
          type="button"
          class="button button-small button-danger"
          onClick={() => void remove()}
          disabled={action.busy}
          data-testid="participant-remove"
        >
          Remove
        </button>
      </span>
      <FormError error={action.error} />
      {confirm.dialog}
    </>
  );
}

function Participants(props: {
  details: SessionDetails;
  hostId: string;
  online: Member[] | null;
  myId: string | null;
  /** Show the host's hand-over and removal buttons on the others' rows. */
  manage: boolean;
  onChanged: () => void;
}) {
  const { details, hostId, online, myId, manage, onChanged } = props;
  const here = (p: Participant) =>
    online ? online.some((member) => member.userId === p.userId) : (p.present ?? false);
  const people = details.participants.filter((p) => p.leftAt === null || p.userId === hostId);
  return (
    <section class="session-people" aria-labelledby="session-people-heading" data-testid="session-participants">
      <h2 id="session-people-heading">
        People <span class="chat-count">{people.length}</span>
      </h2>
      <p class="muted">
        {details.seatsTaken} of {details.capacity} seats taken
      </p>
      <ul class="session-people-list">
        {people.map((p) => {
          const mode = p.userId === hostId ? 'host' : p.mode === 'host' ? 'in_person' : p.mode;
          const isOnline = here(p);
          return (
            <li key={p.userId} data-testid="session-participant" data-user-id={p.userId} data-online={String(isOnline)}>
              <span class={`dot ${isOnline ? 'dot-ok' : 'dot-off'}`} aria-hidden="true" />
              <span class="chat-person-name">{p.name}</span>
              {p.userId === myId && <span class="muted"> (you)</span>}
              <span class={`badge mode-${mode}`} data-testid="participant-mode">
                {MODE_LABELS[mode]}
              </span>
              <span class="visually-hidden">{isOnline ? ', online' : ', not here now'}</span>
              {manage && p.userId !== myId && p.userId !== hostId && p.leftAt === null && (
                <ParticipantActions sessionId={details.session.id} person={p} onChanged={onChanged} />
              )}
              <PersonActions person={p} myId={myId} sessionId={details.session.id} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Downloads the session as an .ics file: fetched with the token (a plain link has none), saved through a Blob URL. */
function CalendarButton({ sessionId }: { sessionId: string }) {
  const action = useAction();
  const save = () =>
    action.run(async () => {
      const { blob, filename } = await coworkingApi.calendar(sessionId);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      // Revoked after the click has handed the file to the browser's download.
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  return (
    <>
      <button
        type="button"
        class="link-button"
        onClick={() => void save()}
        disabled={action.busy}
        data-testid="session-calendar"
      >
        Add to calendar
      </button>
      <FormError error={action.error} />
    </>
  );
}

/** Not in the session yet: join at the same place (the browser's location) or remotely, spending a pass. */
function JoinPrompt({ details, code, onJoined }: { details: SessionDetails; code?: string; onJoined: () => void }) {
  const joining = useAction();
  const [passes, setPasses] = useLiveState<number | null>(null);
  const [problem, setProblem] = useLiveState<string | null>(null);
  const { session, you } = details;
  const rejoin = you !== null;

  useSingleEffect(() => {
    let live = true;
    coworkingApi.passes().then(
      (answer) => live && setPasses(answer.balance),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);

  const inPerson = () =>
    joining.run(async () => {
      setProblem(null);
      let coords: GeolocationCoordinates;
      try {
        coords = await locate();
      } catch (error) {
        setProblem(error instanceof Error ? error.message : String(error));
        return;
      }
      const location = { lat: coords.latitude, lng: coords.longitude, accuracy: Math.min(coords.accuracy, 100_000) };
      await coworkingApi.join(session.id, { code, location });
      onJoined();
    });
  const remote = () =>
    joining.run(async () => {
      setProblem(null);
      await coworkingApi.join(session.id, { code, remote: true });
      onJoined();
    });

  const full = details.seatsTaken >= details.capacity && !rejoin;
  return (
    <section class="card session-join" aria-labelledby="join-heading" data-testid="session-join-prompt">
      <h2 id="join-heading">{rejoin ? 'Rejoin this session' : 'Join this session'}</h2>
      <p class="muted">
        Hosted by {details.host.name}. {details.seatsTaken} of {details.capacity} seats taken.
      </p>
      {problem && (
        <p class="notice notice-fail" role="alert" data-testid="join-location-problem">
          {problem}
        </p>
      )}
      <FormError error={joining.error} />
      {full ? (
        <p class="notice notice-info">Every seat is taken.</p>
      ) : (
        <p class="actions">
          {session.location && (
            <button
              type="button"
              class="button"
              onClick={inPerson}
              disabled={joining.busy}
              data-testid="join-in-person"
            >
              Join in person
            </button>
          )}
          <button
            type="button"
            class={session.location ? 'button button-secondary' : 'button'}
            onClick={remote}
            disabled={joining.busy || (!rejoin && passes === 0)}
            data-testid="join-remote"
          >
            {rejoin ? 'Rejoin remotely' : `Join remotely (uses 1 pass, ${passes ?? '…'} left)`}
          </button>
        </p>
      )}
      {session.location && (
        <p class="field-hint">
          In person means within 50 m of the host’s spot; your location is checked, never stored.
        </p>
      )}
    </section>
  );
}

/** The session's chat: the same log and composer as rooms, gone with the session. */
function SessionChat({ client }: { client: SessionClient }) {
  const chat = client.chat;
  const state = chat.state;
  return (
    <section class="card session-chat" aria-label="Session chat" data-testid="session-chat">
      <p class="notice notice-info session-chat-note" data-testid="session-chat-note">
        This chat disappears when the session ends.
      </p>
      <ChatLog
        state={state}
        canModerate={false}
        reportPlace={{ sessionId: client.sessionId }}
        onLoadOlder={() => void chat.loadOlder()}
        onEdit={(message, text) => chat.edit(message.id, text)}
        onDelete={(message) => void chat.remove(message)}
        startNote="The session’s chat starts here."
      />
      <ChatTyping typing={state.typing} />
      <ChatComposer
        roomName="everyone here"
        disabled={state.status.kind === 'ended'}
        onSend={(text) => chat.send(text)}
        onTyping={() => chat.typing()}
        onStopTyping={() => chat.stopTyping()}
      />
    </section>
  );
}

/**
 * One coworking session: the large countdown, its phase, the host's controls,
 * who is here (in person or remote, online or not), reactions, confetti and
 * the ephemeral chat; or, for someone not in it yet, what it is and how to join.
 */
export function SessionView({
  initial,
  code,
  onReload,
}: {
  initial: SessionDetails;
  code?: string;
  onReload: () => void;
}) {
  const session = useSession();
  const myId = session.status === 'signed-in' ? session.user.id : null;
  const [details, setDetails] = useLiveState(initial);
  useEffect(() => setDetails(initial), [initial]);
  const { you } = details;
  const isIn = you !== null && (you.leftAt === null || you.mode === 'host');
  // Connected once in and not over; an end seen live keeps this on, so the confetti and the end stay shown.
  const connectable = useRef(false);
  if (isIn && details.session.phase !== 'ended') connectable.current = true;
  const { client, chat, live } = useCoworking(details.session.id, isIn && connectable.current);
  const [leaveProblem, setLeaveProblem] = useLiveState<string | null>(null);

  const timer = live?.timer ?? timerOfDetails(details);
  const hostId = live?.host?.userId ?? details.session.hostId;
  const isHost = myId === hostId;
  const connected = chat?.status.kind === 'connected';
  const ended = timer.phase === 'ended';
  const removed = live?.removed ?? false;
  const active = isIn && !ended && !removed;

  // Someone new came in: the participants list (names, in person or remote) is read again.
  const members = chat?.members ?? [];
  const unknown = !removed && members.some((member) => !details.participants.some((p) => p.userId === member.userId));
  useSingleEffect(() => {
    if (!unknown) return;
    let live = true;
    coworkingApi.get(details.session.id).then(
      (next) => live && setDetails(next),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [unknown]);

  // A hand-over or a removal: the list is read again (the new host arrives as a `host` frame too).
  const refresh = () => {
    coworkingApi.get(details.session.id).then(
      (next) => setDetails(next),
      () => undefined,
    );
  };

  const leave = async () => {
    setLeaveProblem(null);
    try {
      await coworkingApi.leave(details.session.id);
      onReload();
    } catch (error) {
      setLeaveProblem(`Could not leave: ${errorMessage(asApiError(error))}`);
    }
  };

  const { session: s } = details;
  return (
    <div class="session-page" data-testid="session" data-session-id={s.id} data-phase={timer.phase}>
      <header class="session-header">
        <Link href="/sessions" class="chat-back">
          ← All sessions
        </Link>
        <h1 data-testid="session-title">{s.title}</h1>
        <p class="chat-sub muted">
          <span class={`badge${s.visibility === 'private' ? ' badge-private' : ''}`}>{s.visibility}</span>
          <span>Host: {details.host.id === hostId ? details.host.name : (live?.host?.name ?? details.host.name)}</span>
          <span>
            Code <code data-testid="session-code">{s.shareCode}</code>
          </span>
          {s.startsAt && s.phase === 'lobby' && <span>Starts {formatTime(s.startsAt, 'dayAndTime')}</span>}
          {s.endedAt && <span>Ended {formatTime(s.endedAt, 'dayAndTime')}</span>}
        </p>
      </header>

      <section class="card session-timer" aria-label="Timer" data-testid="session-timer">
        <FloatingReactions reactions={live?.reactions ?? []} />
        <Countdown timer={timer} />
        {chat && !ended && !removed && <ChatStatus status={chat.status} onRetry={() => client?.chat.reconnect()} />}
        {removed && (
          <div class="notice notice-fail session-removed" role="alert" data-testid="session-removed">
            <p>The host removed you from this session. You cannot rejoin it.</p>
            <p>
              <Link href="/sessions" class="button" data-testid="session-removed-back">
                Back to sessions
              </Link>
            </p>
          </div>
        )}
        {chat?.notice && !removed && (
          <p class="notice notice-info" role="status" data-testid="session-notice">
            {chat.notice.text}
          </p>
        )}
        {isHost && active && <HostControls client={client} details={details} phase={timer.phase} />}
        {active && <ReactionsBar onReact={(emoji) => client?.react(emoji)} disabled={!connected} />}
      </section>

      {!isIn && !ended && !removed && <JoinPrompt details={details} code={code} onJoined={onReload} />}

      <div class="session-layout">
        {active && client && chat ? (
          <SessionChat client={client} />
        ) : (
          ended && (
            <section class="card session-chat" data-testid="session-chat-gone">
              <p class="muted">The session has ended and its chat was deleted.</p>
            </section>
          )
        )}
        <aside class="card session-aside">
          <Participants
            details={details}
            hostId={hostId}
            online={connected ? members : null}
            myId={myId}
            manage={isHost && active}
            onChanged={refresh}
          />
          {isHost && active && <InviteFriends sessionId={s.id} present={details.participants.map((p) => p.userId)} />}
          {active && (
            <div class="session-links">
              <CalendarButton sessionId={s.id} />
              {!isHost && (
                <button type="button" class="link-button" onClick={leave} data-testid="session-leave">
                  Leave session
                </button>
              )}
            </div>
          )}
          {leaveProblem && (
            <p class="notice notice-fail" role="alert">
              {leaveProblem}
            </p>
          )}
        </aside>
      </div>
      <Confetti bursts={live?.confetti ?? 0} />
    </div>
  );
}
