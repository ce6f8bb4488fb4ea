import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { expectProblem, makeAdmin, ORIGIN, randomIp, registerUser } from '../../../test/worker/helpers';
import { createApp } from '../../app';
import type { AnswerChunk } from './ai.schemas';

const app = createApp();
const aiEnv = { ...env, AI_API_URL: 'https://fake-ai.test/v1', AI_MODELS: 'fake-model,fake-large' };

function ask(token: string, body: unknown, extraEnv: Record<string, unknown> = {}, signal?: AbortSignal) {
  return app.request(
    `${ORIGIN}/api/ai/chat`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'cf-connecting-ip': randomIp() },
      body: JSON.stringify(body),
      signal,
    },
    { ...aiEnv, ...extraEnv },
  );
}

function get(token: string, path: string, init: RequestInit = {}) {
  return app.request(
    `${ORIGIN}${path}`,
    { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } },
    aiEnv,
  );
}

type Chunk = AnswerChunk;

/** Reads a UI message stream to the end: its events, its comments, and the text they spell. */
async function readStream(res: Response) {
  const raw = await res.text();
  const events: Chunk[] = [];
  for (const block of raw.split('\n\n')) {
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (data && data !== '[DONE]') events.push(JSON.parse(data));
  }
  const text = events.map((e) => (e.type === 'text-delta' ? e.delta : '')).join('');
  const conversationId = events.find((e) => e.type === 'start')?.messageMetadata?.conversationId ?? '';
  return { raw, events, text, conversationId, finish: events.find((e) => e.type === 'finish') };
}

async function fakeSaw(tag: string) {
  const res = await fetch(`https://fake-ai.test/__fake/requests/${tag}`);
  return (await res.json()) as {
    chunksSent: number;
    finished: boolean;
    cancelled: boolean;
    model: string;
    messages: unknown[];
  };
}

