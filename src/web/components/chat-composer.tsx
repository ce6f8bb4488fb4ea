import { useId, useRef } from 'hono/jsx/dom';
import { MAX_TEXT } from '../chat/client';
import { useLiveState } from '../hooks';

interface ChatComposerProps {
  roomName: string;
  disabled: boolean;
  /** False when the message was refused (empty, too long, connection ended); the text is then kept. */
  onSend: (text: string) => boolean;
  onTyping: () => void;
  onStopTyping: () => void;
}

const count = new Intl.NumberFormat();

/** The message field: Enter sends, Shift+Enter starts a new line; a counter up to 4,000 characters. */
export function ChatComposer({ roomName, disabled, onSend, onTyping, onStopTyping }: ChatComposerProps) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [length, setLength] = useLiveState(0);
  const over = length > MAX_TEXT;

  const submit = (event?: Event) => {
    event?.preventDefault();
    const field = ref.current;
    if (!field || over || !field.value.trim()) return;
    if (!onSend(field.value)) return;
    field.value = '';
    setLength(0);
    field.focus();
  };

  const onInput = (event: Event) => {
    const { value } = event.currentTarget as HTMLTextAreaElement;
    setLength(value.length);
    if (value.trim()) onTyping();
    else onStopTyping();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    // Not while an input method is composing (Japanese, Chinese…): Enter confirms the characters there.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) submit(event);
  };

  return (
    <form class="chat-composer" onSubmit={submit} data-testid="chat-composer">
      <label for={id} class="visually-hidden">
        Message {roomName}
      </label>
      <textarea
        id={id}
        ref={ref}
        class="input chat-textarea"
        rows={1}
        placeholder={`Message ${roomName}`}
        disabled={disabled}
        aria-invalid={over ? 'true' : undefined}
        aria-describedby={`${id}-count`}
        onInput={onInput}
        onKeyDown={onKeyDown}
        onBlur={onStopTyping}
        data-testid="chat-input"
      />
      <div class="chat-composer-side">
        <span id={`${id}-count`} class={`chat-counter${over ? ' chat-counter-over' : ''}`} data-testid="chat-counter">
          {count.format(length)} / {count.format(MAX_TEXT)}
          <span class="visually-hidden"> characters</span>
          {over && ` · ${count.format(length - MAX_TEXT)} too many`}
        </span>
        <button type="submit" class="button button-small" disabled={disabled || over} data-testid="chat-send">
          Send
        </button>
      </div>
    </form>
  );
}
