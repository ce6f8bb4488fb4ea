import { useLayoutEffect, useRef, useState } from 'hono/jsx/dom';
import type { MessageView } from '../../realtime/protocol';
import { MAX_TEXT } from '../chat/client';
import { dateTime, formatTime } from '../format';
import { type MeetingPlace, ReportDialog } from '../social/person-actions';
import { useMenu } from './menu';

/** "14:05" today, "Mar 3, 14:05" before. */
function when(iso: string): string {
  const date = new Date(iso);
  // "Today" in the display zone (the profile's, else the browser's), like every time shown.
  const today = formatTime(date, 'date') === formatTime(Date.now(), 'date');
  return formatTime(date, today ? 'time' : 'dayAndTime');
}

interface ChatMessageProps {
  message: MessageView;
  /** Same author as the message above, shortly after: the name and time are not repeated. */
  continued: boolean;
  mine: boolean;
  canEdit: boolean;
  canDelete: boolean;
  /** Where the message was sent, so someone else's message can be reported from its menu; absent: no Report. */
  reportPlace?: MeetingPlace;
  onEdit: (message: MessageView, text: string) => boolean;
  onDelete: (message: MessageView) => void;
}

function EditForm({ message, onDone }: { message: MessageView; onDone: (text: string | null) => void }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  // Set once, not as a `value` prop: hono re-applies `value` on every render and would undo the typing.
  useLayoutEffect(() => {
    const field = ref.current;
    if (!field) return;
    field.value = message.text;
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  }, []);
  const save = (event?: Event) => {
    event?.preventDefault();
    onDone(ref.current?.value ?? null);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onDone(null);
    else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) save(event);
  };
  return (
    <form class="chat-edit" onSubmit={save} data-testid="chat-edit-form">
      <label class="visually-hidden" for={`edit-${message.id}`}>
        Edit your message
      </label>
      <textarea
        id={`edit-${message.id}`}
        ref={ref}
        class="input chat-textarea"
        rows={2}
        maxlength={MAX_TEXT}
        onKeyDown={onKeyDown}
        data-testid="chat-edit-input"
      />
      <div class="chat-edit-actions">
        <span class="muted">Enter to save · Esc to cancel</span>
        <button type="button" class="button button-quiet" onClick={() => onDone(null)}>
          Cancel
        </button>
        <button type="submit" class="button button-small" data-testid="chat-edit-save">
          Save
        </button>
      </div>
    </form>
  );
}

interface MessageActionsProps {
  id: string;
  /** The item's accessible name, or null when the reader may not edit (or delete, or report) this message. */
  editLabel: string | null;
  deleteLabel: string | null;
  reportLabel: string | null;
  onEdit: () => void;
  onDelete: () => void;
  onReport: () => void;
}

/** One item of a message's menu; nothing when the reader may not do it (`label` null). */
function MenuAction(props: {
  label: string | null;
  testid: string;
  danger?: boolean;
  onClick: () => void;
  children: string;
}) {
  if (props.label === null) return null;
  return (
    <button
      type="button"
      role="menuitem"
      tabindex={-1}
      class={props.danger ? 'chat-action chat-action-danger' : 'chat-action'}
      onClick={props.onClick}
      aria-label={props.label}
      data-testid={props.testid}
    >
      {props.children}
    </button>
  );
}

/**
 * One "⋯" button per message opening a small menu of what the reader may do
 * with it, instead of a row of buttons under every line. Arrow keys move
 * between the items, Escape closes it and gives the focus back to the button,
 * and so does a click outside it.
 */
