import { useId, useRef } from 'hono/jsx/dom';
import { formatTime } from '../format';
import { useLiveState } from '../hooks';

interface InviteLinkProps {
  url: string;
  expiresAt: string;
  /** What opening the link does, as a sentence start: "Anyone signed in who opens it joins the room". */
  effect: string;
  /** Test ids `<testid>-link` (the text field) and `<testid>-copy` (the button). */
  testid: string;
}

/** An invite link with a Copy button; where there is no clipboard the text is selected for Ctrl+C. */
export function InviteLink({ url, expiresAt, effect, testid }: InviteLinkProps) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useLiveState<'copied' | 'select' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('copied');
    } catch {
      input.current?.focus();
      input.current?.select();
      setCopied('select');
    }
  };
  return (
    <div class="invite-link">
      <label for={id}>Invite link</label>
      <div class="form-row invite-row">
        <input
          ref={input}
          id={id}
          class="input"
          readOnly
          value={url}
          data-testid={`${testid}-link`}
          onFocus={(event: FocusEvent) => (event.currentTarget as HTMLInputElement).select()}
        />
        <button type="button" class="button button-secondary" onClick={copy} data-testid={`${testid}-copy`}>
          Copy
        </button>
      </div>
      <p class="muted">
        {copied === 'copied' ? 'Copied. ' : copied === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy it. ' : ''}
        {effect}, until {formatTime(expiresAt, 'shortDateTime')}.
      </p>
    </div>
  );
}
