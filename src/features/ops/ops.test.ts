import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  runInDurableObject,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq, inArray } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Recorded, recordedAt, waitForRecorded } from '../../../test/fake-outside/client';
import { ORIGIN, randomIp, registerUser, type TestUser, uploadForm } from '../../../test/worker/helpers';
import { connect, createRoom, openSocket, roomOf, ticketFor } from '../../../test/worker/sockets';
import { createApp, createBaseApp } from '../../app';
import { createDb } from '../../db/client';
import { opsAlertState, opsErrors, opsQueueEvents } from '../../db/schema';
import type { Env, JobMessage } from '../../env';
import worker from '../../index';
import { newId } from '../../lib/ids';
import { requireAuth } from '../../middleware/auth';
import { checkHealthAlert, postAlert } from './alerts';

const DAY = 24 * 60 * 60 * 1000;
const SENTRY_DSN = 'https://public@sentry.test/42';
const app = createApp();
const db = createDb(env.DB);

/** Stands in for the `ANALYTICS` dataset (Miniflare's accepts writes and drops them): keeps every point. */
function recorder() {
  const points: AnalyticsEngineDataPoint[] = [];
  const sink: AnalyticsEngineDataset = {
    writeDataPoint(point) {
      if (point) points.push(point);
    },
  };
  return { points, sink };
}

interface RequestOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request through `target` with `overrides` on top of the real bindings. */
function send(
  target: { request: typeof app.request },
  path: string,
  overrides: Partial<Env>,
  options: RequestOptions = {},
) {
  return target.request(
    `${ORIGIN}${path}`,
    {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: {
        'cf-connecting-ip': randomIp(),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    },
    { ...env, ...overrides },
  );
}

const requestPoint = (route: string, method: string, status: number, who: 'user' | 'anonymous') => ({
  indexes: [`${method} ${route}`],
  blobs: ['request', method, route, `${Math.floor(status / 100)}xx`, who, ''],
  doubles: [1, expect.any(Number), status],
});

describe('request metrics', () => {
  it('should write one point per request with the route template, never the id or the query string', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const { points, sink } = recorder();
    const res = await send(
      app,
      `/api/rooms/${room.id}?tab=members&token=query-secret`,
      { ANALYTICS: sink },
      {
        token: user.accessToken,
      },
    );
    expect(res.status).toBe(200);
    expect(points).toEqual([requestPoint('/api/rooms/:id', 'GET', 200, 'user')]);
    const written = JSON.stringify(points);
    expect(written).not.toContain(room.id);
    expect(written).not.toContain('query-secret');
    expect(written).not.toContain('?');
  });

  it('should count a refusal under the route it was refused on, as anonymous', async () => {
    const owner = await registerUser();
    const room = await createRoom(owner);
    const { points, sink } = recorder();
    const res = await send(app, `/api/rooms/${room.id}`, { ANALYTICS: sink });
    expect(res.status).toBe(401);
    expect(points).toEqual([requestPoint('/api/rooms/:id', 'GET', 401, 'anonymous')]);
  });

  it('should count an invalid body as a 4xx of the signed-in user', async () => {
    const user = await registerUser();
    const { points, sink } = recorder();
    const res = await send(app, '/api/rooms', { ANALYTICS: sink }, { token: user.accessToken, body: { name: '' } });
    expect(res.status).toBe(400);
    expect(points).toEqual([requestPoint('/api/rooms', 'POST', 400, 'user')]);
  });

  it('should put every unknown path in one bucket, not the path itself', async () => {
    const { points, sink } = recorder();
    const res = await send(app, '/api/no-such-thing/01J9ZSECRETID?token=abc', { ANALYTICS: sink });
    expect(res.status).toBe(404);
    expect(points).toEqual([requestPoint('(unmatched)', 'GET', 404, 'anonymous')]);
    expect(JSON.stringify(points)).not.toContain('no-such-thing');
  });

  it('should keep serving when the dataset throws', async () => {
    const broken: AnalyticsEngineDataset = {
      writeDataPoint() {
        throw new Error('Analytics Engine is down');
      },
    };
    const res = await send(app, '/api/health', { ANALYTICS: broken });
    expect(res.status).toBe(200);
  });
});

