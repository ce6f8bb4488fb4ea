import { useEffect, useId, useRef, useState } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import { filesApi, type ShareChange, type ShareCreate } from '../files/api';
import { EXPIRY_PRESETS, relativeTime } from '../files/format';
import { dateTime } from '../format';
import { useLiveState } from '../hooks';
import type { Share, StoredFile } from '../types';
import { useConfirm } from './confirm';
import { errorMessage, Field, FormError, SubmitButton, textOf, useAction, useForm } from './form';

const NEVER = 'never';
/** How long the Copy button says "Copied". */
const COPIED_FOR_MS = 2000;
const presetValue = (seconds: number | null) => (seconds === null ? NEVER : String(seconds));

/** `expiresIn` from a preset select: seconds, null for Never, undefined for "keep". */
function expiresInOf(value: string): number | null | undefined {
  if (value === '') return undefined;
  return value === NEVER ? null : Number(value);
}

/** The download cap typed in: a positive whole number, or null for no limit. */
function capOf(value: string): number | null {
  return value === '' ? null : Number(value);
}

function ExpiryOptions({ selected }: { selected?: string }) {
  return (
    <>
      {EXPIRY_PRESETS.map((preset) => {
        const value = presetValue(preset.seconds);
        return (
          <option value={value} selected={value === selected}>
            {preset.label}
          </option>
        );
      })}
    </>
  );
}

/** How many downloads a link allows; empty is no limit. */
function DownloadLimitField(props: { value?: string; hint?: string; error?: string }) {
  return (
    <Field
      label="Download limit"
      name="maxDownloads"
      type="number"
      min={1}
      step={1}
      inputmode="numeric"
      placeholder="No limit"
      {...props}
    />
  );
}

const STATE_LABELS: Record<Share['state'], string> = {
  active: 'Active',
  expired: 'Expired',
  used_up: 'Used up',
  revoked: 'Revoked',
};

/** The link's state as the server gave it, or expired since (a dialog left open past the expiry). */
function shareState(share: Share, now = Date.now()): { label: string; tone: 'ok' | 'fail' } {
  const expired = share.state === 'active' && share.expiresAt !== null && new Date(share.expiresAt).getTime() <= now;
  const state = expired ? 'expired' : share.state;
  return { label: STATE_LABELS[state], tone: state === 'active' ? 'ok' : 'fail' };
}

/** "Expires in 1 day · 3 Dec 2026, 10:20", the date and time in the reader's own zone. */
function expiryText(share: Share): string {
  if (!share.expiresAt) return 'Never expires';
  const past = new Date(share.expiresAt).getTime() <= Date.now();
  return `${past ? 'Expired' : 'Expires'} ${relativeTime(share.expiresAt)} · ${dateTime(share.expiresAt)}`;
}

function downloadsText(share: Share): string {
  return share.maxDownloads === null
    ? `${share.downloads} download${share.downloads === 1 ? '' : 's'}, no limit`
    : `${share.downloads} of ${share.maxDownloads} download${share.maxDownloads === 1 ? '' : 's'}`;
}

/** Wrong passwords and a lock-out, for a link with a password: what the owner should know about guessing. */
function GuessNotice({ share }: { share: Share }) {
  if (share.state === 'revoked') return null;
  if (share.lockedUntil) {
    return (
      <p class="notice notice-fail" data-testid="share-locked">
        Locked until {dateTime(share.lockedUntil)} after too many wrong passwords: until then nobody can download, even
        with the right one. Setting a new password unlocks it.
      </p>
    );
  }
  if (share.failedAttempts > 0) {
    return (
      <p class="field-hint" data-testid="share-failed-attempts">
        {share.failedAttempts} password attempt{share.failedAttempts === 1 ? '' : 's'} in the last 15 minutes.
      </p>
    );
  }
  return null;
}

