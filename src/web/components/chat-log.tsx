import { useLayoutEffect, useRef } from 'hono/jsx/dom';
import type { MessageView } from '../../realtime/protocol';
import { type ChatState, EDIT_WINDOW_MS, type Typist } from '../chat/client';
import { useLiveState } from '../hooks';
import type { MeetingPlace } from '../social/person-actions';
import { ChatMessage, ChatPendingMessage } from './chat-message';

/** Messages of one author this close together share one name and time. */
const GROUP_WINDOW_MS = 5 * 60 * 1000;
/** Scrolled this close to the top, the page before is fetched. */
const NEAR_TOP_PX = 240;
/** Scrolled this close to the bottom counts as reading the newest messages: new ones keep it there. */
const NEAR_BOTTOM_PX = 48;

interface ChatLogProps {
  state: ChatState;
  /** The room's owner or an admin: may delete anyone's message. */
  canModerate: boolean;
  onLoadOlder: () => void;
  onEdit: (message: MessageView, text: string) => boolean;
  onDelete: (message: MessageView) => void;
  /** Where these messages were sent: others' messages can then be reported from their menus. */
  reportPlace?: MeetingPlace;
  /** Shown above the first message once it is loaded. */
  startNote?: string;
}

const continues = (previous: MessageView | undefined, message: MessageView) =>
  previous !== undefined &&
  previous.author.id === message.author.id &&
  Date.parse(message.sentAt) - Date.parse(previous.sentAt) < GROUP_WINDOW_MS;

function OlderRow(props: { older: ChatState['older']; onLoadOlder: () => void; startNote: string }) {
  const { older, onLoadOlder, startNote } = props;
  if (older === 'done') return <p class="chat-older muted">{startNote}</p>;
  if (older === 'loading')
    return (
      <p class="chat-older muted" aria-busy="true" data-testid="chat-loading-older">
        Loading older messages…
      </p>
    );
  return (
    <p class="chat-older">
      {older === 'error' && <span class="muted">Could not load older messages. </span>}
      <button type="button" class="link-button" onClick={onLoadOlder} data-testid="chat-load-older">
        {older === 'error' ? 'Try again' : 'Load older messages'}
      </button>
    </p>
  );
}

/**
 * The conversation: older pages load as the reader scrolls up (the view stays
 * put while they are inserted above), new messages keep the view at the bottom
 * when the reader is there, and otherwise a button offers to jump down.
 */
export function ChatLog(props: ChatLogProps) {
  const { state, canModerate, onLoadOlder, onEdit, onDelete, startNote = 'This is the start of the room.' } = props;
  const ref = useRef<HTMLElement>(null);
  const atBottom = useRef(true);
  const shape = useRef<{ first: number | null; last: number | null; pending: number; height: number }>({
    first: null,
    last: null,
    pending: 0,
    height: 0,
  });
  const [unseen, setUnseen] = useLiveState(false);
  const { messages, pending, me, status, older, clockOffset } = state;
  const connected = status.kind === 'connected';

  const nearTop = (log: HTMLElement) => log.scrollTop < NEAR_TOP_PX && older === 'idle';

  useLayoutEffect(() => {
    const log = ref.current;
    if (!log) return;
    const before = shape.current;
    const first = messages[0]?.seq ?? null;
    const last = messages.at(-1)?.seq ?? null;
    const prepended = before.first !== null && first !== null && first < before.first;
    const appended = last !== null && (before.last === null || last > before.last);
    if (pending.length > before.pending || atBottom.current) {
      // Our own new message, or the reader was following along: show the newest.
      log.scrollTop = log.scrollHeight;
      atBottom.current = true;
    } else if (prepended) {
      log.scrollTop += log.scrollHeight - before.height;
    } else if (appended) {
      setUnseen(true);
    }
    shape.current = { first, last, pending: pending.length, height: log.scrollHeight };
    // A short history does not fill the view, so no scroll would ever ask for more.
    if (nearTop(log)) onLoadOlder();
  }, [messages, pending]);

  const onScroll = () => {
    const log = ref.current;
    if (!log) return;
    atBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom.current) setUnseen(false);
    if (nearTop(log)) onLoadOlder();
  };

  const jumpDown = () => {
    const log = ref.current;
    if (!log) return;
    log.scrollTop = log.scrollHeight;
    atBottom.current = true;
    setUnseen(false);
  };

  const now = Date.now() + clockOffset;
  const lastMessage = messages.at(-1);
  return (
    <div class="chat-log-frame">
      {/* Focusable, so keyboard users can scroll it; not a live region (older pages would be read out too). */}
      <section ref={ref} class="chat-log" tabindex={0} aria-label="Messages" onScroll={onScroll} data-testid="chat-log">
        <OlderRow older={older} onLoadOlder={onLoadOlder} startNote={startNote} />
        {messages.length === 0 && pending.length === 0 && older === 'done' && (
          <p class="chat-empty muted" data-testid="chat-empty">
            No messages yet. Say hello!
          </p>
        )}
        <ol class="chat-messages" data-testid="chat-messages">
          {messages.map((message, index) => {
            const mine = message.author.id === me?.userId;
            return (
              <ChatMessage
                key={message.seq}
                message={message}
                continued={continues(messages[index - 1], message)}
                mine={mine}
                canEdit={mine && connected && now - Date.parse(message.sentAt) < EDIT_WINDOW_MS}
                canDelete={mine || canModerate}
                reportPlace={props.reportPlace}
                onEdit={onEdit}
                onDelete={onDelete}
              />
            );
          })}
          {pending.map((message, index) => (
            <ChatPendingMessage
              key={message.clientId}
              text={message.text}
              name={me?.name ?? 'You'}
              continued={index > 0 || lastMessage?.author.id === me?.userId}
              online={connected}
            />
          ))}
        </ol>
      </section>
      {unseen && (
        <button type="button" class="button button-small chat-jump" onClick={jumpDown} data-testid="chat-jump">
          New messages ↓
        </button>
      )}
      {/* What screen readers hear: each message that arrives from someone else, once. */}
      <div class="visually-hidden" aria-live="polite" data-testid="chat-announcer">
        {state.incoming ? `${state.incoming.author.name}: ${state.incoming.text}` : ''}
      </div>
    </div>
  );
}

/** "Ada is typing…", "Ada and Bo are typing…", "Several people are typing…". */
export function ChatTyping({ typing }: { typing: Typist[] }) {
  const names = typing.map((typist) => typist.name);
  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = 'Several people are typing…';
  // Always rendered, so the composer does not jump when someone starts typing.
  return (
    <p class="chat-typing" data-testid="chat-typing">
      {text}
    </p>
  );
}
