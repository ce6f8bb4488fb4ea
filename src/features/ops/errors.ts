import { desc, gte, lt } from 'drizzle-orm';
import { createDb, type Database } from '../../db/client';
import { opsErrors } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { readConfig } from '../../lib/config';
import { newId } from '../../lib/ids';
import { scrubText } from './scrub';
import { type ErrorContext, sendToSentry } from './sentry';

export const ERROR_RETENTION_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Something that can keep a promise alive past the response (`ExecutionContext`, `DurableObjectState`). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * An unhandled error, wherever it happened (fetch, queue, scheduled, a
 * Durable Object): one scrubbed row in `ops_errors` for the admin system
 * page, and a Sentry report when `SENTRY_DSN` is set. Never throws: the
 * report of a failure must not become a second one. With `ctx`, the work runs
 * after the response; without, it is awaited.
 */
export function reportError(
  env: Env,
  ctx: WaitUntil | undefined,
  error: unknown,
  context: ErrorContext,
): Promise<void> {
  const work = Promise.all([
    storeError(env, error, context),
    env.SENTRY_DSN ? sendToSentry(env.SENTRY_DSN, readConfig(env).environment, error, context) : null,
  ]).then(
    () => undefined,
    (failure) => {
      console.error(JSON.stringify({ level: 'error', msg: 'error report failed', error: String(failure) }));
    },
  );
  if (ctx) {
    ctx.waitUntil(work);
    return Promise.resolve();
  }
  return work;
}

async function storeError(env: Env, error: unknown, context: ErrorContext): Promise<void> {
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  await createDb(env.DB)
    .insert(opsErrors)
    .values({
      id: newId(),
      at: now(),
      source: context.source,
      route: context.route ?? null,
      requestId: context.requestId ?? null,
      userId: context.userId ?? null,
      name: scrubText(name).slice(0, 100),
      message: scrubText(message).slice(0, 1000),
    });
}

/** The newest errors of the retention window, for the admin page. */
export function recentErrors(db: Database, limit = 50) {
  return db
    .select()
    .from(opsErrors)
    .where(gte(opsErrors.at, new Date(now().getTime() - ERROR_RETENTION_DAYS * DAY_MS)))
    .orderBy(desc(opsErrors.at))
    .limit(limit);
}

/** Deletes errors older than the retention window; part of the cleanup job. */
export async function pruneErrors(db: Database): Promise<number> {
  const cutoff = new Date(now().getTime() - ERROR_RETENTION_DAYS * DAY_MS);
  const deleted = await db.delete(opsErrors).where(lt(opsErrors.at, cutoff)).returning({ id: opsErrors.id });
  return deleted.length;
}
