import { roomsApi } from '../chat/api';
import { Field, FormError, SubmitButton, textOf, useAction, useForm } from '../components/form';
import { ListFooter, usePagedList } from '../components/paged-list';
import { useLiveState } from '../hooks';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import type { Room, RoomVisibility } from '../types';

function RoomRow({ room }: { room: Room }) {
  const joining = useAction();
  const join = async () => {
    if (await joining.run(() => roomsApi.join(room.id).then(() => undefined))) navigate(`/rooms/${room.id}`);
  };
  const href = `/rooms/${encodeURIComponent(room.id)}`;
  return (
    <li class="room-row" data-testid="room-row" data-room-id={room.id} data-room-name={room.name}>
      <div class="room-main">
        <Link href={href} class="room-name">
          {room.name}
        </Link>
        <p class="room-facts">
          <span class={`badge${room.visibility === 'private' ? ' badge-private' : ''}`}>{room.visibility}</span>
          {room.role === 'owner' && <span class="muted">Yours</span>}
          {room.role === 'member' && <span class="muted">Joined</span>}
        </p>
      </div>
      {room.role ? (
        <Link href={href} class="button button-quiet" data-testid="room-open">
          Open
        </Link>
      ) : (
        <button
          type="button"
          class="button button-small"
          onClick={join}
          disabled={joining.busy}
          aria-label={`Join ${room.name}`}
          data-testid="room-join"
        >
          Join
        </button>
      )}
      {joining.error && (
        <div class="room-error">
          <FormError error={joining.error} />
        </div>
      )}
    </li>
  );
}

function CreateRoom() {
  const form = useForm(async (data) => {
    const visibility = (textOf(data, 'visibility') || 'public') as RoomVisibility;
    const room = await roomsApi.create({ name: textOf(data, 'name'), visibility });
    navigate(`/rooms/${encodeURIComponent(room.id)}`);
  });
  return (
    <section class="card" aria-labelledby="create-room-heading" data-testid="create-room">
      <h2 id="create-room-heading">Create a room</h2>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        <Field label="Name" name="name" maxlength={80} required autocomplete="off" error={form.fields.name} />
        <fieldset class="choice" data-testid="field-visibility">
          <legend>Who can find it</legend>
          <label>
            <input type="radio" name="visibility" value="public" checked />
            <span>Public</span>
            <span class="choice-hint">Anyone signed in can find and join it.</span>
          </label>
          <label>
            <input type="radio" name="visibility" value="private" />
            <span>Private</span>
            <span class="choice-hint">Only people you add can see it.</span>
          </label>
        </fieldset>
        <SubmitButton busy={form.busy} testid="create-room-submit">
          Create room
        </SubmitButton>
      </form>
    </section>
  );
}

/** Someone's id is how an owner adds them to a private room. */
function MyId() {
  const session = useSession();
  const [copied, setCopied] = useLiveState(false);
  if (session.status !== 'signed-in') return null;
  const { id } = session.user;
  const copy = () =>
    navigator.clipboard?.writeText(id).then(
      () => setCopied(true),
      () => undefined,
    );
  return (
    <section class="card" aria-labelledby="my-id-heading">
      <h2 id="my-id-heading">Your user id</h2>
      <p class="muted">Give it to a room’s owner so they can add you to a private room.</p>
      <p class="my-id">
        <code data-testid="my-user-id">{id}</code>
        {navigator.clipboard && (
          <button type="button" class="button button-quiet" onClick={copy}>
            {copied ? 'Copied' : 'Copy'}
          </button>
        )}
      </p>
    </section>
  );
}

export function RoomsPage() {
  const list = usePagedList(roomsApi.list, []);

  return (
    <div class="page" data-testid="rooms">
      <header class="page-header">
        <h1>Rooms</h1>
      </header>
      <div class="rooms-layout">
        <section class="card" aria-labelledby="rooms-heading">
          <h2 id="rooms-heading">Public rooms and yours</h2>
          <ul class="room-list" aria-busy={String(list.loading)} data-testid="room-list">
            {list.items.map((room) => (
              <RoomRow key={room.id} room={room} />
            ))}
          </ul>
          {!list.loading && list.items.length === 0 && !list.error && (
            <p class="muted" data-testid="no-rooms">
              No rooms yet. Create the first one.
            </p>
          )}
          <ListFooter list={list} onMore={list.loadMore} onRetry={list.retry} />
        </section>
        <div class="stack">
          <CreateRoom />
          <MyId />
        </div>
      </div>
    </div>
  );
}