/** Changes one link: a new expiry counted from now, the cap, the password. */
function ShareEditForm(props: { share: Share; onSaved: (share: Share) => void; onCancel: () => void }) {
  const { share, onSaved, onCancel } = props;
  const [passwordAction, setPasswordAction] = useState<'keep' | 'set' | 'clear'>('keep');
  const form = useForm(async (data) => {
    const change: ShareChange = {};
    const expiresIn = expiresInOf(textOf(data, 'expiresIn'));
    if (expiresIn !== undefined) change.expiresIn = expiresIn;
    const cap = capOf(textOf(data, 'maxDownloads'));
    if (cap !== share.maxDownloads) change.maxDownloads = cap;
    if (passwordAction === 'set') change.password = String(data.get('password') ?? '');
    if (passwordAction === 'clear') change.password = null;
    onSaved(Object.keys(change).length > 0 ? await filesApi.updateShare(share.id, change) : share);
  });

  return (
    <form ref={form.ref} class="form share-edit" onSubmit={form.onSubmit} noValidate data-testid="share-edit">
      <FormError error={form.error} />
      <div class="share-fields">
        <Field label="Expires after" name="expiresIn" select hint="Counted from now" error={form.fields.expiresIn}>
          <option value="">No change</option>
          <ExpiryOptions />
        </Field>
        <DownloadLimitField
          value={share.maxDownloads === null ? '' : String(share.maxDownloads)}
          error={form.fields.maxDownloads}
        />
        <Field
          label="Password"
          name="passwordAction"
          select
          onChange={(event: Event) =>
            setPasswordAction((event.currentTarget as HTMLSelectElement).value as typeof passwordAction)
          }
        >
          <option value="keep" selected={passwordAction === 'keep'}>
            {share.hasPassword ? 'Keep it' : 'None'}
          </option>
          <option value="set" selected={passwordAction === 'set'}>
            {share.hasPassword ? 'Change it' : 'Set one'}
          </option>
          {share.hasPassword && (
            <option value="clear" selected={passwordAction === 'clear'}>
              Remove it
            </option>
          )}
        </Field>
        {passwordAction === 'set' && (
          <Field
            label="New password"
            name="password"
            type="password"
            autocomplete="new-password"
            minlength={8}
            maxlength={128}
            hint="At least 8 characters"
            required
            error={form.fields.password}
          />
        )}
      </div>
      <div class="form-row">
        <SubmitButton busy={form.busy} class="button button-small" testid="share-save">
          Save changes
        </SubmitButton>
        <button type="button" class="button button-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ShareItem(props: {
  share: Share;
  onChanged: (share: Share) => void;
  onRevoked: (share: Share) => void;
  ask: (message: string, action: string) => Promise<boolean>;
}) {
  const { share, onChanged, onRevoked, ask } = props;
  const [editing, setEditing] = useLiveState(false);
  const [copied, setCopied] = useLiveState<'copied' | 'select' | null>(null);
  const action = useAction();
  const urlRef = useRef<HTMLInputElement>(null);
  const urlId = useId();
  const state = shareState(share);

  useEffect(() => {
    if (copied !== 'copied') return;
    const timer = setTimeout(() => setCopied(null), COPIED_FOR_MS);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(share.url);
      setCopied('copied');
    } catch {
      // No clipboard (an insecure origin, a refused permission): select the text for Ctrl+C.
      urlRef.current?.focus();
      urlRef.current?.select();
      setCopied('select');
    }
  };

  const revoke = async () => {
    if (!(await ask('Revoke this link? Anyone who has it can no longer download the file.', 'Revoke link'))) return;
    await action.run(async () => {
      await filesApi.revokeShare(share.id);
      const at = new Date().toISOString();
      onRevoked({ ...share, state: 'revoked', revokedAt: at, updatedAt: at });
    });
  };

  return (
    <li class="share-item" data-testid="share-item" data-share-id={share.id}>
      <div class="share-link">
        <label class="visually-hidden" for={urlId}>
          Link
        </label>
        <input
          ref={urlRef}
          id={urlId}
          class="input share-url"
          readonly
          value={share.url}
          onFocus={(event: FocusEvent) => (event.currentTarget as HTMLInputElement).select()}
          data-testid="share-url"
        />
        <button type="button" class="button button-small" onClick={copy} data-testid="copy-link">
          {copied === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p class="share-meta">
        <span class={`badge badge-${state.tone}`} data-testid="share-state">
          {state.label}
        </span>
        <span data-testid="share-downloads">{downloadsText(share)}</span>
        {share.revokedAt ? (
          <span data-testid="share-expiry">Revoked {dateTime(share.revokedAt)}</span>
        ) : (
          <span data-testid="share-expiry">{expiryText(share)}</span>
        )}
        {share.hasPassword && <span data-testid="share-has-password">Password</span>}
      </p>
      <GuessNotice share={share} />
      <p class="visually-hidden" role="status">
        {copied === 'copied' ? 'Link copied' : copied === 'select' ? 'Link selected: press Ctrl+C to copy it' : ''}
      </p>
      {copied === 'select' && (
        <p class="field-hint">Copying is not allowed here: the link is selected, press Ctrl+C.</p>
      )}
      {share.state === 'revoked' ? null : editing ? (
        <ShareEditForm
          share={share}
          onSaved={(updated) => {
            onChanged(updated);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <div class="share-actions">
          <button type="button" class="button button-quiet" onClick={() => setEditing(true)} data-testid="edit-share">
            Edit
          </button>
          <button
            type="button"
            class="button button-quiet button-quiet-danger"
            onClick={revoke}
            disabled={action.busy}
            data-testid="revoke-share"
          >
            Revoke
          </button>
        </div>
      )}
      <FormError error={action.error} />
    </li>
  );
}

type SharesState = { kind: 'loading' } | { kind: 'loaded'; items: Share[] } | { kind: 'error'; error: ApiError };

/**
 * The share links of one file in a modal `<dialog>`: make a link (expiry,
 * download cap, password), copy, edit or revoke the existing ones. Rendered
 * while open; `onClose` runs when it closes (Escape, the Close button).
 */
export function ShareDialog({ file, onClose }: { file: StoredFile; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const confirm = useConfirm();
  const [shares, setShares] = useLiveState<SharesState>({ kind: 'loading' });

  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
    filesApi.shares(file.id).then(
      (page) => setShares({ kind: 'loaded', items: page.items }),
      (error: unknown) => setShares({ kind: 'error', error: asApiError(error) }),
    );
  }, [file.id]);

  const items = shares.kind === 'loaded' ? shares.items : [];
  const setItems = (change: (items: Share[]) => Share[]) =>
    setShares((current) => ({ kind: 'loaded', items: change(current.kind === 'loaded' ? current.items : []) }));

  const form = useForm(async (data, element) => {
    const body: ShareCreate = { expiresIn: expiresInOf(textOf(data, 'expiresIn')) ?? null };
    const cap = capOf(textOf(data, 'maxDownloads'));
    if (cap !== null) body.maxDownloads = cap;
    const password = String(data.get('password') ?? '');
    if (password) body.password = password;
    const share = await filesApi.createShare(file.id, body);
    setItems((current) => [share, ...current]);
    element.reset();
  });

  return (
    <dialog
      ref={ref}
      class="dialog share-dialog"
      aria-labelledby={headingId}
      onClose={onClose}
      data-testid="share-dialog"
    >
      <div class="share-dialog-header">
        <h2 id={headingId}>
          Share <span class="share-dialog-name">{file.name}</span>
        </h2>
        <button
          type="button"
          class="dialog-close"
          aria-label="Close"
          onClick={() => ref.current?.close()}
          data-testid="close-share-dialog"
        >
          ×
        </button>
      </div>

      <form ref={form.ref} class="form share-create" onSubmit={form.onSubmit} noValidate data-testid="share-create">
        <FormError error={form.error} />
        <div class="share-fields">
          <Field label="Expires after" name="expiresIn" select error={form.fields.expiresIn}>
            <ExpiryOptions selected={presetValue(7 * 24 * 3600)} />
          </Field>
          <DownloadLimitField hint="Optional" error={form.fields.maxDownloads} />
          <Field
            label="Password"
            name="password"
            type="password"
            autocomplete="new-password"
            minlength={8}
            maxlength={128}
            hint="Optional, at least 8 characters"
            error={form.fields.password}
          />
        </div>
        <SubmitButton busy={form.busy} testid="create-share">
          Create link
        </SubmitButton>
      </form>

      <section class="share-links" aria-labelledby={`${headingId}-links`}>
        <h3 id={`${headingId}-links`}>Links</h3>
        {shares.kind === 'loading' && <p class="muted">Loading…</p>}
        {shares.kind === 'error' && (
          <p class="notice notice-fail" role="alert">
            {errorMessage(shares.error)}
          </p>
        )}
        {shares.kind === 'loaded' && items.length === 0 && (
          <p class="muted" data-testid="no-shares">
            No links yet. Anyone with a link can download the file until it expires, is used up or revoked. Revoked and
            finished links stay listed here with their downloads.
          </p>
        )}
        {items.length > 0 && (
          <ul class="share-list" data-testid="share-list">
            {items.map((share) => (
              <ShareItem
                key={share.id}
                share={share}
                ask={confirm.ask}
                onChanged={(updated) => setItems((current) => current.map((s) => (s.id === updated.id ? updated : s)))}
                onRevoked={(revoked) => setItems((current) => current.map((s) => (s.id === revoked.id ? revoked : s)))}
              />
            ))}
          </ul>
        )}
      </section>
      {confirm.dialog}
    </dialog>
  );
}
