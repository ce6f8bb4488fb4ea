import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { Env } from '../../env';
import { AppError } from '../../lib/errors';
import { type AiConfig, DEFAULT_WORKERS_AI_MODEL } from './ai.config';

/** One message of the conversation as the model reads it. */
export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/** What a provider's stream carries, whichever shape it answers in. */
export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'usage'; inputTokens: number; outputTokens: number }
  | { type: 'finish'; reason: string };

/** The provider failed (refused, broke the stream, or sent something unreadable). */
export class ProviderError extends Error {
  override name = 'ProviderError';
}

export interface AnswerOptions {
  maxOutputTokens: number;
  signal: AbortSignal;
}

/**
 * Which provider answers, and with which models. `answer` yields the model's events as they
 * arrive and ends after its `finish`; it throws `ProviderError` when the provider fails, and
 * stops (the upstream request cancelled) when `signal` aborts or the caller stops iterating.
 */
export interface AiProvider {
  kind: 'openai-compatible' | 'workers-ai';
  models: string[];
  answer(model: string, messages: Turn[], options: AnswerOptions): AsyncGenerator<ModelEvent>;
}

const NOT_CONFIGURED =
  'No AI provider is configured. Set AI_API_URL (any OpenAI-compatible server, e.g. a local Ollama at http://localhost:11434/v1) with AI_MODELS, or bind Workers AI as AI in wrangler.toml.';
const NO_MODELS = 'AI_API_URL is set but AI_MODELS is empty: list the models people may use, e.g. AI_MODELS=llama3.2.';

/** Why the assistant cannot answer, in words an operator can act on; null when a provider is configured. */
export function unavailableReason(env: Env, config: AiConfig): string | null {
  if (aiProvider(env, config)) return null;
  return config.apiUrl ? NO_MODELS : NOT_CONFIGURED;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** The events one parsed `data:` payload holds, in either shape. */
function* eventsOf(payload: unknown): Generator<ModelEvent> {
  if (!isRecord(payload)) throw new ProviderError('The provider sent an event that is not an object.');
  if (isRecord(payload.error)) {
    throw new ProviderError(`The provider failed: ${String(payload.error.message ?? 'unknown error')}`);
  }
  // OpenAI's Chat Completions chunks: `choices[].delta.content`, `finish_reason`, a last `usage` chunk.
  if (Array.isArray(payload.choices)) {
    for (const choice of payload.choices) {
      if (!isRecord(choice)) continue;
      const content = isRecord(choice.delta) ? choice.delta.content : undefined;
      if (typeof content === 'string' && content) yield { type: 'text', text: content };
      if (typeof choice.finish_reason === 'string') yield { type: 'finish', reason: choice.finish_reason };
    }
  } else if ('response' in payload) {
    // Workers AI's `{ response }` events (the binding, its REST API, some proxies).
    if (typeof payload.response === 'string' && payload.response) yield { type: 'text', text: payload.response };
  } else if (!isRecord(payload.usage)) {
    throw new ProviderError('The provider sent an event in neither the OpenAI nor the Workers AI shape.');
  }
  if (isRecord(payload.usage)) {
    const inputTokens = count(payload.usage.prompt_tokens);
    const outputTokens = count(payload.usage.completion_tokens);
    if (inputTokens !== undefined && outputTokens !== undefined) yield { type: 'usage', inputTokens, outputTokens };
  }
}

/**
 * Reads a provider's Server-Sent Events, in OpenAI's `choices[].delta` shape or Workers AI's
 * `{ response }` shape, into `ModelEvent`s (eventsource-parser does the SSE framing). Ends at
 * `[DONE]`; a stream that ends without it or a finish reason was cut, and a payload that is
 * not JSON is refused: both are `ProviderError`s. Leaving the loop early cancels the stream.
 */
export async function* modelEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ModelEvent> {
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onError: 'terminate' }))
    .getReader();
  let finished = false;
  let usageSeen = false;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<{ data: string }>;
      try {
        next = await reader.read();
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        throw new ProviderError('The connection to the provider broke while it was answering.');
      }
      if (next.done) break;
      const { data } = next.value;
      if (data.trim() === '[DONE]') {
        if (!finished) yield { type: 'finish', reason: 'stop' };
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        throw new ProviderError('The provider sent an event that is not JSON.');
      }
      for (const event of eventsOf(payload)) {
        if (event.type === 'finish') {
          // OpenAI sends usage after the finish reason: the finish is passed on at `[DONE]`.
          finished = true;
          continue;
        }
        if (event.type === 'usage') usageSeen = true;
        yield event;
      }
    }
    if (!finished && !usageSeen) throw new ProviderError('The provider ended its stream before finishing.');
    yield { type: 'finish', reason: 'stop' };
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** A non-streaming Chat Completions answer (some servers ignore `stream: true`), as events. */
function* completionEvents(payload: unknown): Generator<ModelEvent> {
  const choice = isRecord(payload) && Array.isArray(payload.choices) ? payload.choices[0] : undefined;
  const content = isRecord(choice) && isRecord(choice.message) ? choice.message.content : undefined;
  if (typeof content !== 'string') throw new ProviderError('The provider answered without a message.');
  if (content) yield { type: 'text', text: content };
  if (isRecord(payload) && isRecord(payload.usage)) yield* eventsOf({ usage: payload.usage });
  yield { type: 'finish', reason: 'stop' };
}

