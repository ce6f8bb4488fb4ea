import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { currentUserId } from '../../middleware/auth';
import { countRequest, reserveTokens, settleTokens } from './ai.limits';
import { requireAiProvider, type Turn } from './ai.provider';
import { type AnswerUsage, type ChatRequestSchema, MAX_INPUT_CHARS } from './ai.schemas';
import {
  type Answer,
  appendUserMessage,
  dailyTokenBudget,
  estimateTokens,
  findConversation,
  messagesOf,
  recordUsage,
  saveAnswer,
  startConversation,
} from './ai.service';
import { UI_MESSAGE_STREAM_HEADERS, uiMessageStream } from './ui-stream';

/** The longest answer, in tokens: what a request reserves of the daily budget beyond its input. */
export const MAX_OUTPUT_TOKENS = 1024;
/** Well under the 15 s after which proxies and browsers may give up on a silent stream. */
const KEEP_ALIVE_MS = 10_000;
const PROVIDER_FAILED = 'The model provider failed while answering; the answer so far is kept.';

type ChatRequest = z.output<typeof ChatRequestSchema>;

/**
 * `POST /api/ai/chat`: validate → limits → store the question → stream the answer as an AI SDK
 * UI message stream. The answer is stored when the stream ends, however it ends: whole, or
 * partial (the client stopped it or went away, or the provider failed) with what had arrived.
 */
export async function chat(c: Context<AppEnv>, body: ChatRequest): Promise<Response> {
  const userId = currentUserId(c);
  const { db } = c.var;
  const config = c.var.config.ai;
  const provider = requireAiProvider(c.env, config);
  const model = body.model ?? provider.models[0] ?? '';
  if (!provider.models.includes(model)) {
    throw new AppError('validation_failed', 'That model is not offered here.', {
      errors: [{ path: 'model', message: `Choose one of: ${provider.models.join(', ')}`, code: 'invalid_value' }],
    });
  }
  const sent: Turn[] = body.messages ?? [{ role: 'user', content: body.message ?? '' }];
  const question = sent.at(-1) as Turn;
  const conversation = body.conversationId ? await findConversation(db, userId, body.conversationId) : null;
  const history: Turn[] = conversation
    ? [...(await messagesOf(db, conversation.id)).map(({ role, content }) => ({ role, content })), question]
    : sent;
  const inputChars = history.reduce((sum, m) => sum + m.content.length, 0);
  if (inputChars > MAX_INPUT_CHARS) {
    throw new AppError(
      'payload_too_large',
      `The conversation is ${inputChars} characters; the assistant reads at most ${MAX_INPUT_CHARS}. Start a new one.`,
    );
  }

  await countRequest(c.env, userId, config.requestsPerMinute);
  const inputEstimate = estimateTokens(history.map((m) => m.content).join('\n'));
  const budget = await dailyTokenBudget(db, config.dailyTokens);
  const reservation = await reserveTokens(c.env, userId, inputEstimate + MAX_OUTPUT_TOKENS, budget);

  let conversationId: string;
  if (conversation) {
    await appendUserMessage(db, conversation.id, history.length - 1, question.content);
    conversationId = conversation.id;
  } else {
    conversationId = (await startConversation(db, userId, model, sent)).id;
  }

  // Aborted when the client goes away or presses stop (the response body is cancelled): the
  // upstream request is cancelled with it, so an abandoned answer stops costing tokens.
  const upstream = new AbortController();
  c.req.raw.signal?.addEventListener('abort', () => upstream.abort(), { once: true });

  // The answer is saved after the client may have gone: keep the request alive until it is.
  let markSaved: () => void = () => {};
  const saved = new Promise<void>((resolve) => {
    markSaved = resolve;
  });
  try {
    c.executionCtx.waitUntil(saved);
  } catch {
    // No execution context (app.request in tests): the stream runs to its end regardless.
  }

  const stream = uiMessageStream(
    async (write) => {
      const textId = newId();
      let text = '';
      let failure: string | null = null;
      let reported: { inputTokens: number; outputTokens: number } | undefined;
      write({ type: 'start', messageId: newId(), messageMetadata: { conversationId, model } });
      write({ type: 'text-start', id: textId });
      try {
        const events = provider.answer(model, history, {
          maxOutputTokens: MAX_OUTPUT_TOKENS,
          signal: upstream.signal,
        });
        for await (const event of events) {
          if (upstream.signal.aborted) break;
          if (event.type === 'text') {
            text += event.text;
            write({ type: 'text-delta', id: textId, delta: event.text });
          } else if (event.type === 'usage') {
            reported = event;
          }
        }
      } catch (error) {
        if (!upstream.signal.aborted) {
          failure = PROVIDER_FAILED;
          console.warn(
            JSON.stringify({ level: 'warn', msg: 'ai provider failed', error: (error as Error).message, model }),
          );
        }
      }
      const stopped = upstream.signal.aborted && failure === null;
      if (failure) upstream.abort();
      const usage: AnswerUsage = {
        inputTokens: reported?.inputTokens ?? inputEstimate,
        outputTokens: reported?.outputTokens ?? estimateTokens(text),
        estimated: reported === undefined,
      };
      const answer: Answer = {
        content: text,
        partial: stopped || failure !== null,
        error: failure ?? (stopped ? 'stopped' : null),
        model,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        usageEstimated: usage.estimated,
      };
      try {
        const spent = usage.inputTokens + usage.outputTokens;
        await Promise.all([
          saveAnswer(db, conversationId, history.length, answer),
          settleTokens(c.env, reservation, spent),
          recordUsage(db, userId, reservation.day, spent),
        ]);
      } finally {
        markSaved();
      }
      write({ type: 'text-end', id: textId });
      if (failure) write({ type: 'error', errorText: failure });
      write({
        type: 'finish',
        finishReason: failure ? 'error' : stopped ? 'other' : 'stop',
        messageMetadata: { conversationId, model, partial: answer.partial, usage },
      });
    },
    {
      keepAliveMs: KEEP_ALIVE_MS,
      errorText: 'The assistant failed while answering.',
      // The client hung up or pressed stop: the upstream call is aborted with it.
      onCancel: (reason) => upstream.abort(reason),
    },
  );

  return new Response(stream, {
    status: 200,
    headers: { ...UI_MESSAGE_STREAM_HEADERS, 'X-Conversation-Id': conversationId },
  });
}
