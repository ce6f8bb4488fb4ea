import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { call, expectProblem, makeAdmin, registerUser, type TestUser } from '../../../test/worker/helpers';
import { createApp } from '../../app';
import { createDb } from '../../db/client';
import { backups, opsErrors, opsQueueEvents } from '../../db/schema';
import { newId } from '../../lib/ids';
import { reportError } from '../ops/errors';
import type { SystemReport } from './system.service';

const db = createDb(env.DB);
const HOUR = 60 * 60 * 1000;
const ago = (ms: number) => new Date(Date.now() - ms);

async function adminUser(): Promise<TestUser> {
  const admin = await registerUser();
  await makeAdmin(admin.id);
  return admin;
}

async function report(token: string): Promise<SystemReport> {
  const res = await call('/api/admin/system', { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.json();
}

const queueEvent = (type: string, outcome: 'done' | 'retried' | 'dead_letter', at: Date, attempts = 1) => ({
  id: newId(),
  type,
  outcome,
  at,
  attempts,
});

const errorRow = (message: string, at: Date, route = 'GET /api/rooms/:id') => ({
  id: newId(),
  at,
  source: 'fetch' as const,
  route,
  requestId: `req-${message}`,
  userId: null,
  name: 'TypeError',
  message,
});

describe('GET /api/admin/system', () => {
  // Storage is this file's own: the counts below are exactly the rows each test writes.
  beforeEach(async () => {
    await db.delete(opsQueueEvents);
    await db.delete(opsErrors);
    await db.delete(backups);
  });

  it('should refuse anonymous callers with 401', async () => {
    await expectProblem(await call('/api/admin/system'), 401, 'unauthorized');
  });

  it('should refuse a signed-in user who is not an admin with 403', async () => {
    const user = await registerUser();
    await expectProblem(await call('/api/admin/system', { token: user.accessToken }), 403, 'forbidden');
  });

  it('should report health with every check ok and the version', async () => {
    const admin = await adminUser();
    const { health } = await report(admin.accessToken);
    expect(health).toEqual({
      status: 'ok',
      checks: { db: 'ok', kv: 'ok', storage: 'ok', config: 'ok' },
      problems: [],
      warnings: [],
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });

  it('should count the last 24 hours of queue events by outcome and type, dead letters apart', async () => {
    const admin = await adminUser();
    await db.insert(opsQueueEvents).values([
      queueEvent('backup', 'done', ago(1 * HOUR)),
      queueEvent('backup', 'done', ago(2 * HOUR)),
      queueEvent('backup', 'retried', ago(3 * HOUR)),
      queueEvent('send_sms', 'retried', ago(4 * HOUR), 2),
      queueEvent('send_sms', 'dead_letter', ago(5 * HOUR), 3),
      queueEvent('hash_file', 'done', ago(23 * HOUR)),
      // Outside the window: kept for 14 days, counted in no total here.
      queueEvent('backup', 'dead_letter', ago(25 * HOUR), 3),
      queueEvent('hash_file', 'done', ago(48 * HOUR)),
    ]);

    const { queue } = await report(admin.accessToken);
    expect(queue).toEqual({
      windowHours: 24,
      last24h: { done: 3, retried: 2, deadLetter: 1 },
      byType: [
        { type: 'backup', done: 2, retried: 1, deadLetter: 0 },
        { type: 'hash_file', done: 1, retried: 0, deadLetter: 0 },
        { type: 'send_sms', done: 0, retried: 1, deadLetter: 1 },
      ],
    });
  });

  it('should list the newest errors first, without those past the 14 days kept', async () => {
    const admin = await adminUser();
    await db
      .insert(opsErrors)
      .values([
        errorRow('two hours ago', ago(2 * HOUR)),
        errorRow('ten days ago', ago(10 * 24 * HOUR), 'queue backup'),
        errorRow('fifteen days ago', ago(15 * 24 * HOUR)),
      ]);
    // Through the real reporter, as an unhandled error in a request is stored.
    await reportError(env, undefined, new RangeError('just now'), {
      source: 'fetch',
      route: 'POST /api/files',
      requestId: 'req-just-now',
      userId: admin.id,
    });

    const { errors } = await report(admin.accessToken);
    expect(errors.map((error) => error.message)).toEqual(['just now', 'two hours ago', 'ten days ago']);
    expect(errors[0]).toEqual({
      id: expect.any(String),
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      source: 'fetch',
      route: 'POST /api/files',
      requestId: 'req-just-now',
      userId: admin.id,
      name: 'RangeError',
      message: 'just now',
    });
    expect(errors[2]).toMatchObject({ route: 'queue backup', requestId: 'req-ten days ago', userId: null });
  });

  it('should stop at the 50 newest errors', async () => {
    const admin = await adminUser();
    const rows = Array.from({ length: 55 }, (_, i) => errorRow(`error ${i}`, ago(i * 1000)));
    // D1 binds at most 100 parameters per statement: 10 rows of 8 columns at a time.
    for (let i = 0; i < rows.length; i += 10) await db.insert(opsErrors).values(rows.slice(i, i + 10));
    const { errors } = await report(admin.accessToken);
    expect(errors).toHaveLength(50);
    expect(errors[0]?.message).toBe('error 0');
    expect(errors.at(-1)?.message).toBe('error 49');
  });

  it('should show the 5 newest backups and when the last complete one finished', async () => {
    const admin = await adminUser();
    const backup = (status: 'done' | 'failed' | 'running', createdAt: Date, finishedAt: Date | null) => ({
      origin: 'manual' as const,
      status,
      createdAt,
      startedAt: createdAt,
      finishedAt,
      r2Key: `backups/${createdAt.getTime()}.tar`,
      sizeBytes: 4096,
      error: status === 'failed' ? 'R2 did not answer' : null,
    });
    const specs = [
      backup('done', ago(7 * 24 * HOUR), ago(7 * 24 * HOUR - 60_000)),
      ...Array.from({ length: 4 }, (_, i) => backup('done', ago((6 - i) * 24 * HOUR), ago((6 - i) * 24 * HOUR - 1000))),
      backup('failed', ago(2 * HOUR), ago(2 * HOUR - 1000)),
    ];
    // Ids carry the time they were made and the list sorts by them: made oldest first, a moment apart.
    const rows = [];
    for (const spec of specs) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      const [row] = await db
        .insert(backups)
        .values({ id: newId(), ...spec })
        .returning();
      if (row) rows.push(row);
    }

    const { backups: shown } = await report(admin.accessToken);
    expect(shown.recent.map((each) => each.id)).toEqual(
      rows
        .slice(1)
        .reverse()
        .map((row) => row.id),
    );
    expect(shown.recent[0]).toEqual({
      id: rows[5]?.id,
      origin: 'manual',
      status: 'failed',
      createdAt: rows[5]?.createdAt.toISOString(),
      finishedAt: rows[5]?.finishedAt?.toISOString(),
      sizeBytes: 4096,
      error: 'R2 did not answer',
    });
    expect(shown.lastDoneAt).toBe(rows[4]?.finishedAt?.toISOString());
  });

  it('should say where the dashboards are, linking only http(s) URLs and never showing the Sentry DSN', async () => {
    const admin = await adminUser();
    const app = createApp();
    const configured = {
      ...env,
      SENTRY_DSN: 'https://public-key@sentry.example/42',
      METRICS_DASHBOARD_URL: 'https://grafana.example/d/hearth',
      ERRORS_DASHBOARD_URL: 'javascript:alert(1)',
    };
    const res = await app.request(
      '/api/admin/system',
      { headers: { authorization: `Bearer ${admin.accessToken}` } },
      configured,
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('public-key');
    expect((JSON.parse(text) as SystemReport).dashboards).toEqual({
      analyticsDataset: 'hearth',
      grafanaDashboard: 'docs/grafana/hearth-dashboard.json',
      operationsGuide: 'docs/operations.md',
      metricsUrl: 'https://grafana.example/d/hearth',
      errorsUrl: null,
      sentry: true,
      alertWebhook: false,
    });

    const { dashboards } = await report(admin.accessToken);
    expect(dashboards).toMatchObject({ sentry: false, metricsUrl: null, errorsUrl: null });
  });
});