describe('POST /api/ai/chat', () => {
  it('should stream a whole answer with usage and store the conversation', async () => {
    const user = await registerUser();
    const res = await ask(user.accessToken, { message: 'What is a hearth?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const { raw, text, finish, conversationId } = await readStream(res);
    expect(raw.startsWith(':')).toBe(true);
    expect(text).toBe('Hello from the **fake model**. You said: What is a hearth?.');
    // The fake counts a word a token and reports it in its last chunk: the usage is the provider's, not an estimate.
    expect(finish?.messageMetadata?.usage).toMatchObject({ outputTokens: 11, estimated: false });
    expect(finish?.messageMetadata?.partial).toBe(false);

    const stored = await get(user.accessToken, `/api/ai/conversations/${conversationId}`);
    const body = (await stored.json()) as {
      title: string;
      messages: { role: string; content: string; partial: boolean }[];
    };
    expect(body.title).toBe('What is a hearth?');
    expect(body.messages.map((m) => [m.role, m.partial])).toEqual([
      ['user', false],
      ['assistant', false],
    ]);
    expect(body.messages[1]?.content).toBe(text);
  });

  it('should read answers in Workers AI’s { response } shape too', async () => {
    const user = await registerUser();
    const { text, finish } = await readStream(await ask(user.accessToken, { message: 'shape #workers' }));
    expect(text).toBe('Hello from the **fake model**. You said: shape.');
    expect(finish?.messageMetadata?.usage?.estimated).toBe(false);
  });

  it('should continue a conversation with its stored history and the chosen model', async () => {
    const user = await registerUser();
    const first = await readStream(await ask(user.accessToken, { message: 'one' }));
    const tag = crypto.randomUUID();
    await readStream(
      await ask(user.accessToken, {
        conversationId: first.conversationId,
        message: `two #tag:${tag}`,
        model: 'fake-large',
      }),
    );
    const saw = await fakeSaw(tag);
    expect(saw.model).toBe('fake-large');
    expect(saw.messages).toHaveLength(3);
  });

  it('should start a conversation from a sent history, kept in its order', async () => {
    const user = await registerUser();
    const tag = crypto.randomUUID();
    const messages = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
      { role: 'user', content: 'second question' },
      { role: 'assistant', content: 'second answer' },
      { role: 'user', content: `third question #tag:${tag}` },
    ];
    const { conversationId } = await readStream(await ask(user.accessToken, { messages }));
    expect((await fakeSaw(tag)).messages).toEqual(messages);
    const detail = (await (await get(user.accessToken, `/api/ai/conversations/${conversationId}`)).json()) as {
      messages: { role: string; content: string }[];
    };
    expect(detail.messages.map((m) => m.content)).toEqual([...messages.map((m) => m.content), expect.any(String)]);
  });

  it('should keep a partial answer and send an error event when the provider fails mid-stream', async () => {
    const user = await registerUser();
    const res = await ask(user.accessToken, { message: 'break #fail' });
    expect(res.status).toBe(200);
    const { events, text, conversationId } = await readStream(res);
    expect(text).toBe('Hello from the ');
    expect(events.some((e) => e.type === 'error')).toBe(true);
    const detail = (await (await get(user.accessToken, `/api/ai/conversations/${conversationId}`)).json()) as {
      messages: { content: string; partial: boolean; error: string | null; outputTokens: number }[];
    };
    expect(detail.messages[1]).toMatchObject({ content: 'Hello from the ', partial: true });
    expect(detail.messages[1]?.error).toContain('failed');
  });

  it('should treat a malformed upstream event as a failure, keeping what came before', async () => {
    const user = await registerUser();
    const { events, text, conversationId } = await readStream(await ask(user.accessToken, { message: 'x #malformed' }));
    expect(events.some((e) => e.type === 'error')).toBe(true);
    expect(text).toBe('Hello from the ');
    const detail = (await (await get(user.accessToken, `/api/ai/conversations/${conversationId}`)).json()) as {
      messages: { partial: boolean }[];
    };
    expect(detail.messages[1]?.partial).toBe(true);
  });

  it('should cancel the upstream request when the client goes away, and keep the answer as partial', async () => {
    const user = await registerUser();
    const tag = crypto.randomUUID();
    const res = await ask(user.accessToken, { message: `long #slow #tag:${tag}` });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('word2')) seen += decoder.decode((await reader.read()).value);
    await reader.cancel();
    await expect.poll(async () => (await fakeSaw(tag)).cancelled, { timeout: 5000 }).toBe(true);
    const saw = await fakeSaw(tag);
    expect(saw.finished).toBe(false);
    expect(saw.chunksSent).toBeLessThan(50);
    const conversationId = /"conversationId":"([^"]+)"/.exec(seen)?.[1];
    await expect
      .poll(async () => {
        const detail = (await (await get(user.accessToken, `/api/ai/conversations/${conversationId}`)).json()) as {
          messages: { partial: boolean; error: string | null }[];
        };
        return detail.messages[1];
      })
      .toMatchObject({ partial: true, error: 'stopped' });
  });

  it('should answer 503 unavailable, saying how to configure one, when no provider is set', async () => {
    const user = await registerUser();
    const res = await ask(user.accessToken, { message: 'hi' }, { AI_API_URL: '', AI_MODELS: '' });
    const problem = await expectProblem(res, 503, 'unavailable');
    expect(problem.detail).toContain('AI_API_URL');
    const models = await app.request(
      `${ORIGIN}/api/ai/models`,
      { headers: { authorization: `Bearer ${user.accessToken}` } },
      { ...env, AI_API_URL: '' },
    );
    expect(await models.json()).toMatchObject({ available: false, models: [] });
    const noModels = await ask(user.accessToken, { message: 'hi' }, { AI_MODELS: '' });
    expect((await expectProblem(noModels, 503, 'unavailable')).detail).toContain('AI_MODELS is empty');
  });

  it('should refuse bad input with problem+json, never a 500', async () => {
    const user = await registerUser();
    const t = user.accessToken;
    await expectProblem(await ask(t, { message: 'hi', model: 'gpt-nope' }), 400, 'validation_failed');
    await expectProblem(await ask(t, { messages: [{ role: 'system', content: 'obey' }] }), 400, 'validation_failed');
    await expectProblem(await ask(t, { messages: [{ role: 'assistant', content: 'hi' }] }), 400, 'validation_failed');
    await expectProblem(
      await ask(t, { message: 'a', messages: [{ role: 'user', content: 'b' }] }),
      400,
      'validation_failed',
    );
    await expectProblem(await ask(t, { message: 'hi', extra: 1 }), 400, 'validation_failed');
    await expectProblem(await ask(t, { message: 'x'.repeat(32_001) }), 400, 'validation_failed');
    await expectProblem(await ask(t, { messages: [] }), 400, 'validation_failed');
    await expectProblem(await ask(t, { message: '' }), 400, 'validation_failed');
    await expectProblem(await ask(t, { message: 'hi', model: 42 }), 400, 'validation_failed');
    const long = Array.from({ length: 5 }, () => ({ role: 'user' as const, content: 'x'.repeat(8000) }));
    await expectProblem(await ask(t, { messages: long }), 413, 'payload_too_large');
  });
});

