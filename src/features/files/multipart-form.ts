import { decodePercent } from '../../lib/decode';
import { AppError } from '../../lib/errors';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface FormFile {
  filename: string;
  contentType: string | null;
  /** The part's bytes, streamed as they arrive. */
  body: ReadableStream<Uint8Array>;
}

/** Finds `needle` in `haystack` from `from`; native indexOf finds candidate first bytes. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0] as number;
  for (let i = haystack.indexOf(first, from); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return -1;
    let match = true;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) {
        match = false;
        break;
      }
    }
    if (match) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function boundaryOf(contentType: string): string {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary || boundary.length > 70) throw new AppError('bad_request', 'The multipart body has no valid boundary.');
  return boundary;
}

function parseHeaders(block: string): { name: string | null; filename: string | null; contentType: string | null } {
  let name: string | null = null;
  let filename: string | null = null;
  let contentType: string | null = null;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') {
      name = /;\s*name="([^"]*)"/i.exec(value)?.[1] ?? null;
      const star = /;\s*filename\*=UTF-8''([^;]+)/i.exec(value)?.[1];
      // Browsers escape only ", CR and LF in a quoted filename, as %22, %0D and %0A (WHATWG HTML).
      const quoted = /;\s*filename="([^"]*)"/i.exec(value)?.[1];
      filename = star
        ? decodePercent(star, 'The file name (filename*)')
        : (quoted?.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n') ?? null);
    } else if (key === 'content-type') {
      contentType = value;
    }
  }
  return { name, filename, contentType };
}

/**
 * Streams the part named `field` out of a multipart/form-data body without
 * buffering the body: `request.formData()` would hold a 100 MB upload in
 * memory at once. Parts before it are skipped; anything after it is never read.
 * Only a trailing window as long as the boundary is held back between chunks,
 * since a boundary may straddle two of them.
 */
export async function streamFormFile(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  field = 'file',
): Promise<FormFile> {
  const delimiter = encoder.encode(`\r\n--${boundaryOf(contentType)}`);
  const reader = body.getReader();
  // Prefixing CRLF lets the first boundary match the same delimiter as the others.
  let buffer: Uint8Array = encoder.encode('\r\n');

  async function pull(): Promise<boolean> {
    const { done, value } = await reader.read();
    if (done) return false;
    buffer = concat(buffer, value);
    return true;
  }

  for (;;) {
    // Find the next part's header block: delimiter, CRLF, headers, blank line.
    let start = indexOf(buffer, delimiter);
    while (start === -1) {
      if (!(await pull())) throw new AppError('bad_request', `The multipart body has no "${field}" part.`);
      start = indexOf(buffer, delimiter);
    }
    let end = indexOf(buffer, encoder.encode('\r\n\r\n'), start + delimiter.length);
    while (end === -1) {
      if (buffer.length - start > 16 * 1024) throw new AppError('bad_request', 'Multipart part headers are too long.');
      if (!(await pull())) throw new AppError('bad_request', `The multipart body has no "${field}" part.`);
      end = indexOf(buffer, encoder.encode('\r\n\r\n'), start + delimiter.length);
    }
    const afterDelimiter = decoder.decode(buffer.subarray(start + delimiter.length, start + delimiter.length + 2));
    if (afterDelimiter === '--') throw new AppError('bad_request', `The multipart body has no "${field}" part.`);
    const headers = parseHeaders(decoder.decode(buffer.subarray(start + delimiter.length + 2, end)));
    buffer = buffer.subarray(end + 4);
    if (headers.name === field && headers.filename !== null) {
      return { filename: headers.filename, contentType: headers.contentType, body: partStream() };
    }
  }

  function partStream(): ReadableStream<Uint8Array> {
    let finished = false;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          const at = indexOf(buffer, delimiter);
          if (at !== -1) {
            if (at > 0) controller.enqueue(buffer.slice(0, at));
            finished = true;
            controller.close();
            await reader.cancel().catch(() => {});
            return;
          }
          // Everything but the last delimiter-length bytes is certainly part data.
          const safe = buffer.length - (delimiter.length - 1);
          if (safe > 0) {
            controller.enqueue(buffer.slice(0, safe));
            buffer = buffer.subarray(safe);
            return;
          }
          if (!(await pull())) {
            controller.error(new AppError('bad_request', 'The multipart body ended before its closing boundary.'));
            return;
          }
        }
      },
      async cancel() {
        if (!finished) await reader.cancel().catch(() => {});
      },
    });
  }
}
