import { ApiError } from '../api';
import { freshAccessToken, renewSession } from '../session';
import type { StoredFile } from '../types';
import { filesApi } from './api';

/** Files up to this size go up in one request; larger ones through the resumable flow. */
export const DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024;
/** Parts of a resumable upload sent at once. */
const PARTS_IN_FLIGHT = 3;
/** Tries per part before the upload gives up. */
const PART_TRIES = 3;

/** Called with the bytes sent so far (of the whole file) as they leave the browser. */
export type OnProgress = (sent: number) => void;

/** Thrown when the person cancels: nothing to report, the upload is simply gone. */
export class UploadCancelled extends Error {
  constructor() {
    super('Upload cancelled');
    this.name = 'UploadCancelled';
  }
}

const problem = (status: number, code: ApiError['code'], title: string, detail: string) =>
  new ApiError({ type: 'about:blank', title, status, detail, code });

/** The problem+json an XMLHttpRequest answered with, parsed like `request()` does for fetch. */
function problemOf(xhr: XMLHttpRequest): ApiError {
  if (/^application\/problem\+json\b/i.test(xhr.getResponseHeader('Content-Type') ?? '')) {
    try {
      const body = JSON.parse(xhr.responseText);
      const retryAfter = Number.parseInt(xhr.getResponseHeader('Retry-After') ?? '', 10);
      if (body && typeof body.code === 'string')
        return new ApiError(body, Number.isNaN(retryAfter) ? undefined : retryAfter);
    } catch {
      // Not JSON after all: described below like any other unexpected answer.
    }
  }
  return problem(
    xhr.status,
    'unexpected_response',
    xhr.statusText || 'Unexpected response',
    `The server answered ${xhr.status} without a problem description.`,
  );
}

interface XhrOptions {
  method: 'POST' | 'PUT';
  url: string;
  body: FormData | Blob;
  contentType?: string;
  onProgress: OnProgress;
  signal: AbortSignal;
}

/**
 * One authenticated request through XMLHttpRequest, the only browser API that
 * reports upload progress. fetch() cannot: a streamed request body needs HTTP/2
 * and still tells nothing about what reached the network.
 */
function sendOnce<T>(token: string, options: XhrOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (options.signal.aborted) return reject(new UploadCancelled());
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => options.signal.removeEventListener('abort', onAbort);
    xhr.open(options.method, options.url);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    if (options.contentType) xhr.setRequestHeader('Content-Type', options.contentType);
    xhr.upload.onprogress = (event) => options.onProgress(event.loaded);
    xhr.onload = () => {
      settle();
      const json = /^application\/json\b/i.test(xhr.getResponseHeader('Content-Type') ?? '');
      if (xhr.status >= 200 && xhr.status < 300 && json) {
        try {
          resolve(JSON.parse(xhr.responseText) as T);
        } catch {
          reject(problemOf(xhr));
        }
      } else reject(problemOf(xhr));
    };
    xhr.onerror = () => {
      settle();
      reject(
        problem(
          0,
          'network_error',
          'Network error',
          'The upload was interrupted. Check your connection and try again.',
        ),
      );
    };
    xhr.onabort = () => {
      settle();
      reject(new UploadCancelled());
    };
    xhr.send(options.body);
  });
}

/** Like `request()`: a fresh token for every request, and one retry after a 401 that a renewal can fix. */
async function send<T>(options: XhrOptions): Promise<T> {
  const token = await freshAccessToken();
  if (!token) throw problem(401, 'unauthorized', 'Unauthorized', 'Sign in to continue.');
  try {
    return await sendOnce<T>(token, options);
  } catch (error) {
    const renewable = error instanceof ApiError && (error.code === 'token_expired' || error.code === 'unauthorized');
    if (!renewable || !(await renewSession())) throw error;
    options.onProgress(0);
    const renewed = await freshAccessToken();
    if (!renewed) throw error;
    return sendOnce<T>(renewed, options);
  }
}

