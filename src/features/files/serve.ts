import { AppError } from '../../lib/errors';
import { isInlineSafe } from './content-type';

export interface ServableFile {
  name: string;
  size: number;
  contentType: string;
  etag: string;
  r2Key: string;
}

export interface Served {
  response: Response;
  /** Body bytes sent, for the access log. */
  bytes: number;
}

export type ByteRange = { offset: number; length: number };

/**
 * Parses one `bytes=` range. Null means "serve the whole file": absent,
 * several ranges, a unit we do not know, or a syntactically invalid range
 * such as `bytes=5-2` (RFC 9110 §14.1.1: an invalid range is ignored).
 * Only a valid range that starts past the end is unsatisfiable (416).
 */
export function parseRange(header: string | null, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from, to] = match;
  if (from === '' && to === '') return null;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) return 'unsatisfiable';
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const start = Number(from);
  if (to !== '' && Number(to) < start) return null;
  if (start >= size) return 'unsatisfiable';
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  return { offset: start, length: end - start + 1 };
}

export interface ServeOptions {
  /**
   * Runs once the request is known to send body bytes (a GET answered 200 or
   * 206, not 304 or 416), before any is read; the range is null for the whole
   * file. Throwing refuses the request, e.g. a share whose cap ran out.
   */
  admit?: (range: ByteRange | null) => Promise<void>;
}

/** RFC 6266: an ASCII fallback for old clients and the exact UTF-8 name for the rest. */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * Streams a stored file with HTTP semantics browsers and download managers
 * rely on: HEAD, single byte ranges (206/416), ETag with If-None-Match (304)
 * and If-Range. The body is never buffered. Files are attachments unless
 * their type cannot run script; `nosniff` stops browsers guessing otherwise.
 */
export async function serveFile(
  request: Request,
  bucket: R2Bucket,
  file: ServableFile,
  options: ServeOptions = {},
): Promise<Served> {
  const etag = `"${file.etag}"`;
  const headers = new Headers({
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Content-Type': file.contentType,
    'Content-Disposition': contentDisposition(isInlineSafe(file.contentType) ? 'inline' : 'attachment', file.name),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'private, no-cache',
    // A file is never a page of ours: no scripts, no plugins, not even when opened inline.
    'Content-Security-Policy':
      "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
  });

  if (etagMatches(request.headers.get('if-none-match'), etag)) {
    return { response: new Response(null, { status: 304, headers }), bytes: 0 };
  }

  const ifRange = request.headers.get('if-range');
  const range = ifRange && ifRange !== etag ? null : parseRange(request.headers.get('range'), file.size);
  if (range === 'unsatisfiable') {
    throw new AppError('range_not_satisfiable', `The file is ${file.size} bytes long.`, {
      headers: { 'Content-Range': `bytes */${file.size}` },
    });
  }
  const status = range ? 206 : 200;
  const length = range ? range.length : file.size;
  headers.set('Content-Length', String(length));
  if (range) headers.set('Content-Range', `bytes ${range.offset}-${range.offset + range.length - 1}/${file.size}`);

  if (request.method === 'HEAD') {
    const object = await bucket.head(file.r2Key);
    if (!object) throw new AppError('not_found', 'This file is no longer available.');
    return { response: new Response(null, { status, headers }), bytes: 0 };
  }
  await options.admit?.(range);
  const object = await bucket.get(file.r2Key, range ? { range } : undefined);
  if (!object) throw new AppError('not_found', 'This file is no longer available.');
  return { response: new Response(object.body, { status, headers }), bytes: length };
}