describe('realtime metrics', () => {
  /** Puts a recorder in the room object's own `env` (the worker cannot pass one through the upgrade). */
  async function recordRoom(roomId: string) {
    const { points, sink } = recorder();
    await runInDurableObject(roomOf(roomId), (instance) => {
      const own = (instance as unknown as { env: Env }).env;
      Reflect.set(instance, 'env', { ...own, ANALYTICS: sink });
    });
    return points;
  }

  const realtimePoint = (event: string, detail: string, durationMs: unknown, code: number) => ({
    indexes: ['ws chat'],
    blobs: ['realtime', event, 'chat', detail, 'user', ''],
    doubles: [1, durationMs, code],
  });

  it('should write opened, message, refused and closed points without any message text', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const points = await recordRoom(room.id);
    const { socket } = await connect(user, room.id);
    socket.send({ type: 'send', clientId: 'c1', text: 'a private hello' });
    await socket.next('ack');
    socket.send('not json');
    expect((await socket.closed).code).toBe(1007);
    await expect.poll(() => points.length).toBe(4);
    expect(points).toEqual([
      realtimePoint('opened', '', 0, 0),
      realtimePoint('message', 'send', 0, 0),
      realtimePoint('refused', 'Frames must be JSON', 0, 1007),
      realtimePoint('closed', '', expect.any(Number), 1007),
    ]);
    expect(JSON.stringify(points)).not.toContain('private hello');
  });

  it('should count a reused ticket as a refusal and a client close with its code', async () => {
    const user = await registerUser();
    const room = await createRoom(user);
    const points = await recordRoom(room.id);
    const { url } = await ticketFor(user, room.id);
    const first = await openSocket(url);
    expect(first.res.status).toBe(101);
    const again = await openSocket(url);
    expect(again.res.status).toBe(401);
    first.client?.close(1000);
    await first.client?.closed;
    await expect.poll(() => points.map((point) => point.blobs?.[1])).toEqual(['opened', 'refused', 'closed']);
    expect(points[1]).toEqual(realtimePoint('refused', 'ticket already used', 0, 401));
    expect(points[2]).toEqual(realtimePoint('closed', '', expect.any(Number), 1000));
  });
});

/** The event of a Sentry envelope: header line, item header, then the event JSON. */
function eventOf(envelope: Recorded) {
  const item = envelope.body.split('\n').find((line) => line.includes('"exception"'));
  if (!item) throw new Error(`no event in envelope: ${envelope.body.slice(0, 200)}`);
  return JSON.parse(item) as {
    tags: Record<string, string>;
    user?: { id?: string; email?: string; ip_address?: string };
    exception: { values: { type: string; value: string }[] };
    request?: { method?: string; url?: string; headers?: Record<string, string>; data?: unknown };
  };
}