/** A failure worth another try: the network, or the server having a moment; never a refusal. */
const retryable = (error: unknown) =>
  error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new UploadCancelled());
      },
      { once: true },
    );
  });

/** `POST /api/files` with a multipart body: one request, for files up to `DIRECT_UPLOAD_LIMIT`. */
function uploadDirect(file: File, onProgress: OnProgress, signal: AbortSignal): Promise<StoredFile> {
  const body = new FormData();
  body.append('file', file, file.name);
  // The multipart framing adds a few hundred bytes: report the file's own bytes, never more than its size.
  return send<StoredFile>({
    method: 'POST',
    url: '/api/files',
    body,
    onProgress: (sent) => onProgress(Math.min(sent, file.size)),
    signal,
  });
}

/**
 * The resumable flow: start, send every part (`partSize` bytes, the last the
 * rest) a few at a time, retrying a failed part, then complete. On any failure
 * or cancel the server's upload is abandoned, so no parts linger in storage.
 */
async function uploadInParts(file: File, onProgress: OnProgress, signal: AbortSignal): Promise<StoredFile> {
  const upload = await filesApi.startUpload({ name: file.name, size: file.size, contentType: file.type || undefined });
  // Stops the other parts as soon as one fails for good, or the person cancels.
  const stop = new AbortController();
  const cancel = () => stop.abort();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    if (signal.aborted) throw new UploadCancelled();
    const sentByPart = new Map<number, number>();
    const report = () => onProgress([...sentByPart.values()].reduce((sum, sent) => sum + sent, 0));
    const done = new Set(upload.parts.map((part) => part.partNumber));
    const waiting: number[] = [];
    for (let n = 1; n <= upload.partCount; n++) {
      const start = (n - 1) * upload.partSize;
      if (done.has(n)) sentByPart.set(n, Math.min(upload.partSize, file.size - start));
      else waiting.push(n);
    }
    report();

    const sendPart = async (n: number) => {
      const start = (n - 1) * upload.partSize;
      const blob = file.slice(start, Math.min(start + upload.partSize, file.size));
      for (let attempt = 1; ; attempt++) {
        try {
          await send({
            method: 'PUT',
            url: `/api/files/uploads/${encodeURIComponent(upload.uploadId)}/parts/${n}`,
            body: blob,
            contentType: 'application/octet-stream',
            onProgress: (sent) => {
              sentByPart.set(n, sent);
              report();
            },
            signal: stop.signal,
          });
          sentByPart.set(n, blob.size);
          report();
          return;
        } catch (error) {
          sentByPart.set(n, 0);
          report();
          if (stop.signal.aborted || attempt >= PART_TRIES || !retryable(error)) throw error;
          await sleep(500 * attempt, stop.signal);
        }
      }
    };
    const worker = async () => {
      for (let n = waiting.shift(); n !== undefined; n = waiting.shift()) await sendPart(n);
    };
    // The first failure is the one to report: the parts it stops only fail after it.
    let failure: unknown = null;
    await Promise.all(
      Array.from({ length: Math.min(PARTS_IN_FLIGHT, waiting.length) }, () =>
        worker().catch((error: unknown) => {
          failure ??= error;
          stop.abort();
        }),
      ),
    );
    if (failure) throw failure;
    if (signal.aborted) throw new UploadCancelled();
    return await filesApi.completeUpload(upload.uploadId);
  } catch (error) {
    void filesApi.abortUpload(upload.uploadId).catch(() => undefined);
    throw signal.aborted ? new UploadCancelled() : error;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/**
 * Stores `file` with progress: one request up to `DIRECT_UPLOAD_LIMIT`, the
 * resumable flow above it. Rejects with an `ApiError`, or `UploadCancelled`
 * once `signal` aborts.
 */
export function uploadFile(file: File, onProgress: OnProgress, signal: AbortSignal): Promise<StoredFile> {
  return file.size > DIRECT_UPLOAD_LIMIT
    ? uploadInParts(file, onProgress, signal)
    : uploadDirect(file, onProgress, signal);
}
