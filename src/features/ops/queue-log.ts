import { count, gte, lt } from 'drizzle-orm';
import { createDb, type Database } from '../../db/client';
import { opsQueueEvents, type QUEUE_OUTCOMES } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { postAlert } from './alerts';
import { ERROR_RETENTION_DAYS } from './errors';

export type QueueOutcome = (typeof QUEUE_OUTCOMES)[number];
export interface QueueEvent {
  type: string;
  outcome: QueueOutcome;
  attempts: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A batch is at most 10 messages (wrangler.toml), 5 columns each: far under D1's 100 bound parameters. */
const ROWS_PER_INSERT = 15;

/**
 * Records how each message of a batch ended, in one INSERT per batch. Best
 * effort: a failed write is logged, and the jobs themselves stay done.
 */
export async function recordQueueEvents(env: Env, events: QueueEvent[]): Promise<void> {
  if (events.length === 0) return;
  const db = createDb(env.DB);
  const at = now();
  try {
    for (let i = 0; i < events.length; i += ROWS_PER_INSERT) {
      await db
        .insert(opsQueueEvents)
        .values(events.slice(i, i + ROWS_PER_INSERT).map((event) => ({ id: newId(), at, ...event })));
    }
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', msg: 'queue events not recorded', error: String(error) }));
  }
}

/** The job type of a message body, whatever it holds (dead letters are not trusted to be well formed). */
export function jobTypeOf(body: unknown): string {
  const type = (body as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type.slice(0, 40) : 'unknown';
}

/**
 * The dead-letter queue's consumer: each message (a job that failed every
 * retry) is recorded without its body, acknowledged, and the batch raises
 * one alert naming how many and of which types.
 */
export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const events = batch.messages.map((message) => ({
    type: jobTypeOf(message.body),
    outcome: 'dead_letter' as const,
    attempts: message.attempts,
  }));
  await recordQueueEvents(env, events);
  const types = [...new Set(events.map((event) => event.type))].sort();
  console.error(JSON.stringify({ level: 'error', msg: 'dead letters', count: events.length, types }));
  await postAlert(env, {
    kind: 'dead_letter',
    text: `${events.length} Hearth ${events.length === 1 ? 'job' : 'jobs'} failed every retry and reached the dead-letter queue (${types.join(', ')}).`,
    details: { count: events.length, types },
  });
  batch.ackAll();
}

/** Per outcome and job type over the last day, for the admin page. */
export async function queueCounts(db: Database, hours = 24) {
  const since = new Date(now().getTime() - hours * 60 * 60 * 1000);
  return db
    .select({ type: opsQueueEvents.type, outcome: opsQueueEvents.outcome, count: count() })
    .from(opsQueueEvents)
    .where(gte(opsQueueEvents.at, since))
    .groupBy(opsQueueEvents.type, opsQueueEvents.outcome)
    .orderBy(opsQueueEvents.type, opsQueueEvents.outcome);
}

export async function pruneQueueEvents(db: Database): Promise<number> {
  const cutoff = new Date(now().getTime() - ERROR_RETENTION_DAYS * DAY_MS);
  const deleted = await db
    .delete(opsQueueEvents)
    .where(lt(opsQueueEvents.at, cutoff))
    .returning({ id: opsQueueEvents.id });
  return deleted.length;
}