describe('limits', () => {
  it('should hold the daily token budget exactly under parallel requests', async () => {
    const user = await registerUser();
    // Each request reserves its input estimate + 1024 output tokens: two fit in 2100, not three.
    const results = await Promise.all(
      Array.from({ length: 5 }, () => ask(user.accessToken, { message: 'hi #stall' }, { AI_DAILY_TOKENS: '2100' })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    const refused = results.find((r) => r.status === 429) as Response;
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    await expectProblem(refused, 429, 'rate_limited');
    for (const r of results) if (r.status === 200) await r.text();
  });

  it('should let exactly the per-minute limit through when requests arrive together', async () => {
    const user = await registerUser();
    const extra = { AI_REQUESTS_PER_MINUTE: '3' };
    const results = await Promise.all(Array.from({ length: 7 }, () => ask(user.accessToken, { message: 'hi' }, extra)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(4);
    expect(Number(refused[0]?.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(refused[0]?.headers.get('Retry-After'))).toBeLessThanOrEqual(60);
    await expectProblem(refused[0] as Response, 429, 'rate_limited');
    for (const r of results) if (!r.bodyUsed) await r.text();
  });

  it('should give back the unused reservation once the answer is in', async () => {
    const user = await registerUser();
    // Each request reserves about 1025 tokens but spends about 16: sequentially, many fit in 2100.
    for (let i = 0; i < 4; i++) {
      const res = await ask(user.accessToken, { message: 'hi' }, { AI_DAILY_TOKENS: '2100' });
      expect(res.status).toBe(200);
      await res.text();
    }
  });

  it('should let an admin set the daily budget', async () => {
    const admin = await registerUser();
    const user = await registerUser();
    const put = (token: string) =>
      get(token, '/api/admin/ai/settings', { method: 'PUT', body: JSON.stringify({ dailyTokenBudget: 500 }) });
    await expectProblem(await put(user.accessToken), 403, 'forbidden');
    await makeAdmin(admin.id);
    expect(await (await put(admin.accessToken)).json()).toMatchObject({ dailyTokenBudget: 500 });
    await expectProblem(await ask(user.accessToken, { message: 'hi' }), 429, 'rate_limited');
    await get(admin.accessToken, '/api/admin/ai/settings', {
      method: 'PUT',
      body: JSON.stringify({ dailyTokenBudget: 1_000_000 }),
    });
  });
});

describe('health and metrics', () => {
  it('should report an unreachable provider as a warning, not a failure', async () => {
    const res = await app.request('/api/health', {}, { ...env, AI_API_URL: 'http://127.0.0.1:9/v1', AI_MODELS: 'm' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; warnings: string[] };
    expect(body.status).toBe('ok');
    expect(body.warnings).toEqual([expect.stringMatching(/^ai: .*unreachable/)]);
    const reachable = (await (await app.request('/api/health', {}, aiEnv)).json()) as { warnings: string[] };
    expect(reachable.warnings).toEqual([]);
  });

  it('should show the assistant’s usage in the admin metrics', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const before = (await (await get(admin.accessToken, '/api/admin/metrics')).json()) as {
      ai: { requests: number; tokens: number; users: number };
    };
    const user = await registerUser();
    const { finish } = await readStream(await ask(user.accessToken, { message: 'count me' }));
    const usage = finish?.messageMetadata?.usage;
    const after = (await (await get(admin.accessToken, '/api/admin/metrics')).json()) as typeof before;
    expect(after.ai.requests - before.ai.requests).toBeGreaterThanOrEqual(1);
    expect(after.ai.tokens - before.ai.tokens).toBeGreaterThanOrEqual(
      (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0),
    );
    expect(after.ai.users).toBeGreaterThan(0);
  });
});

describe('conversations', () => {
  it('should list with keyset paging, rename and delete, and hide another user’s', async () => {
    const user = await registerUser();
    const other = await registerUser();
    const ids: string[] = [];
    for (const text of ['first', 'second', 'third']) {
      ids.push((await readStream(await ask(user.accessToken, { message: text }))).conversationId);
    }
    const page1 = (await (await get(user.accessToken, '/api/ai/conversations?limit=2')).json()) as {
      items: { id: string }[];
      nextCursor: string | null;
    };
    expect(page1.items.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await (
      await get(user.accessToken, `/api/ai/conversations?limit=2&cursor=${page1.nextCursor}`)
    ).json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

    const path = `/api/ai/conversations/${ids[0]}`;
    await expectProblem(await get(other.accessToken, path), 404, 'not_found');
    await expectProblem(
      await get(other.accessToken, path, { method: 'PATCH', body: JSON.stringify({ title: 'mine' }) }),
      404,
      'not_found',
    );
    await expectProblem(await get(other.accessToken, path, { method: 'DELETE' }), 404, 'not_found');
    await expectProblem(await ask(other.accessToken, { conversationId: ids[0], message: 'hi' }), 404, 'not_found');

    const renamed = await get(user.accessToken, path, { method: 'PATCH', body: JSON.stringify({ title: 'Renamed' }) });
    expect(await renamed.json()).toMatchObject({ title: 'Renamed' });
    expect((await get(user.accessToken, path, { method: 'DELETE' })).status).toBe(204);
    await expectProblem(await get(user.accessToken, path), 404, 'not_found');
  });

  it('should be in the account export and go with the account', async () => {
    const user = await registerUser();
    const { conversationId } = await readStream(await ask(user.accessToken, { message: 'remember me' }));
    const exported = (await (await get(user.accessToken, '/api/users/me/export')).json()) as {
      aiConversations: { id: string; messages: unknown[] }[];
    };
    expect(exported.aiConversations).toEqual([expect.objectContaining({ id: conversationId })]);
    const deleted = await get(user.accessToken, '/api/users/me', {
      method: 'DELETE',
      body: JSON.stringify({ password: user.password }),
      headers: { 'cf-connecting-ip': user.ip },
    });
    expect(deleted.status).toBe(204);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM ai_messages WHERE conversation_id = ?')
      .bind(conversationId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});
