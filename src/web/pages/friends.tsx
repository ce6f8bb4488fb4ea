import type { Child } from 'hono/jsx';
import { type ApiError, asApiError } from '../api';
import { useConfirm } from '../components/confirm';
import { errorMessage, FormError, useAction } from '../components/form';
import { InvitePanel } from '../components/invite-link';
import { formatTime } from '../format';
import { useLiveState, useSingleEffect } from '../hooks';
import { socialApi } from '../social/api';
import type { BlockedUser, FriendLists } from '../social/types';

interface People {
  lists: FriendLists;
  blocked: BlockedUser[];
}

/** One person in a list: their name, since when, and the buttons that list offers. */
function PersonRow(props: { userId: string; name: string; note: string; testid: string; children: Child }) {
  return (
    <li class="member-row" data-testid={props.testid} data-user-id={props.userId}>
      <span class="member-name">{props.name}</span>
      <span class="muted member-since">{props.note}</span>
      <span class="member-actions">{props.children}</span>
    </li>
  );
}

function Section(props: { id: string; title: string; count: number; empty: string; children: Child }) {
  return (
    <section class="card friends-section" aria-labelledby={props.id} data-testid={props.id}>
      <h2 id={props.id}>
        {props.title} <span class="chat-count">{props.count}</span>
      </h2>
      {props.count === 0 ? <p class="muted">{props.empty}</p> : <ul class="member-list">{props.children}</ul>}
    </section>
  );
}

/**
 * Bring someone in who is not in a room or session with you: a personal link
 * (whoever opens it becomes your friend) or the same link sent by email. The
 * email answer never says whether the address has an account.
 */
function InviteCard() {
  return (
    <section class="card friends-section" aria-labelledby="friends-invite" data-testid="friends-invite">
      <h2 id="friends-invite">Invite a friend</h2>
      <InvitePanel
        createLink={socialApi.inviteLink}
        sendEmail={socialApi.inviteByEmail}
        emailHint="They get your invite link. Whether the address has an account is not shown to you."
        linkIntro="A personal link: whoever opens it becomes your friend, for 7 days."
        effect="Whoever opens it, signed in, becomes your friend"
        createLabel="Make an invite link"
        testid="friend-invite"
      />
    </section>
  );
}

/**
 * Your friends and the requests between you and others: accept or decline
 * those sent to you, take back yours, end a friendship (asked first), and
 * unblock the people you blocked.
 */
export function FriendsPage() {
  const [people, setPeople] = useLiveState<People | null>(null);
  const [loadError, setLoadError] = useLiveState<ApiError | null>(null);
  const action = useAction();
  const confirm = useConfirm();

  const load = async () => {
    try {
      const [lists, blocks] = await Promise.all([socialApi.friends(), socialApi.blocks()]);
      setPeople({ lists, blocked: blocks.items });
      setLoadError(null);
    } catch (error) {
      setLoadError(asApiError(error));
    }
  };
  useSingleEffect(() => {
    void load();
    return undefined;
  }, []);

  /** Runs a change, then reads the lists again (an accepted request moves to friends). */
  const change = (run: () => Promise<void>) =>
    action.run(async () => {
      await run();
      await load();
    });

  const remove = async (userId: string, name: string) => {
    if (!(await confirm.ask(`Remove ${name} from your friends? They are not told.`, 'Remove friend'))) return;
    await change(() => socialApi.unfriend(userId));
  };

  const button = (label: string, testid: string, run: () => void, tone = 'button-quiet') => (
    <button
      type="button"
      class={`button button-small ${tone}`}
      onClick={run}
      disabled={action.busy}
      data-testid={testid}
    >
      {label}
    </button>
  );

  return (
    <div class="page" data-testid="friends-page">
      <header class="page-header">
        <h1>Friends</h1>
        <p class="muted">
          Add people from a room’s member list, a session’s participants or an invite link. Friends see each other’s
          sessions, private ones too.
        </p>
      </header>
      <FormError error={action.error} />
      {loadError && (
        <p class="notice notice-fail" role="alert" data-testid="friends-error">
          {errorMessage(loadError)}{' '}
          <button type="button" class="link-button" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}
      {!people && !loadError && <p class="muted">Loading…</p>}
      {people && (
        <div class="friends-grid">
          <InviteCard />
          <Section
            id="friends-incoming"
            title="Requests for you"
            count={people.lists.incoming.length}
            empty="No one is waiting for your answer."
          >
            {people.lists.incoming.map((entry) => (
              <PersonRow
                userId={entry.userId}
                name={entry.name}
                note={`asked ${formatTime(entry.since, 'date')}`}
                testid="friend-incoming"
              >
                {button(
                  'Accept',
                  'friend-accept',
                  () => void change(() => socialApi.accept(entry.userId).then(() => {})),
                  'button-secondary',
                )}
                {button('Decline', 'friend-decline', () => void change(() => socialApi.decline(entry.userId)))}
              </PersonRow>
            ))}
          </Section>
          <Section id="friends-list" title="Your friends" count={people.lists.friends.length} empty="No friends yet.">
            {people.lists.friends.map((entry) => (
              <PersonRow
                userId={entry.userId}
                name={entry.name}
                note={`friends since ${formatTime(entry.since, 'date')}`}
                testid="friend"
              >
                {button('Remove', 'friend-remove', () => void remove(entry.userId, entry.name), 'button-danger')}
              </PersonRow>
            ))}
          </Section>
          <Section
            id="friends-outgoing"
            title="Requests you sent"
            count={people.lists.outgoing.length}
            empty="You have no requests waiting."
          >
            {people.lists.outgoing.map((entry) => (
              <PersonRow
                userId={entry.userId}
                name={entry.name}
                note={`sent ${formatTime(entry.since, 'date')}`}
                testid="friend-outgoing"
              >
                {button('Cancel request', 'friend-cancel', () => void change(() => socialApi.cancel(entry.userId)))}
              </PersonRow>
            ))}
          </Section>
          <Section
            id="friends-blocked"
            title="Blocked"
            count={people.blocked.length}
            empty="You have not blocked anyone."
          >
            {people.blocked.map((entry) => (
              <PersonRow
                userId={entry.userId}
                name={entry.name}
                note={`blocked ${formatTime(entry.blockedAt, 'date')}`}
                testid="blocked-person"
              >
                {button('Unblock', 'unblock', () => void change(() => socialApi.unblock(entry.userId)))}
              </PersonRow>
            ))}
          </Section>
        </div>
      )}
      {confirm.dialog}
    </div>
  );
}