async function failureOf(response: Response): Promise<ProviderError> {
  const detail = (await response.text().catch(() => '')).slice(0, 300);
  return new ProviderError(`The provider answered ${response.status}${detail ? `: ${detail}` : ''}`);
}

/** Any OpenAI-compatible Chat Completions endpoint, streamed. */
function openAiCompatible(config: AiConfig): AiProvider {
  return {
    kind: 'openai-compatible',
    models: config.models,
    async *answer(model, messages, { maxOutputTokens, signal }) {
      let response: Response;
      try {
        response = await fetch(`${config.apiUrl}/chat/completions`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model,
            messages,
            stream: true,
            stream_options: { include_usage: true },
            max_tokens: maxOutputTokens,
          }),
          signal,
        });
      } catch (error) {
        if (signal.aborted) return;
        throw new ProviderError(`The provider at ${config.apiUrl} is unreachable: ${(error as Error).message}`);
      }
      if (!response.ok) throw await failureOf(response);
      if (!response.body) throw new ProviderError('The provider answered without a body.');
      if (response.headers.get('content-type')?.includes('application/json')) {
        yield* completionEvents(await response.json().catch(() => null));
        return;
      }
      yield* modelEvents(response.body);
    },
  };
}

/** Workers AI through the `AI` binding, streamed (its events are `{ response }`). */
function workersAi(ai: Ai, config: AiConfig): AiProvider {
  return {
    kind: 'workers-ai',
    models: config.models.length > 0 ? config.models : [DEFAULT_WORKERS_AI_MODEL],
    async *answer(model, messages, { maxOutputTokens, signal }) {
      let body: unknown;
      try {
        body = await ai.run(model as Parameters<Ai['run']>[0], { messages, stream: true, max_tokens: maxOutputTokens });
      } catch (error) {
        throw new ProviderError(`Workers AI refused the request: ${(error as Error).message}`);
      }
      if (!(body instanceof ReadableStream)) {
        yield* completionEvents({ choices: [{ message: { content: (body as { response?: unknown })?.response } }] });
        return;
      }
      const stream = body as ReadableStream<Uint8Array>;
      // The binding takes no signal: cancelling its stream is how an abandoned answer stops.
      const stop = () => stream.cancel().catch(() => {});
      signal.addEventListener('abort', stop, { once: true });
      try {
        yield* modelEvents(stream);
      } finally {
        signal.removeEventListener('abort', stop);
      }
    },
  };
}

/**
 * The provider the configuration names: `AI_API_URL` (OpenAI-compatible) first, then the
 * Workers AI binding. Built per request: the binding is handed to each request, and building
 * costs one object.
 *
 * Not the AI SDK: measured in the deploy bundle, `ai` with `@ai-sdk/openai-compatible` and
 * `workers-ai-provider` (and the gateway and provider-utils they pull in) added about 100 KiB
 * gzipped, 40 % of the whole worker, for a job this file and `ui-stream.ts` do in a few
 * hundred lines: one POST, two event shapes parsed with eventsource-parser, and the UI
 * message stream format written out (docs/ai.md).
 */
export function aiProvider(env: Env, config: AiConfig): AiProvider | null {
  if (config.apiUrl) return config.models.length === 0 ? null : openAiCompatible(config);
  if (env.AI) return workersAi(env.AI, config);
  return null;
}

/** The configured provider, or 503 `unavailable` saying how to configure one. */
export function requireAiProvider(env: Env, config: AiConfig): AiProvider {
  const provider = aiProvider(env, config);
  if (!provider) throw new AppError('unavailable', unavailableReason(env, config) ?? NOT_CONFIGURED);
  return provider;
}

/**
 * Whether a configured provider answers, for health: a warning when not, never a failure of
 * the whole app (accounts and files work without the assistant). Workers AI is a binding and
 * is not probed.
 */
export async function aiProviderWarning(env: Env, config: AiConfig): Promise<string | null> {
  if (config.apiUrl && config.models.length === 0) return `ai: ${NO_MODELS}`;
  const provider = aiProvider(env, config);
  if (provider?.kind !== 'openai-compatible') return null;
  try {
    const response = await fetch(`${config.apiUrl}/models`, {
      headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
      signal: AbortSignal.timeout(3000),
    });
    await response.body?.cancel();
    return response.status < 500 ? null : `ai: ${config.apiUrl} answered ${response.status}`;
  } catch {
    return `ai: ${config.apiUrl} is unreachable; the assistant answers 503 until it is back`;
  }
}
