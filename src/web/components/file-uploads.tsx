import { useRef } from 'hono/jsx/dom';
import type { ApiError } from '../api';
import { formatBytes } from '../files/format';
import { DIRECT_UPLOAD_LIMIT } from '../files/upload';
import {
  cancelUpload,
  clearFinishedUploads,
  enqueueUploads,
  isActive,
  type UploadItem,
  useUploads,
} from '../files/upload-queue';
import { useLiveState } from '../hooks';
import { errorMessage } from './form';

/** Storage refusals say what they are: "Storage quota exceeded. This file would take you past…". */
function uploadErrorMessage(error: ApiError): string {
  if (error.code === 'quota_exceeded' || error.code === 'payload_too_large') return `${error.title}. ${error.message}`;
  return errorMessage(error);
}

const percent = (item: UploadItem) => (item.size === 0 ? 100 : Math.floor((item.sent / item.size) * 100));

function statusText(item: UploadItem): string {
  switch (item.status) {
    case 'queued':
      return 'Waiting…';
    case 'uploading':
      return `${item.resumable ? 'Uploading in parts' : 'Uploading'} · ${percent(item)}%`;
    case 'done':
      return 'Uploaded';
    case 'cancelled':
      return 'Cancelled';
    case 'failed':
      return 'Failed';
  }
}

function UploadRow({ item }: { item: UploadItem }) {
  const active = isActive(item);
  return (
    <li class={`upload upload-${item.status}`} data-testid="upload" data-state={item.status} data-name={item.name}>
      <div class="upload-head">
        <span class="upload-name" title={item.name}>
          {item.name}
        </span>
        <span class="upload-bytes">
          {active ? `${formatBytes(item.sent)} of ${formatBytes(item.size)}` : formatBytes(item.size)}
        </span>
      </div>
      <progress
        class="upload-bar"
        max={Math.max(item.size, 1)}
        value={item.size === 0 && item.status === 'done' ? 1 : item.sent}
        aria-label={`Upload of ${item.name}`}
        data-testid="upload-progress"
      />
      <div class="upload-foot">
        <span class="upload-status" data-testid="upload-status" role={active ? undefined : 'status'}>
          {statusText(item)}
        </span>
        {active && (
          <button
            type="button"
            class="button button-quiet"
            onClick={() => cancelUpload(item.key)}
            aria-label={`Cancel the upload of ${item.name}`}
            data-testid="cancel-upload"
          >
            Cancel
          </button>
        )}
      </div>
      {item.error && (
        <p class="notice notice-fail" role="alert" data-testid="upload-error">
          {uploadErrorMessage(item.error)}
        </p>
      )}
    </li>
  );
}

/** A drop zone and a file picker; every upload shows a progress bar and can be cancelled. */
export function FileUploads() {
  const uploads = useUploads();
  const [dragging, setDragging] = useLiveState(false);
  // dragenter/dragleave fire for every child crossed: count them to know when the pointer really left.
  const depth = useRef(0);

  const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  const onDragEnter = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth.current += 1;
    setDragging(true);
  };
  const onDragOver = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    depth.current = 0;
    setDragging(false);
    const files = event.dataTransfer?.files;
    if (files && files.length > 0) enqueueUploads(files);
  };
  const onPick = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    if (input.files && input.files.length > 0) enqueueUploads(input.files);
    // The same file can be picked again (after a failure, say).
    input.value = '';
  };

  const finished = uploads.some((item) => !isActive(item));
  return (
    <section class="card" aria-labelledby="upload-heading">
      <h2 id="upload-heading" class="visually-hidden">
        Upload files
      </h2>
      <section
        class={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        aria-label="Drop files here to upload them"
        onDragEnter={onDragEnter}
        onDragOver={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
        data-testid="drop-zone"
      >
        <svg class="drop-icon" viewBox="0 0 24 24" aria-hidden="true" width="32" height="32">
          <path d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3" />
        </svg>
        <p class="drop-title">Drop files here to upload</p>
        <label class="button file-picker">
          Choose files
          <input type="file" multiple class="visually-hidden" onChange={onPick} data-testid="file-input" />
        </label>
        <p class="drop-hint">Files over {formatBytes(DIRECT_UPLOAD_LIMIT)} are sent in parts and can take a while.</p>
      </section>
      {uploads.length > 0 && (
        <>
          <ul class="upload-list" data-testid="upload-list">
            {uploads.map((item) => (
              <UploadRow key={item.key} item={item} />
            ))}
          </ul>
          {finished && (
            <div class="list-footer">
              <button
                type="button"
                class="button button-quiet"
                onClick={clearFinishedUploads}
                data-testid="clear-uploads"
              >
                Clear finished
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
