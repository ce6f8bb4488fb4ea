import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../lib/errors';

/**
 * The request body of an upload, as a stream whose failure means one thing:
 * the client went away (closed the tab, lost the network) before sending it
 * all. workerd rejects a read of such a body ("Network connection lost."); that
 * is not our fault, so it becomes 400 `bad_request` (for a client still
 * listening) and one `warn` line, not an unhandled 500. Whoever writes the
 * stream cleans up on the error as on any other (no row, no object, no charge).
 */
export function clientBody(c: Context<AppEnv>): ReadableStream<Uint8Array> | null {
  const body = c.req.raw.body;
  if (!body) return null;
  const reader = body.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        console.warn(
          JSON.stringify({
            level: 'warn',
            msg: 'upload aborted',
            method: c.req.method,
            path: c.req.path,
            requestId: c.var.requestId,
            userId: c.var.userId ?? null,
            receivedBytes: received,
            reason: cause instanceof Error ? cause.message : String(cause),
          }),
        );
        controller.error(new AppError('bad_request', 'The upload was aborted before it finished.', { cause }));
        return;
      }
      if (chunk.done) {
        controller.close();
        return;
      }
      received += chunk.value.byteLength;
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
