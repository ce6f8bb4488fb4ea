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

/** For the room's owner (or a moderator): rename, who can find it, delete it. Members are managed beside it. */
export function RoomSettings({ room, onChanged, ask }: RoomSettingsProps) {
  const [saved, setSaved] = useLiveState(false);
  const removal = useAction();

  const details = useForm(async (data) => {
    setSaved(false);
    const visibility = textOf(data, 'visibility') as RoomVisibility;
    onChanged(await roomsApi.update(room.id, { name: textOf(data, 'name'), visibility }));
    setSaved(true);
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
