import { type ApiError, asApiError } from '../api';
import { roomsApi } from '../chat/api';
import { errorMessage } from '../components/form';
import { useLiveState, useSingleEffect } from '../hooks';
import { Link, navigate, useSearchParams } from '../router';

/** `/rooms/invite?token=`: the link from an invitation joins the room and opens it. */
export function RoomInvitePage() {
  const token = useSearchParams().get('token') ?? '';
  const [error, setError] = useLiveState<ApiError | null>(null);

  useSingleEffect(() => {
    let live = true;
    roomsApi.acceptInvite(token).then(
      (room) => live && navigate(`/rooms/${encodeURIComponent(room.id)}`, { replace: true }),
      (thrown: unknown) => live && setError(asApiError(thrown)),
    );
    return () => {
      live = false;
    };
  }, [token]);

  if (!error) {
    return (
      <p class="muted" aria-busy="true" data-testid="room-invite-joining">
        Joining the room…
      </p>
    );
  }
  return (
    <section class="card narrow" data-testid="room-invite-error">
      <h1>{error.status === 404 ? 'That room is gone' : 'This invite does not work'}</h1>
      <p class="muted">{errorMessage(error)}</p>
      <p class="actions">
        <Link href="/rooms" class="button">
          Go to rooms
        </Link>
      </p>
    </section>
  );
}
