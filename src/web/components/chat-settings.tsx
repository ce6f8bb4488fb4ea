import { roomsApi } from '../chat/api';
import { useLiveState } from '../hooks';
import { navigate } from '../router';
import type { Room, RoomVisibility } from '../types';
import { Field, FormError, Notice, SubmitButton, textOf, useAction, useForm } from './form';

interface RoomSettingsProps {
  room: Room;
  onChanged: (room: Room) => void;
  ask: (message: string, action: string) => Promise<boolean>;
}

/** For the room's owner (or an admin): rename, who can find it, add people to a private room, delete it. */
export function RoomSettings({ room, onChanged, ask }: RoomSettingsProps) {
  const [saved, setSaved] = useLiveState(false);
  const [added, setAdded] = useLiveState<string | null>(null);
  const removal = useAction();

  const details = useForm(async (data) => {
    setSaved(false);
    const visibility = textOf(data, 'visibility') as RoomVisibility;
    onChanged(await roomsApi.update(room.id, { name: textOf(data, 'name'), visibility }));
    setSaved(true);
  });

  const member = useForm(async (data, form) => {
    setAdded(null);
    const userId = textOf(data, 'userId');
    await roomsApi.addMember(room.id, userId);
    form.reset();
    setAdded(userId);
  });

  const deleteRoom = async () => {
    const sure = await ask(`Delete “${room.name}” and all of its messages for everyone?`, 'Delete room');
    if (!sure) return;
    const done = await removal.run(() => roomsApi.remove(room.id));
    if (done) navigate('/rooms');
  };

  return (
    <details class="card chat-settings" data-testid="room-settings">
      <summary data-testid="room-settings-toggle">Room settings</summary>
      <div class="chat-settings-grid">
        <form ref={details.ref} class="form" onSubmit={details.onSubmit} noValidate>
          <h3>Name and visibility</h3>
          <FormError error={details.error} />
          <Field label="Name" name="name" value={room.name} maxlength={80} required error={details.fields.name} />
          <Field select label="Who can find it" name="visibility" error={details.fields.visibility}>
            <option value="public" selected={room.visibility === 'public'}>
              Public: anyone signed in can join
            </option>
            <option value="private" selected={room.visibility === 'private'}>
              Private: only people you add
            </option>
          </Field>
          <div class="form-row">
            <SubmitButton busy={details.busy} testid="room-save">
              Save
            </SubmitButton>
            {saved && <Notice testid="room-saved">Saved.</Notice>}
          </div>
        </form>

        {room.visibility === 'private' && (
          <form ref={member.ref} class="form" onSubmit={member.onSubmit} noValidate>
            <h3>Add someone</h3>
            <FormError error={member.error} />
            <Field
              label="Their user id"
              name="userId"
              maxlength={64}
              required
              autocomplete="off"
              hint="They find it on their Rooms page."
              error={member.fields.userId}
            />
            <div class="form-row">
              <SubmitButton busy={member.busy} testid="room-add-member">
                Add to room
              </SubmitButton>
              {added && <Notice testid="member-added">Added. The room is now on their list.</Notice>}
            </div>
          </form>
        )}

        <div class="chat-danger">
          <h3>Delete the room</h3>
          <p class="muted">Everyone is disconnected and the history is erased. This cannot be undone.</p>
          <FormError error={removal.error} />
          <button
            type="button"
            class="button button-danger"
            onClick={deleteRoom}
            disabled={removal.busy}
            data-testid="room-delete"
          >
            Delete room
          </button>
        </div>
      </div>
    </details>
  );
}
