import { useId, useRef } from 'hono/jsx/dom';
import { formatTime } from '../format';
import { useLiveState } from '../hooks';
import { Field, FormError, Notice, SubmitButton, textOf, useAction, useForm } from './form';

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

interface InvitePanelProps {
  /** Makes a fresh link. */
  createLink: () => Promise<{ url: string; expiresAt: string }>;
  /** Emails the link; answers the address it went to. */
  sendEmail: (email: string) => Promise<{ invited: string }>;
  /** Under the email field: what they get. */
  emailHint: string;
  /** Before any link is made: what a link does. */
  linkIntro: string;
  /** What opening the link does, as in `InviteLink`. */
  effect: string;
  createLabel: string;
  /** Test ids: `<testid>-email`, `-sent`, `-create`, `-link` and `-copy`. */
  testid: string;
}

/**
 * The two ways to bring someone in, side by side: by email (the answer never
 * says whether the address has an account) and by a link to share.
 */
export function InvitePanel(props: InvitePanelProps) {
  const action = useAction();
  const [invite, setInvite] = useLiveState<{ url: string; expiresAt: string } | null>(null);
  const [invited, setInvited] = useLiveState<string | null>(null);
  const byEmail = useForm(async (data, form) => {
    setInvited(null);
    const { invited: email } = await props.sendEmail(textOf(data, 'email'));
    form.reset();
    setInvited(email);
  });
  return (
    <div class="chat-settings-grid">
      <form ref={byEmail.ref} class="form" onSubmit={byEmail.onSubmit} noValidate>
        <h3>Invite by email</h3>
        <FormError error={byEmail.error} />
        <Field
          label="Their email"
          name="email"
          type="email"
          autocomplete="off"
          required
          hint={props.emailHint}
          error={byEmail.fields.email}
        />
        <div class="form-row">
          <SubmitButton busy={byEmail.busy} testid={`${props.testid}-email`}>
            Send invite
          </SubmitButton>
          {invited && <Notice testid={`${props.testid}-sent`}>Invite sent to {invited}.</Notice>}
        </div>
      </form>
      <div class="form">
        <h3>Invite by link</h3>
        <FormError error={action.error} />
        {invite ? (
          <InviteLink url={invite.url} expiresAt={invite.expiresAt} effect={props.effect} testid={props.testid} />
        ) : (
          <p class="muted">{props.linkIntro}</p>
        )}
        <p>
          <button
            type="button"
            class="button button-secondary"
            onClick={() => void action.run(async () => setInvite(await props.createLink()))}
            disabled={action.busy}
            data-testid={`${props.testid}-create`}
          >
            {invite ? 'Make a new link' : props.createLabel}
          </button>
        </p>
      </div>
    </div>
  );
}
