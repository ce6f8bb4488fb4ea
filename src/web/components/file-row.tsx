import { useEffect, useRef } from 'hono/jsx/dom';
import { filesApi } from '../files/api';
import { formatBytes, typeLabel } from '../files/format';
import { dateTime, formatTime } from '../format';
import { useLiveState } from '../hooks';
import type { StoredFile } from '../types';
import { FormError, SubmitButton, textOf, useAction, useForm } from './form';

/** Opens a signed link as a download; the same-origin path keeps the `download` attribute in force. */
function saveFrom(signedUrl: string, name: string) {
  // The signature covers method, path and expiry, not the host: the worker that
  // serves this app serves the link, whatever origin APP_URL names.
  const url = new URL(signedUrl, location.href);
  const anchor = document.createElement('a');
  anchor.href = `${url.pathname}${url.search}`;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

function RenameForm(props: { file: StoredFile; onRenamed: (file: StoredFile) => void; onCancel: () => void }) {
  const { file, onRenamed, onCancel } = props;
  const input = useRef<HTMLInputElement>(null);
  const form = useForm(async (data) => {
    const name = textOf(data, 'name');
    onRenamed(name && name !== file.name ? await filesApi.rename(file.id, name) : file);
  });

  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.focus();
    // Select the name without its extension, as file managers do.
    const dot = file.name.lastIndexOf('.');
    element.setSelectionRange(0, dot > 0 ? dot : file.name.length);
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    }
  };

  return (
    <form ref={form.ref} class="rename-form" onSubmit={form.onSubmit} noValidate data-testid="rename-form">
      <input
        ref={input}
        class="input input-small"
        name="name"
        value={file.name}
        maxlength={255}
        required
        autocomplete="off"
        aria-label={`New name for ${file.name}`}
        aria-invalid={form.fields.name ? 'true' : undefined}
        onKeyDown={onKeyDown}
        data-testid="rename-input"
      />
      <SubmitButton busy={form.busy} class="button button-small" testid="rename-save">
        Save
      </SubmitButton>
      <button type="button" class="button button-quiet" onClick={onCancel}>
        Cancel
      </button>
      {(form.error || form.fields.name) && (
        <p class="field-error" role="alert" data-form-error tabindex={-1}>
          {form.fields.name ?? form.error?.message}
        </p>
      )}
    </form>
  );
}

interface FileRowProps {
  file: StoredFile;
  onChanged: (file: StoredFile) => void;
  onRemoved: (id: string) => void;
  onShare: (file: StoredFile) => void;
  ask: (message: string, action: string) => Promise<boolean>;
}

/** One file in the table: name (renamed in place), size, type, date, and what can be done with it. */
export function FileRow({ file, onChanged, onRemoved, onShare, ask }: FileRowProps) {
  const [renaming, setRenaming] = useLiveState(false);
  const action = useAction();

  const download = () =>
    action.run(async () => {
      const link = await filesApi.downloadLink(file.id);
      saveFrom(link.url, file.name);
    });

  const remove = async () => {
    if (!(await ask(`Delete “${file.name}”? Its share links stop working too.`, 'Delete file'))) return;
    await action.run(async () => {
      await filesApi.remove(file.id);
      onRemoved(file.id);
    });
  };

  return (
    <tr class="file-row" data-testid="file-row" data-file-id={file.id} data-name={file.name}>
      <td class="file-name" data-label="Name">
        {renaming ? (
          <RenameForm
            file={file}
            onRenamed={(renamed) => {
              onChanged(renamed);
              setRenaming(false);
            }}
            onCancel={() => setRenaming(false)}
          />
        ) : (
          <span class="file-title" title={file.name} data-testid="file-name">
            {file.name}
          </span>
        )}
        <FormError error={action.error} />
      </td>
      <td class="file-size" data-label="Size" data-testid="file-size">
        {formatBytes(file.size)}
      </td>
      <td class="file-type" data-label="Type" title={file.contentType}>
        {typeLabel(file.contentType)}
      </td>
      <td class="file-date" data-label="Uploaded">
        <time datetime={file.createdAt} title={dateTime(file.createdAt)}>
          {formatTime(file.createdAt, 'date')}
        </time>
      </td>
      <td class="file-actions">
        <button
          type="button"
          class="button button-quiet"
          onClick={download}
          disabled={action.busy}
          aria-label={`Download ${file.name}`}
          data-testid="download-file"
        >
          Download
        </button>
        <button
          type="button"
          class="button button-quiet"
          onClick={() => onShare(file)}
          aria-label={`Share ${file.name}`}
          data-testid="share-file"
        >
          Share
        </button>
        <button
          type="button"
          class="button button-quiet"
          onClick={() => setRenaming(true)}
          disabled={renaming}
          aria-label={`Rename ${file.name}`}
          data-testid="rename-file"
        >
          Rename
        </button>
        <button
          type="button"
          class="button button-quiet button-quiet-danger"
          onClick={remove}
          disabled={action.busy}
          aria-label={`Delete ${file.name}`}
          data-testid="delete-file"
        >
          Delete
        </button>
      </td>
    </tr>
  );
}