function MessageActions({ id, editLabel, deleteLabel, reportLabel, onEdit, onDelete, onReport }: MessageActionsProps) {
  const { open, setOpen, button, menu, close, onKeyDown } = useMenu({ scrollIntoView: true });
  const choose = (action: () => void) => () => {
    // Focus back on the button first: the confirmation dialog returns it there when it closes.
    close();
    action();
  };
  return (
    <div class="chat-actions" data-open={String(open)}>
      <button
        ref={button}
        type="button"
        class="chat-actions-toggle"
        aria-label="Message actions"
        aria-haspopup="menu"
        aria-expanded={String(open)}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(!open)}
        data-testid="chat-actions"
      >
        ⋯
      </button>
      {open && (
        <div ref={menu} id={id} role="menu" class="chat-menu" onKeyDown={onKeyDown} data-testid="chat-actions-menu">
          <MenuAction label={editLabel} testid="chat-edit" onClick={choose(onEdit)}>
            Edit
          </MenuAction>
          <MenuAction label={deleteLabel} testid="chat-delete" danger onClick={choose(onDelete)}>
            Delete
          </MenuAction>
          <MenuAction label={reportLabel} testid="chat-report" onClick={choose(onReport)}>
            Report
          </MenuAction>
        </div>
      )}
    </div>
  );
}

/** One stored message: author and time (unless continued), the text, "(edited)", and a menu with edit/delete for who may. */
export function ChatMessage(props: ChatMessageProps) {
  const { message, continued, mine, canEdit, canDelete, reportPlace, onEdit, onDelete } = props;
  const [editing, setEditing] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [reported, setReported] = useState(false);
  const canReport = !mine && reportPlace !== undefined;
  const finish = (text: string | null) => {
    if (text === null || text.trim() === message.text) setEditing(false);
    else if (text.trim() && onEdit(message, text)) setEditing(false);
  };
  const time = when(message.sentAt);
  return (
    <li
      class={`chat-message${mine ? ' chat-mine' : ''}${continued ? ' chat-continued' : ''}${canEdit || canDelete || canReport ? ' chat-has-actions' : ''}`}
      data-testid="chat-message"
      data-seq={message.seq}
      data-author={message.author.name}
    >
      {!continued && (
        <p class="chat-meta">
          <span class="chat-author">{message.author.name}</span>
          <time class="chat-time" datetime={message.sentAt} title={dateTime(message.sentAt)}>
            {time}
          </time>
        </p>
      )}
      {editing ? (
        <EditForm message={message} onDone={finish} />
      ) : (
        <p class="chat-body">
          <span class="chat-text" data-testid="chat-text">
            {message.text}
          </span>
          {message.editedAt && (
            <span class="chat-edited" title={`Edited ${dateTime(message.editedAt)}`} data-testid="chat-edited">
              (edited)
            </span>
          )}
        </p>
      )}
      {!editing && (canEdit || canDelete || canReport) && (
        <MessageActions
          id={`actions-${message.id}`}
          editLabel={canEdit ? `Edit your message from ${time}` : null}
          deleteLabel={canDelete ? `Delete the message from ${message.author.name} at ${time}` : null}
          reportLabel={canReport ? `Report the message from ${message.author.name} at ${time}` : null}
          onEdit={() => setEditing(true)}
          onDelete={() => onDelete(message)}
          onReport={() => setReporting(true)}
        />
      )}
      {reported && (
        <p class="chat-reported muted" role="status" data-testid="chat-reported">
          Reported. A moderator will look at it.
        </p>
      )}
      {reporting && reportPlace && (
        <ReportDialog
          person={{ userId: message.author.id, name: message.author.name }}
          place={{ ...reportPlace, messageId: message.id }}
          onClose={(sent) => {
            setReporting(false);
            if (sent) setReported(true);
          }}
        />
      )}
    </li>
  );
}

/** A message typed here that the server has not acknowledged yet. */
export function ChatPendingMessage(props: { text: string; name: string; continued: boolean; online: boolean }) {
  const { text, name, continued, online } = props;
  return (
    <li
      class={`chat-message chat-mine chat-pending${continued ? ' chat-continued' : ''}`}
      data-testid="chat-message"
      data-pending="true"
    >
      {!continued && (
        <p class="chat-meta">
          <span class="chat-author">{name}</span>
        </p>
      )}
      <p class="chat-body">
        <span class="chat-text" data-testid="chat-text">
          {text}
        </span>
      </p>
      <p class="chat-sending" data-testid="chat-sending">
        {online ? 'Sending…' : 'Not sent yet: will send when reconnected'}
      </p>
    </li>
  );
}
