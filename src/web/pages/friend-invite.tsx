import { type ApiError, asApiError } from '../api';
import { errorMessage } from '../components/form';
import { useLiveState, useSingleEffect } from '../hooks';
import { Link, useSearchParams } from '../router';
import { socialApi } from '../social/api';
import type { FriendEntry } from '../social/types';

/**
 * `/friends/invite?token=`: a personal invite link. Opening it (signed in, or
 * after signing in or up: the route sends you back here) makes you and its
 * owner friends.
 */
export function FriendInvitePage() {
  const token = useSearchParams().get('token') ?? '';
  const [friend, setFriend] = useLiveState<FriendEntry | null>(null);
  const [error, setError] = useLiveState<ApiError | null>(null);

  useSingleEffect(() => {
    let live = true;
    socialApi.acceptInvite(token).then(
      (entry) => live && setFriend(entry),
      (thrown: unknown) => live && setError(asApiError(thrown)),
    );
    return () => {
      live = false;
    };
  }, [token]);

  if (!friend && !error) {
    return (
      <p class="muted" aria-busy="true" data-testid="friend-invite-accepting">
        Accepting the invite…
      </p>
    );
  }
  return (
    <section class="card narrow" data-testid={friend ? 'friend-invite-accepted' : 'friend-invite-error'}>
      <h1>{friend ? `You and ${friend.name} are friends` : 'This invite does not work'}</h1>
      <p class="muted">
        {friend ? 'You see each other’s coworking sessions, private ones too.' : errorMessage(error as ApiError)}
      </p>
      <p class="actions">
        <Link href="/friends" class="button">
          Go to friends
        </Link>
        {friend && (
          <Link href="/sessions" class="button button-secondary">
            Their sessions
          </Link>
        )}
      </p>
    </section>
  );
}
