import { useSyncExternalStore } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import type { StoredFile } from '../types';
import { DIRECT_UPLOAD_LIMIT, UploadCancelled, uploadFile } from './upload';

/** Uploads running at once; the rest wait their turn. */
const UPLOADS_AT_ONCE = 2;

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  /** Bytes sent so far. */
  sent: number;
  /** Sent through the resumable flow (in parts). */
  resumable: boolean;
  status: UploadStatus;
  error: ApiError | null;
}

/** Waiting or sending: not finished, failed or cancelled yet. */
export const isActive = (item: UploadItem) => item.status === 'queued' || item.status === 'uploading';

interface Entry {
  item: UploadItem;
  file: File;
  controller: AbortController;
}

// Uploads outlive the screen that started them: moving to another page of the app
// does not stop one, and coming back shows how far it got.
let entries: Entry[] = [];
let snapshot: UploadItem[] = [];
let counter = 0;
const listeners = new Set<() => void>();
const uploadedListeners = new Set<(file: StoredFile) => void>();

function publish() {
  snapshot = entries.map((entry) => entry.item);
  for (const listener of listeners) listener();
}

function update(key: string, change: Partial<UploadItem>) {
  entries = entries.map((entry) => (entry.item.key === key ? { ...entry, item: { ...entry.item, ...change } } : entry));
  publish();
}

function startNext() {
  const running = entries.filter((entry) => entry.item.status === 'uploading').length;
  const next = entries.find((entry) => entry.item.status === 'queued');
  if (!next || running >= UPLOADS_AT_ONCE) return;
  const { key } = next.item;
  update(key, { status: 'uploading' });
  uploadFile(next.file, (sent) => update(key, { sent }), next.controller.signal)
    .then(
      (stored) => {
        update(key, { status: 'done', sent: next.item.size });
        for (const listener of uploadedListeners) listener(stored);
      },
      (error: unknown) => {
        if (error instanceof UploadCancelled) update(key, { status: 'cancelled' });
        else update(key, { status: 'failed', error: asApiError(error) });
      },
    )
    .finally(startNext);
  startNext();
}

/** Queues files for upload; each shows its own progress. */
export function enqueueUploads(files: Iterable<File>) {
  for (const file of files) {
    counter += 1;
    entries = [
      ...entries,
      {
        file,
        controller: new AbortController(),
        item: {
          key: `upload-${counter}`,
          name: file.name,
          size: file.size,
          sent: 0,
          resumable: file.size > DIRECT_UPLOAD_LIMIT,
          status: 'queued',
          error: null,
        },
      },
    ];
  }
  publish();
  startNext();
}

/** Stops an upload; a resumable one is abandoned on the server too. */
export function cancelUpload(key: string) {
  const entry = entries.find((candidate) => candidate.item.key === key);
  if (!entry) return;
  if (entry.item.status === 'queued') update(key, { status: 'cancelled' });
  entry.controller.abort();
}

/** Takes finished, failed and cancelled uploads off the list. */
export function clearFinishedUploads() {
  entries = entries.filter((entry) => isActive(entry.item));
  publish();
}

// Leaving the app (reload, closing the tab) would drop uploads still running: ask first.
window.addEventListener('beforeunload', (event) => {
  if (snapshot.some(isActive)) event.preventDefault();
});

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Every upload of this page load, oldest first; re-renders the caller as they progress. */
export function useUploads(): UploadItem[] {
  return useSyncExternalStore(subscribe, () => snapshot);
}

/** Calls `listener` with each file as its upload completes; returns the unsubscribe. */
export function onUploaded(listener: (file: StoredFile) => void): () => void {
  uploadedListeners.add(listener);
  return () => {
    uploadedListeners.delete(listener);
  };
}
