import { useState } from 'hono/jsx/dom';
import { request } from '../api';
import { errorMessage, FormError, useForm } from '../components/form';
import { useSingleEffect } from '../hooks';
import { socialApi } from '../social/api';
import type { FriendEntry } from '../social/types';

/**
 * The host's invite picker: their friends not in the session yet, ticked and
 * sent in one `POST /api/coworking/sessions/:id/invites`. Each gets the link by
 * email (or text); the answer says how many were sent.
 */
export function InviteFriends({ sessionId, present }: { sessionId: string; present: readonly string[] }) {
  const [friends, setFriends] = useState<FriendEntry[] | null>(null);
  const [loadProblem, setLoadProblem] = useState<string | null>(null);
  const [sent, setSent] = useState<number | null>(null);

  useSingleEffect(() => {
    socialApi.friends().then(
      (lists) => setFriends(lists.friends),
      (error) => setLoadProblem(errorMessage(error)),
    );
    return undefined;
  }, []);

  const form = useForm(async (data) => {
    const userIds = data.getAll('userId').map(String);
    if (userIds.length === 0) throw new Error('Tick at least one friend.');
    const result = await request<{ invited: number }>(
      `/api/coworking/sessions/${encodeURIComponent(sessionId)}/invites`,
      {
        method: 'POST',
        json: { userIds },
        auth: true,
      },
    );
    setSent(result.invited);
  });

  const open = (friends ?? []).filter((friend) => !present.includes(friend.userId));
  return (
    <details class="invite-friends" data-testid="invite-friends">
      <summary data-testid="invite-friends-toggle">Invite friends</summary>
      {loadProblem && (
        <p class="notice notice-fail" role="alert">
          Could not load your friends: {loadProblem}
        </p>
      )}
      {friends !== null && open.length === 0 && (
        <p class="muted" data-testid="invite-friends-none">
          {friends.length === 0 ? 'Add friends to invite them here.' : 'All your friends are here already.'}
        </p>
      )}
      {open.length > 0 && (
        <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
          <FormError error={form.error} />
          <fieldset class="invite-friends-list">
            <legend class="visually-hidden">Friends to invite</legend>
            {open.map((friend) => (
              <label class="checkbox" key={friend.userId}>
                <input type="checkbox" name="userId" value={friend.userId} data-testid="invite-friend" />
                {friend.name}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="button button-small" disabled={form.busy} data-testid="invite-friends-send">
            Send invitations
          </button>
          {sent !== null && (
            <p class="notice notice-ok" role="status" data-testid="invite-friends-sent">
              Invited {sent} {sent === 1 ? 'friend' : 'friends'}.
            </p>
          )}
        </form>
      )}
    </details>
  );
}
