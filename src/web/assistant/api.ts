import type { z } from '@hono/zod-openapi';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type {
  AiMessageSchema,
  AiModelsSchema,
  AiSettingsSchema,
  AnswerChunk,
  AnswerUsage,
  ConversationDetailSchema,
  ConversationSchema,
} from '../../features/ai/ai.schemas';
import { ApiError, request, toApiError } from '../api';
import { freshAccessToken } from '../session';
import type { Page } from '../types';

export type Conversation = z.output<typeof ConversationSchema>;
export type ConversationDetail = z.output<typeof ConversationDetailSchema>;
export type AiMessage = z.output<typeof AiMessageSchema>;
export type AiModels = z.output<typeof AiModelsSchema>;

const path = (id: string) => `/api/ai/conversations/${encodeURIComponent(id)}`;
const noStore = { auth: true, cache: 'no-store' } as const;

/** The assistant's REST routes (SPEC §3 "AI"), typed by their answers. */
export const assistantApi = {
  models: () => request<AiModels>('/api/ai/models', noStore),
  list: (cursor?: string) =>
    request<Page<Conversation>>(
      `/api/ai/conversations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      noStore,
    ),
  get: (id: string) => request<ConversationDetail>(path(id), noStore),
  rename: (id: string, title: string) =>
    request<Conversation>(path(id), { method: 'PATCH', json: { title }, auth: true }),
  remove: (id: string) => request<void>(path(id), { method: 'DELETE', auth: true }),
};

/** What the answer stream tells the screen, in the order it comes. */
export type AnswerEvent =
  | { type: 'start'; conversationId: string }
  | { type: 'delta'; text: string }
  | { type: 'error'; message: string }
  | {
      type: 'finish';
      partial: boolean;
      usage?: AnswerUsage;
    };

/**
 * `POST /api/ai/chat`, read as it streams (the AI SDK UI message stream: SSE `data:` JSON
 * chunks). Refusals before the stream (429, 503, 400) come back as problem+json and are thrown
 * as `ApiError`, like every other call. Aborting `signal` is the stop button: the server sees
 * the connection close, cancels the model and keeps the answer so far as partial.
 */
export async function streamAnswer(
  body: { conversationId?: string; message: string; model?: string },
  signal: AbortSignal,
  onEvent: (event: AnswerEvent) => void,
): Promise<void> {
  const token = await freshAccessToken();
  let res: Response;
  try {
    res = await fetch('/api/ai/chat', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'text/event-stream, application/problem+json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) return;
    throw new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: error instanceof Error ? error.message : 'Could not reach the server.',
      code: 'network_error',
    });
  }
  if (!res.ok || !res.body || !/^text\/event-stream/.test(res.headers.get('Content-Type') ?? '')) {
    throw await toApiError(res);
  }
  const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.data === '[DONE]') continue;
      let chunk: AnswerChunk;
      try {
        chunk = JSON.parse(value.data) as AnswerChunk;
      } catch {
        continue;
      }
      const meta = chunk.messageMetadata;
      if (chunk.type === 'start' && meta?.conversationId)
        onEvent({ type: 'start', conversationId: meta.conversationId });
      else if (chunk.type === 'text-delta' && chunk.delta) onEvent({ type: 'delta', text: chunk.delta });
      else if (chunk.type === 'error') onEvent({ type: 'error', message: chunk.errorText ?? 'The answer failed.' });
      else if (chunk.type === 'finish')
        onEvent({ type: 'finish', partial: meta?.partial ?? false, usage: meta?.usage });
    }
  } catch (error) {
    if (!signal.aborted) {
      onEvent({ type: 'error', message: error instanceof Error ? error.message : 'The connection broke.' });
    }
  }
}

export type AiSettings = z.output<typeof AiSettingsSchema>;

/** The admin side (`ai.manage`): the per-user daily token budget and today's use. */
export const assistantAdminApi = {
  settings: () => request<AiSettings>('/api/admin/ai/settings', noStore),
  setBudget: (dailyTokenBudget: number) =>
    request<AiSettings>('/api/admin/ai/settings', { method: 'PUT', json: { dailyTokenBudget }, auth: true }),
};
