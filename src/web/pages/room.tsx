import { useEffect } from 'hono/jsx/dom';
import type { MessageView } from '../../realtime/protocol';
import { type ApiError, asApiError } from '../api';
import { roomsApi } from '../chat/api';
import { useChat } from '../chat/use-chat';
import { ChatComposer } from '../components/chat-composer';
import { ChatLog, ChatTyping } from '../components/chat-log';
import { ChatPresence } from '../components/chat-presence';
import { RoomSettings } from '../components/chat-settings';
import { ChatStatus } from '../components/chat-status';
import { useConfirm } from '../components/confirm';
import { errorMessage, FormError, useAction } from '../components/form';
import { RoomMembers } from '../components/room-members';
import { useLiveState, useSingleEffect } from '../hooks';
import { Link, navigate, type RouteParams } from '../router';
import { can, useSession } from '../session';
import type { Room } from '../types';

type State = { kind: 'loading' } | { kind: 'loaded'; room: Room } | { kind: 'error'; error: ApiError };

function ChatRoom({ room, onRoomChange }: { room: Room; onRoomChange: (room: Room) => void }) {
  const session = useSession();
  const confirm = useConfirm();
  const leaving = useAction();
  const [problem, setProblem] = useLiveState<string | null>(null);
  const { client, state } = useChat(room.id, true);
  const canModerate = room.role === 'owner' || can(session, 'rooms.moderate');

  const onEdit = (message: MessageView, text: string) => client?.edit(message.id, text) ?? false;

  const onDelete = async (message: MessageView) => {
    if (!client) return;
    const mine = message.author.id === state?.me?.userId;
    const question = mine
      ? 'Delete your message for everyone?'
      : `Delete ${message.author.name}’s message for everyone?`;
    if (!(await confirm.ask(question, 'Delete message'))) return;
    setProblem(null);
    try {
      await client.remove(message);
    } catch (error) {
      setProblem(`Could not delete it: ${errorMessage(asApiError(error))}`);
    }
  };

  const leave = async () => {
    if (!(await confirm.ask(`Leave “${room.name}”? You can rejoin a public room later.`, 'Leave room'))) return;
    if (await leaving.run(() => roomsApi.leave(room.id))) navigate('/rooms');
  };

  const connected = state?.status.kind === 'connected';
  const notice = problem ?? state?.notice?.text ?? null;
  return (
    <div class="chat-page" data-testid="room" data-room-id={room.id}>
      <header class="chat-header">
        <div class="chat-heading">
          <Link href="/rooms" class="chat-back">
            ← All rooms
          </Link>
          <h1 data-testid="room-name">{room.name}</h1>
          <p class="chat-sub muted">
            <span class={`badge${room.visibility === 'private' ? ' badge-private' : ''}`} data-testid="room-visibility">
              {room.visibility}
            </span>
            <span data-testid="room-online">{connected ? `${state.members.length} online` : 'Not connected'}</span>
            {room.role === 'owner' && <span>You own this room</span>}
          </p>
        </div>
        <div class="chat-header-side">
          {state && <ChatStatus status={state.status} onRetry={() => client?.reconnect()} />}
          {room.role === 'member' && (
            <button
              type="button"
              class="button button-quiet"
              onClick={leave}
              disabled={leaving.busy}
              data-testid="room-leave"
            >
              Leave room
            </button>
          )}
        </div>
      </header>
      <FormError error={leaving.error} />
      <div class="chat-notice" role="status" data-testid="chat-notice">
        {notice && <p class="notice notice-info">{notice}</p>}
      </div>
      <div class="chat-layout">
        <section class="card chat-main" aria-label="Conversation">
          {state ? (
            <>
              <ChatLog
                state={state}
                canModerate={canModerate}
                reportPlace={{ roomId: room.id }}
                onLoadOlder={() => void client?.loadOlder()}
                onEdit={onEdit}
                onDelete={onDelete}
              />
              <ChatTyping typing={state.typing} />
              <ChatComposer
                roomName={room.name}
                disabled={state.status.kind === 'ended'}
                onSend={(text) => client?.send(text) ?? false}
                onTyping={() => client?.typing()}
                onStopTyping={() => client?.stopTyping()}
              />
            </>
          ) : (
            <p class="muted">Connecting…</p>
          )}
        </section>
        <aside class="card chat-aside">
          <ChatPresence
            members={state?.members ?? []}
            myId={state?.me?.userId ?? null}
            stale={state?.status.kind !== 'connected'}
          />
        </aside>
      </div>
      <RoomMembers
        room={room}
        canManage={canModerate}
        myId={session.status === 'signed-in' ? session.user.id : null}
        onTransferred={onRoomChange}
        ask={confirm.ask}
        client={client}
      />
      {canModerate && (
        // An admin who is not a member gets `role: null` back; their place in the room has not changed.
        <RoomSettings room={room} onChanged={(next) => onRoomChange({ ...next, role: room.role })} ask={confirm.ask} />
      )}
      {confirm.dialog}
    </div>
  );
}

/** A public room the person has not joined: what it is, and a button to join. */
function JoinPrompt({ room, onJoined }: { room: Room; onJoined: (room: Room) => void }) {
  const joining = useAction();
  const join = () => joining.run(async () => onJoined(await roomsApi.join(room.id)));
  return (
    <section class="card narrow" data-testid="room-join-prompt">
      <h1>{room.name}</h1>
      <p class="muted">A public room. Join it to read the conversation and take part.</p>
      <FormError error={joining.error} />
      <p class="actions">
        <button type="button" class="button" onClick={join} disabled={joining.busy} data-testid="room-join">
          Join room
        </button>
        <Link href="/rooms" class="button button-secondary">
          Back to rooms
        </Link>
      </p>
    </section>
  );
}

export function RoomPage({ params }: { params: RouteParams }) {
  const id = params.id ?? '';
  const [state, setState] = useLiveState<State>({ kind: 'loading' });

  useSingleEffect(() => {
    let live = true;
    setState({ kind: 'loading' });
    roomsApi.get(id).then(
      (room) => live && setState({ kind: 'loaded', room }),
      (error: unknown) => live && setState({ kind: 'error', error: asApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, [id]);

  const name = state.kind === 'loaded' ? state.room.name : null;
  useEffect(() => {
    if (name) document.title = `${name} · Hearth`;
  }, [name]);

  if (state.kind === 'loading') {
    return (
      <p class="muted" aria-busy="true">
        Loading the room…
      </p>
    );
  }
  if (state.kind === 'error') {
    const missing = state.error.status === 404;
    return (
      <section class="card narrow" data-testid="room-error">
        <h1>{missing ? 'Room not found' : 'Could not open the room'}</h1>
        <p class="muted">
          {missing ? 'It may have been deleted, or it is private and you are not a member.' : errorMessage(state.error)}
        </p>
        <p class="actions">
          <Link href="/rooms" class="button">
            Back to rooms
          </Link>
        </p>
      </section>
    );
  }
  const setRoom = (room: Room) => setState({ kind: 'loaded', room });
  if (state.room.role === null) return <JoinPrompt room={state.room} onJoined={setRoom} />;
  return <ChatRoom room={state.room} onRoomChange={setRoom} />;
}
