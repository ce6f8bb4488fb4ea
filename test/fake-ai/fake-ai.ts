/**
 * A fake model provider for the tests, the e2e run and the benchmark: an
 * OpenAI-compatible `POST /v1/chat/completions` that streams its answer in
 * small chunks with delays, like a real server.
 *
 * The last user message steers it, so one model list serves every test:
 * - `#workers`   answers in Workers AI's shape (`{ response }` events) instead of `choices[].delta`;
 * - `#fail`      breaks the stream after a few chunks (the connection drops);
 * - `#malformed` sends an event that is not JSON after a few chunks;
 * - `#slow`      sends many chunks 100 ms apart (to stop it halfway);
 * - `#stall`     thinks for 1.5 s before the first chunk;
 * - `#tag:<id>`  records the request under `<id>`: `GET /__fake/requests/<id>` tells what the
 *                provider saw (the model, the messages, how many chunks it sent, whether the
 *                caller cancelled).
 *
 * It runs as an auxiliary worker that the worker under test's outbound fetch is routed to
 * (test/fake-ai/index.ts, vitest.config.ts), answering for its own origin and passing anything
 * else through; and as a plain HTTP server for the browser test and the benchmark
 * (test/fake-ai/server.ts). This module holds what both share; the worker module itself may
 * export nothing but its handler (workerd takes every named export for an entrypoint).
 */

interface Seen {
  model: string;
  messages: { role: string; content: string }[];
  chunksSent: number;
  finished: boolean;
  cancelled: boolean;
}

// Test infrastructure, one isolate: module state is fine here, unlike in Hearth itself.
const seen = new Map<string, Seen>();

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The origin the tests configure as `AI_API_URL` (`https://fake-ai.test/v1`). */
export const FAKE_AI_ORIGIN = 'https://fake-ai.test';

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

function openAiChunk(model: string, content: string | null, usage?: { prompt: number; completion: number }) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: usage ? [] : [{ index: 0, delta: content === null ? {} : { content }, finish_reason: null }],
    ...(usage
      ? {
          usage: {
            prompt_tokens: usage.prompt,
            completion_tokens: usage.completion,
            total_tokens: usage.prompt + usage.completion,
          },
        }
      : {}),
  };
}

async function chat(request: Request): Promise<Response> {
  let body: { model?: string; messages?: { role: string; content: unknown }[]; stream?: boolean };
  try {
    body = await request.json();
  } catch {
    return Response.json({ error: { message: 'body is not JSON' } }, { status: 400 });
  }
  const model = body.model ?? 'unknown';
  const messages = (body.messages ?? []).map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
  }));
  const prompt = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const tag = /#tag:([\w-]+)/.exec(prompt)?.[1];
  const record: Seen = { model, messages, chunksSent: 0, finished: false, cancelled: false };
  if (tag) seen.set(tag, record);

  const workersShape = prompt.includes('#workers');
  const slow = prompt.includes('#slow');
  const answer = slow
    ? Array.from({ length: 100 }, (_, i) => `word${i} `).join('')
    : `Hello from the **fake model**. You said: ${prompt.replace(/#[\w:-]+/g, '').trim() || 'nothing'}.`;
  const pieces = words(answer);
  const promptTokens = messages.reduce((sum, m) => sum + Math.ceil(m.content.length / 4), 0);
  const delay = slow ? 100 : 5;

  // The whole answer as steps: wait, then send an event (or break the connection).
  const steps: { wait: number; data?: unknown; fail?: true }[] = [];
  for (const [i, piece] of pieces.entries()) {
    const wait = i === 0 ? (prompt.includes('#stall') ? 1500 : 0) : delay;
    if (i === 3 && prompt.includes('#fail')) {
      steps.push({ wait, fail: true });
      break;
    }
    if (i === 3 && prompt.includes('#malformed')) steps.push({ wait, data: '{"choices": [ this is not json' });
    steps.push({ wait, data: workersShape ? { response: piece } : openAiChunk(model, piece) });
  }
  const usage = { prompt: promptTokens, completion: pieces.length };
  if (workersShape) {
    const { prompt: prompt_tokens, completion: completion_tokens } = usage;
    steps.push({
      wait: delay,
      data: {
        response: '',
        usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
      },
    });
  } else {
    steps.push({
      wait: delay,
      data: { ...openAiChunk(model, null), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    });
    steps.push({ wait: 0, data: openAiChunk(model, null, usage) });
  }
  steps.push({ wait: 0, data: '[DONE]' });

  const cancelled = () => {
    if (!record.finished) record.cancelled = true;
  };
  request.signal?.addEventListener('abort', cancelled, { once: true });
  // Pulled one event at a time, so a caller that stops reading stops the answer, and its
  // cancel (the caller aborted or went away) is what the tests look for.
  const events = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const step = steps.shift();
        if (!step) {
          record.finished = true;
          controller.close();
          return;
        }
        if (step.wait) await sleep(step.wait);
        if (record.cancelled) return;
        if (step.fail) {
          controller.error(new Error('upstream connection reset'));
          return;
        }
        const data = step.data;
        controller.enqueue(encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`));
        record.chunksSent++;
      },
      cancel: cancelled,
    },
    { highWaterMark: 0 },
  );
  return new Response(events, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
  });
}

/** Answers a request for the fake's origin; `null` for anything else. */
export async function handleFakeAi(request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  if (request.method === 'POST' && url.pathname === '/v1/chat/completions') return chat(request);
  if (request.method === 'GET' && url.pathname === '/v1/models') {
    return Response.json({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] });
  }
  const tag = /^\/__fake\/requests\/([\w-]+)$/.exec(url.pathname)?.[1];
  if (request.method === 'GET' && tag) {
    const record = seen.get(tag);
    return record ? Response.json(record) : Response.json({ error: 'not seen' }, { status: 404 });
  }
  return null;
}