describe('unhandled errors', () => {
  const SCRUBBED = 'lookup failed for [email] (Bearer [jwt]); password=[redacted]';
  const SECRETS = {
    password: 'body-password-kept-secret',
    note: 'body-note-kept-secret',
    query: 'query-token-kept-secret',
    cookie: 'cookie-value-kept-secret',
  };

  /** The real middleware and error handler, with one route that fails the way a bug does. */
  function failingApp(user: TestUser) {
    const failing = createBaseApp();
    failing.use('/api/explode/*', requireAuth());
    failing.post('/api/explode/:id', () => {
      throw new Error(`lookup failed for ${user.email} (Bearer ${user.accessToken}); password=${user.password}`);
    });
    return failing;
  }

  const explode = (user: TestUser, overrides: Partial<Env>, token?: string) =>
    send(failingApp(user), `/api/explode/item-1234?token=${SECRETS.query}`, overrides, {
      token,
      body: { password: SECRETS.password, note: SECRETS.note },
      headers: { cookie: `hearth_refresh=${SECRETS.cookie}` },
    });

  it('should reach Sentry with request id, route and user, and nothing secret', async () => {
    const user = await registerUser();
    const { points, sink } = recorder();
    const res = await explode(user, { SENTRY_DSN, ANALYTICS: sink }, user.accessToken);
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id') as string;
    expect(points).toEqual([requestPoint('/api/explode/:id', 'POST', 500, 'user')]);

    const [envelope] = await waitForRecorded('sentry.test', (entry) => entry.body.includes(requestId));
    expect(envelope?.path).toMatch(/^\/api\/42\/envelope\/\?/);
    const event = eventOf(envelope as Recorded);
    expect(event.tags).toMatchObject({ request_id: requestId, route: 'POST /api/explode/:id', source: 'fetch' });
    expect(event.user?.id).toBe(user.id);
    expect(event.exception.values[0]?.value).toBe(SCRUBBED);
    expect(event.request).toEqual({
      method: 'POST',
      url: `${ORIGIN}/api/explode/item-1234`,
      // Credentials and the client's address are left out; what remains is what the request declared.
      headers: { 'content-type': 'application/json' },
    });

    const body = envelope?.body ?? '';
    for (const secret of [...Object.values(SECRETS), user.accessToken, user.password, user.email, 'token=']) {
      expect(body).not.toContain(secret);
    }
  });

  it('should keep a scrubbed row in ops_errors', async () => {
    const user = await registerUser();
    const res = await explode(user, {}, user.accessToken);
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id') as string;
    const rows = await db.select().from(opsErrors).where(eq(opsErrors.requestId, requestId));
    expect(rows).toEqual([
      {
        id: expect.any(String),
        at: expect.any(Date),
        source: 'fetch',
        route: 'POST /api/explode/:id',
        requestId,
        userId: user.id,
        name: 'Error',
        message: SCRUBBED,
      },
    ]);
  });

  it('should report a real route that fails with its template', async () => {
    const user = await registerUser();
    // Without KV the session check cannot run: a TypeError, as a lost binding would give.
    const res = await send(
      app,
      '/api/auth/sessions',
      { KV: undefined as unknown as KVNamespace },
      { token: user.accessToken },
    );
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id') as string;
    const rows = await db.select().from(opsErrors).where(eq(opsErrors.requestId, requestId));
    expect(rows).toMatchObject([{ source: 'fetch', route: 'GET /api/auth/sessions', name: 'TypeError' }]);
  });

  it('should report a job that fails on the queue with its type', async () => {
    const user = await registerUser();
    const upload = await uploadForm(user.accessToken, 'to be hashed');
    expect(upload.status).toBe(201);
    const { id: fileId } = (await upload.json()) as { id: string };
    const messageId = `hash-${crypto.randomUUID()}`;
    const batch = createMessageBatch<JobMessage>('hearth-jobs', [
      { id: messageId, timestamp: Date.now(), attempts: 1, body: { type: 'hash_file', fileId, requestedAt: '' } },
    ]);
    const ctx = createExecutionContext();
    // Without the bucket the job throws, as it would on an R2 outage.
    await worker.queue(batch, { ...env, FILES: undefined as unknown as R2Bucket, SENTRY_DSN }, ctx);
    expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([{ msgId: messageId }]);
    const [envelope] = await waitForRecorded(
      'sentry.test',
      (entry) => entry.body.includes('"source":"queue"') && entry.body.includes('"route":"hash_file"'),
    );
    expect(eventOf(envelope as Recorded).exception.values[0]?.type).toBe('TypeError');
  });

  it('should not report a refusal the code chose', async () => {
    const user = await registerUser();
    const res = await explode(user, { SENTRY_DSN });
    expect(res.status).toBe(401);
    const requestId = res.headers.get('x-request-id') as string;
    expect(await db.select().from(opsErrors).where(eq(opsErrors.requestId, requestId))).toEqual([]);
    expect((await recordedAt('sentry.test')).filter((entry) => entry.body.includes(requestId))).toEqual([]);
  });

  it('should remove errors and queue events older than 14 days in the cleanup job', async () => {
    const at = (days: number) => new Date(Date.now() - days * DAY);
    const error = (id: string, days: number) => ({
      id,
      at: at(days),
      source: 'queue' as const,
      name: 'Error',
      message: 'old',
    });
    const [oldError, recentError, oldEvent, recentEvent] = [newId(), newId(), newId(), newId()];
    await db.insert(opsErrors).values([error(oldError, 15), error(recentError, 13)]);
    await db.insert(opsQueueEvents).values([
      { id: oldEvent, at: at(15), type: 'cleanup', outcome: 'done', attempts: 1 },
      { id: recentEvent, at: at(13), type: 'cleanup', outcome: 'done', attempts: 1 },
    ]);
    const batch = createMessageBatch<JobMessage>('hearth-jobs', [
      {
        id: 'c1',
        timestamp: Date.now(),
        attempts: 1,
        body: { type: 'cleanup', requestedAt: new Date().toISOString() },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['c1']);
    const errors = await db
      .select({ id: opsErrors.id })
      .from(opsErrors)
      .where(inArray(opsErrors.id, [oldError, recentError]));
    expect(errors).toEqual([{ id: recentError }]);
    const events = await db
      .select({ id: opsQueueEvents.id })
      .from(opsQueueEvents)
      .where(inArray(opsQueueEvents.id, [oldEvent, recentEvent]));
    expect(events).toEqual([{ id: recentEvent }]);
  });
});

describe('alerts', () => {
  /** Production without its signing secrets: health fails on the config check, for real. */
  const failingEnv = (url: string): Env => ({
    ...env,
    ENVIRONMENT: 'production',
    APP_URL: 'https://hearth.example',
    JWT_PRIVATE_JWKS: undefined,
    URL_SIGNING_KEYS: undefined,
    ALERT_WEBHOOK_URL: url,
  });
  const okEnv = (url: string): Env => ({ ...env, ALERT_WEBHOOK_URL: url });
  const cron = () => createScheduledController({ cron: '*/15 * * * *' });

  /** A webhook address of this test's own, so alerts of other tests never count. */
  const hook = () => `https://hooks.test/alerts/${crypto.randomUUID()}`;
  const posted = async (url: string) =>
    (await recordedAt('hooks.test'))
      .filter((entry) => `https://hooks.test${entry.path}` === url)
      .map((entry) => JSON.parse(entry.body) as { kind: string; text: string; details: Record<string, unknown> });

  beforeEach(async () => {
    await db.delete(opsAlertState);
  });

  it('should post once when health fails and once when it recovers, from the cron trigger', async () => {
    const url = hook();
    await worker.scheduled(cron(), failingEnv(url));
    await worker.scheduled(cron(), failingEnv(url));
    const failing = await posted(url);
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({
      kind: 'health_failing',
      service: 'hearth',
      environment: 'production',
      details: { checks: { config: 'fail' } },
    });
    expect(failing[0]?.text).toContain('JWT_PRIVATE_JWKS is not set');

    await worker.scheduled(cron(), okEnv(url));
    await worker.scheduled(cron(), okEnv(url));
    expect((await posted(url)).map((alert) => alert.kind)).toEqual(['health_failing', 'health_recovered']);
  });

  it('should post nothing while health stays ok', async () => {
    const url = hook();
    expect(await checkHealthAlert(okEnv(url))).toBe('unchanged');
    expect(await checkHealthAlert(okEnv(url))).toBe('unchanged');
    expect(await posted(url)).toEqual([]);
  });

  it('should post once when two checks run at the same time', async () => {
    const url = hook();
    const outcomes = await Promise.all([checkHealthAlert(failingEnv(url)), checkHealthAlert(failingEnv(url))]);
    expect(outcomes.sort()).toEqual(['failing', 'unchanged']);
    expect(await posted(url)).toHaveLength(1);
  });

  it('should not throw when the webhook answers 500, and post again on the next run', async () => {
    const down = 'https://hooks.test/down';
    const before = (await posted(down)).length;
    expect(await postAlert(failingEnv(down), { kind: 'dead_letter', text: 'test', details: {} })).toBe(false);
    expect(await checkHealthAlert(failingEnv(down))).toBe('undelivered');
    await worker.scheduled(cron(), failingEnv(down));
    expect((await posted(down)).length).toBe(before + 3);
    // Once the webhook takes it, the failure is told once.
    const url = hook();
    expect(await checkHealthAlert(failingEnv(url))).toBe('failing');
    expect(await checkHealthAlert(failingEnv(url))).toBe('unchanged');
    expect(await posted(url)).toHaveLength(1);
  });

  it('should post nothing and keep no state without ALERT_WEBHOOK_URL', async () => {
    expect(await checkHealthAlert(failingEnv(''))).toBe('disabled');
    expect(await db.select().from(opsAlertState)).toEqual([]);
  });

  it('should post one alert for a batch of dead letters, without their bodies', async () => {
    const url = hook();
    const phone = '+15550109876';
    const email = `dead-${crypto.randomUUID()}@example.com`;
    const batch = createMessageBatch<JobMessage>('hearth-jobs-dlq', [
      {
        id: 'd1',
        timestamp: Date.now(),
        attempts: 6,
        body: { type: 'send_sms', to: phone, text: 'Your code is 123456', requestedAt: '' },
      },
      { id: 'd2', timestamp: Date.now(), attempts: 6, body: { type: 'send_password_reset', email, requestedAt: '' } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, okEnv(url), ctx);
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    const alerts = await posted(url);
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'dead_letter',
        details: { count: 2, types: ['send_password_reset', 'send_sms'] },
      }),
    ]);
    const raw = JSON.stringify(alerts);
    for (const secret of [phone, email, '123456']) expect(raw).not.toContain(secret);
  });
});
