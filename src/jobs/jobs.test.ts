import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createDb } from '../db/client';
import { devOutbox, oneTimeTokens, sessions, users } from '../db/schema';
import type { JobMessage } from '../env';
import worker from '../index';
import { newId } from '../lib/ids';

const DAY = 24 * 60 * 60 * 1000;

async function seed() {
  const db = createDb(env.DB);
  const userId = newId();
  const t = Date.now();
  await db
    .insert(users)
    .values({ id: userId, email: `${userId}@x.test`, createdAt: new Date(t), updatedAt: new Date(t) });
  const session = (id: string, expiresAt: number) => ({
    id,
    userId,
    client: 'web' as const,
    currentTokenHash: id,
    createdAt: new Date(t - 40 * DAY),
    lastUsedAt: new Date(t),
    idleExpiresAt: new Date(expiresAt),
    expiresAt: new Date(expiresAt),
  });
  const live = newId();
  const dead = newId();
  await db.insert(sessions).values([session(live, t + DAY), session(dead, t - 2 * DAY)]);
  const token = (hash: string, expiresAt: number) => ({
    tokenHash: hash,
    purpose: 'reset_password' as const,
    userId,
    email: 'a@x.test',
    createdAt: new Date(t - DAY),
    expiresAt: new Date(expiresAt),
  });
  await db.insert(oneTimeTokens).values([token(`${live}-t`, t + DAY), token(`${dead}-t`, t - 1)]);
  await db
    .insert(devOutbox)
    .values({ id: dead, channel: 'email', to: 'a@x.test', body: 'old', createdAt: new Date(t - 8 * DAY) });
  return { db, live, dead };
}

describe('jobs', () => {
  it('should delete only what has expired when the cleanup job runs', async () => {
    const { db, live, dead } = await seed();
    const batch = createMessageBatch<JobMessage>('hearth-jobs', [
      {
        id: 'm1',
        timestamp: Date.now(),
        attempts: 1,
        body: { type: 'cleanup', requestedAt: new Date().toISOString() },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['m1']);
    const remaining = (await db.select({ id: sessions.id }).from(sessions)).map((s) => s.id);
    expect(remaining).toContain(live);
    expect(remaining).not.toContain(dead);
    const tokens = (await db.select({ hash: oneTimeTokens.tokenHash }).from(oneTimeTokens)).map((t) => t.hash);
    expect(tokens).toEqual([`${live}-t`]);
    expect(await db.select().from(devOutbox)).toEqual([]);
  });

  it('should sweep through the real queue when the cron trigger fires', async () => {
    const { db, dead } = await seed();
    await worker.scheduled(createScheduledController({ cron: '*/15 * * * *' }), env);
    // The local queue delivers the message to this same worker's consumer in the background.
    await expect
      .poll(async () => (await db.select({ id: sessions.id }).from(sessions)).map((s) => s.id), {
        timeout: 15_000,
        interval: 250,
      })
      .not.toContain(dead);
  }, 20_000);
});
