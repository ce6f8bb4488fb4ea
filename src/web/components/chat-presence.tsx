import type { Member } from '../../realtime/protocol';

interface ChatPresenceProps {
  members: Member[];
  myId: string | null;
  /** Disconnected: the list is the last one known, shown dimmed. */
  stale: boolean;
}

/** Who is in the room right now: a dot for online, and how many tabs when more than one. */
export function ChatPresence({ members, myId, stale }: ChatPresenceProps) {
  return (
    <section
      class={`chat-people${stale ? ' chat-people-stale' : ''}`}
      aria-labelledby="chat-people-heading"
      data-testid="chat-presence"
    >
      <h2 id="chat-people-heading">
        Online{' '}
        <span class="chat-count" data-testid="chat-online-count">
          {members.length}
        </span>
      </h2>
      <ul class="chat-people-list">
        {members.map((member) => (
          <li key={member.userId} data-testid="chat-member" data-user-id={member.userId}>
            <span class="dot dot-ok" aria-hidden="true" />
            <span class="chat-person-name">{member.name}</span>
            {member.userId === myId && <span class="muted"> (you)</span>}
            <span class="visually-hidden">, online</span>
            {member.connections > 1 && (
              <span class="chat-tabs" data-testid="chat-member-tabs">
                {member.connections} tabs
              </span>
            )}
          </li>
        ))}
      </ul>
      {stale && members.length > 0 && <p class="muted">As last seen: you are not connected.</p>}
      {!stale && members.length === 0 && <p class="muted">Nobody is connected.</p>}
    </section>
  );
}
