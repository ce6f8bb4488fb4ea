import { useRef } from 'hono/jsx/dom';
import type { MembersFrame } from '../../realtime/protocol';
import { asApiError } from '../api';
import { type RoomMember, roomsApi } from '../chat/api';
import type { ChatClient } from '../chat/client';
import { formatTime } from '../format';
import { useLiveState, useSingleEffect } from '../hooks';
import { PersonActions } from '../social/person-actions';
import type { Room } from '../types';
import { errorMessage } from './form';
import { InvitePanel } from './invite-link';
import { ListFooter, usePagedList } from './paged-list';

interface RoomMembersProps {
  room: Room;
  /** The owner, or a room moderator: may invite, remove and hand the room over. */
  canManage: boolean;
  myId: string | null;
  /** The room changed hands (handed over here, or the room said so): the room as it is now. */
  onTransferred: (room: Room) => void;
  ask: (message: string, action: string) => Promise<boolean>;
  /** The room's live connection: the list follows its member changes without a reload. */
  client?: ChatClient | null;
}

/**
 * One change the room announced, applied to the rows loaded so far. The list
 * is in account order and paged: a newcomer past the last loaded row (with
 * more pages to come) arrives with its page instead.
 */
export function applyMembersChange(items: RoomMember[], change: MembersFrame, morePages: boolean): RoomMember[] {
  switch (change.change) {
    case 'added': {
      const { member } = change;
      if (items.some((item) => item.userId === member.userId)) return items;
      const last = items.at(-1);
      if (morePages && last && member.userId > last.userId) return items;
      const at = items.findIndex((item) => item.userId > member.userId);
      return at === -1 ? [...items, member] : [...items.slice(0, at), member, ...items.slice(at)];
    }
    case 'removed':
      return items.filter((item) => item.userId !== change.userId);
    case 'owner':
      return items.map((item) =>
        item.userId === change.ownerId
          ? { ...item, role: 'owner' }
          : item.userId === change.previousOwnerId
            ? { ...item, role: 'member' }
            : item,
      );
  }
}

/**
 * Who belongs to the room. Everyone in it sees the list; the owner (or a
 * moderator) also invites people by email or link, removes members (their
 * sockets close at once) and hands the room over to another member.
 */
export function RoomMembers({ room, canManage, myId, onTransferred, ask, client = null }: RoomMembersProps) {
  const list = usePagedList((cursor) => roomsApi.members(room.id, cursor), [room.id, room.ownerId]);
  // The latest render's list and room, for the frame listener below (subscribed once per connection).
  const latest = useRef({ list, room, myId, onTransferred });
  latest.current = { list, room, myId, onTransferred };

  useSingleEffect(() => {
    if (!client) return undefined;
    // Welcomes so far: the first one came with the list just read (maybe before this listener was in place).
    let welcomes = client.state.status.kind === 'connected' ? 1 : 0;
    return client.onFrame((frame) => {
      const now = latest.current;
      if (frame.type === 'welcome') {
        // A reconnect may have missed changes while away: read the list again (the first welcome has it fresh).
        if (++welcomes > 1) void now.list.reload();
        return;
      }
      if (frame.type !== 'members') return;
      now.list.update((items) => applyMembersChange(items, frame, now.list.nextCursor !== null));
      if (frame.change === 'owner' && now.room.ownerId !== frame.ownerId) {
        const role = now.room.role === null ? null : frame.ownerId === now.myId ? 'owner' : 'member';
        now.onTransferred({ ...now.room, ownerId: frame.ownerId, role });
      }
    });
  }, [client]);
  const [problem, setProblem] = useLiveState<string | null>(null);

  const remove = async (member: RoomMember) => {
    if (!(await ask(`Remove ${member.name} from “${room.name}”? They are disconnected at once.`, 'Remove'))) return;
    setProblem(null);
    try {
      await roomsApi.removeMember(room.id, member.userId);
      list.update((items) => items.filter((item) => item.userId !== member.userId));
    } catch (error) {
      setProblem(`Could not remove ${member.name}: ${errorMessage(asApiError(error))}`);
    }
  };

  const transfer = async (member: RoomMember) => {
    const question = `Make ${member.name} the owner of “${room.name}”? You stay in the room as a member and can no longer manage it.`;
    if (!(await ask(question, 'Make owner'))) return;
    setProblem(null);
    try {
      onTransferred(await roomsApi.transfer(room.id, member.userId));
    } catch (error) {
      setProblem(`Could not hand the room over: ${errorMessage(asApiError(error))}`);
    }
  };

  return (
    <details class="card room-members" data-testid="room-members">
      <summary data-testid="room-members-toggle">Members</summary>
      {problem && (
        <p class="notice notice-fail" role="alert">
          {problem}
        </p>
      )}
      <ul class="member-list">
        {list.items.map((member) => (
          <li key={member.userId} class="member-row" data-testid="room-member" data-user-id={member.userId}>
            <span class="member-name">
              {member.name}
              {member.userId === myId && <span class="muted"> (you)</span>}
            </span>
            {member.role === 'owner' ? (
              <span class="badge" data-testid="room-member-role">
                owner
              </span>
            ) : (
              <span class="muted member-since">joined {formatTime(member.joinedAt, 'date')}</span>
            )}
            <PersonActions person={member} myId={myId} roomId={room.id} />
            {canManage && member.role !== 'owner' && (
              <span class="member-actions">
                <button
                  type="button"
                  class="button button-small button-quiet"
                  onClick={() => transfer(member)}
                  data-testid="room-member-make-owner"
                >
                  Make owner
                </button>
                <button
                  type="button"
                  class="button button-small button-danger"
                  onClick={() => remove(member)}
                  data-testid="room-member-remove"
                >
                  Remove
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      <ListFooter list={list} onMore={() => void list.loadMore()} onRetry={() => void list.retry()} />

      {canManage && (
        <InvitePanel
          createLink={() => roomsApi.inviteLink(room.id)}
          sendEmail={(email) => roomsApi.inviteByEmail(room.id, email)}
          emailHint="They get a link to join. Whether the address has an account is not shown to you."
          linkIntro="A link anyone signed in can open to join, for 7 days."
          effect="Anyone signed in who opens it joins the room"
          createLabel="Create invite link"
          testid="room-invite"
        />
      )}
    </details>
  );
}
