/**
 * The AI SDK's UI message stream, written out (https://ai-sdk.dev/docs/ai-sdk-ui/stream-protocol):
 * Server-Sent Events whose `data:` is one JSON chunk (`start`, `text-start`, `text-delta`,
 * `text-end`, `error`, `finish`, …), ended by `data: [DONE]`, with the
 * `x-vercel-ai-ui-message-stream: v1` header. Any client of that protocol (`useChat`, or
 * Hearth's own reader in src/web/assistant/api.ts) reads it.
 */

/** The chunks Hearth sends, as the protocol names them. */
export type UiMessageChunk =
  | { type: 'start'; messageId: string; messageMetadata?: unknown }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'error'; errorText: string }
  | { type: 'finish'; finishReason?: string; messageMetadata?: unknown };

export const UI_MESSAGE_STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
} as const;

const encoder = new TextEncoder();
const COMMENT = encoder.encode(': keep-alive\n\n');

export interface UiMessageStreamOptions {
  /** A comment is sent whenever nothing else was for this long (while the model thinks). */
  keepAliveMs: number;
  /** The reader went away (the client hung up or pressed stop). */
  onCancel?: (reason: unknown) => void;
  /** The text of the `error` chunk sent when `produce` throws. */
  errorText: string;
}

/**
 * A stream that `produce` writes chunks into; it opens with a comment (so headers and the
 * first byte leave at once), sends one every `keepAliveMs` of silence, and ends with
 * `[DONE]` when `produce` settles. Writes after the reader cancelled are dropped.
 */
export function uiMessageStream(
  produce: (write: (chunk: UiMessageChunk) => void) => Promise<void>,
  { keepAliveMs, onCancel, errorText }: UiMessageStreamOptions,
): ReadableStream<Uint8Array> {
  let open = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (bytes: Uint8Array) => {
        if (!open) return;
        controller.enqueue(bytes);
        clearTimeout(timer);
        timer = setTimeout(() => send(COMMENT), keepAliveMs);
      };
      const write = (chunk: UiMessageChunk) => send(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
      send(COMMENT);
      void produce(write)
        .catch(() => write({ type: 'error', errorText }))
        .finally(() => {
          send(encoder.encode('data: [DONE]\n\n'));
          clearTimeout(timer);
          if (open) controller.close();
          open = false;
        });
    },
    cancel(reason) {
      open = false;
      clearTimeout(timer);
      onCancel?.(reason);
    },
  });
}
