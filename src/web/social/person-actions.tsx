import { useEffect, useId, useRef, useState } from 'hono/jsx/dom';
import { useConfirm } from '../components/confirm';
import { Field, FormError, SubmitButton, textOf, useAction, useForm } from '../components/form';
import { useMenu } from '../components/menu';
import { useLiveState } from '../hooks';
import { socialApi } from './api';
import type { ReportReason } from './types';

export const REASON_LABELS: Record<ReportReason, string> = {
  spam: 'Spam',
  harassment: 'Harassment',
  inappropriate: 'Inappropriate content',
  other: 'Something else',
};

/** Where the two of you met: a report names it, so the moderators can look at it. */
export interface MeetingPlace {
  sessionId?: string;
  roomId?: string;
  /** One message reported: its text is kept with the report even if the message is deleted later. */
  messageId?: string;
}

interface PersonActionsProps extends MeetingPlace {
  person: { userId: string; name: string };
  /** The signed-in user: nothing is shown on their own row. */
  myId: string | null;
}

/** The report form, in a modal dialog: a reason, optional details; sent with where it happened. */
export function ReportDialog(props: {
  person: { userId: string; name: string };
  place: MeetingPlace;
  onClose: (sent: boolean) => void;
}) {
  const { person, place, onClose } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const form = useForm(async (data) => {
    const details = textOf(data, 'details');
    await socialApi.report({
      userId: person.userId,
      ...place,
      reason: textOf(data, 'reason') as ReportReason,
      ...(details ? { details } : {}),
    });
    onClose(true);
  });

  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
  }, []);

  return (
    <dialog
      ref={ref}
      class="dialog report-dialog"
      aria-labelledby={headingId}
      onClose={() => onClose(false)}
      data-testid="report-dialog"
    >
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <h2 id={headingId} class="report-dialog-title">
          {place.messageId ? `Report this message from ${person.name}` : `Report ${person.name}`}
        </h2>
        <p class="muted">The moderators read it; {person.name} is not told who reported them.</p>
        <FormError error={form.error} />
        <Field label="What happened" name="reason" select required error={form.fields.reason}>
          {(Object.keys(REASON_LABELS) as ReportReason[]).map((reason) => (
            <option value={reason}>{REASON_LABELS[reason]}</option>
          ))}
        </Field>
        <div class="field">
          <label for={`${headingId}-details`}>Details (optional)</label>
          <textarea
            id={`${headingId}-details`}
            name="details"
            class="input report-details"
            rows={4}
            maxlength={2000}
            aria-invalid={form.fields.details ? 'true' : undefined}
            data-testid="field-details"
          />
          {form.fields.details && (
            <p class="field-error" data-testid="error-details">
              {form.fields.details}
            </p>
          )}
        </div>
        <div class="dialog-actions">
          <button type="button" class="button button-quiet" onClick={() => onClose(false)}>
            Cancel
          </button>
          <SubmitButton busy={form.busy} class="button button-danger" testid="report-submit">
            Send report
          </SubmitButton>
        </div>
      </form>
    </dialog>
  );
}

/**
 * A "⋯" menu on someone else's row in a room or session: add them as a friend,
 * block them (asked first) or report them to the moderators. What happened is
 * said next to the button; failures too.
 */
export function PersonActions({ person, myId, sessionId, roomId }: PersonActionsProps) {
  const [reporting, setReporting] = useState(false);
  const [done, setDone] = useLiveState<string | null>(null);
  const action = useAction();
  const confirm = useConfirm();
  const menuId = useId();
  const { open, setOpen, button, menu, close, onKeyDown } = useMenu();

  if (!myId || person.userId === myId) return null;

  const addFriend = () => {
    close();
    setDone(null);
    void action.run(async () => {
      const result = await socialApi.requestFriend(person.userId);
      setDone(result.status === 'friends' ? `You and ${person.name} are friends.` : 'Friend request sent.');
    });
  };
  const block = async () => {
    close();
    setDone(null);
    const question = `Block ${person.name}? Neither of you sees the other’s messages here or anywhere else, and a friendship between you ends. They are not told.`;
    if (!(await confirm.ask(question, 'Block'))) return;
    await action.run(async () => {
      await socialApi.block(person.userId);
      setDone(`${person.name} is blocked. Unblock them on your Friends page.`);
    });
  };
  const report = () => {
    close();
    setDone(null);
    setReporting(true);
  };

  return (
    <span class="person-actions" data-open={String(open)}>
      <button
        ref={button}
        type="button"
        class="person-actions-toggle"
        aria-label={`Actions for ${person.name}`}
        aria-haspopup="menu"
        aria-expanded={String(open)}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen(!open)}
        disabled={action.busy}
        data-testid="person-actions"
      >
        ⋯
      </button>
      {open && (
        <div ref={menu} id={menuId} role="menu" class="person-menu" onKeyDown={onKeyDown} data-testid="person-menu">
          <button
            type="button"
            role="menuitem"
            tabindex={-1}
            class="chat-action"
            onClick={addFriend}
            data-testid="person-add-friend"
          >
            Add friend
          </button>
          <button
            type="button"
            role="menuitem"
            tabindex={-1}
            class="chat-action chat-action-danger"
            onClick={() => void block()}
            data-testid="person-block"
          >
            Block
          </button>
          <button
            type="button"
            role="menuitem"
            tabindex={-1}
            class="chat-action chat-action-danger"
            onClick={report}
            data-testid="person-report"
          >
            Report
          </button>
        </div>
      )}
      {done && (
        <span class="person-done" role="status" data-testid="person-done">
          {done}
        </span>
      )}
      <FormError error={action.error} />
      {reporting && (
        <ReportDialog
          person={person}
          place={{ sessionId, roomId }}
          onClose={(sent) => {
            setReporting(false);
            if (sent) setDone('Report sent to the moderators. Thank you.');
          }}
        />
      )}
      {confirm.dialog}
    </span>
  );
}
