import { createDb } from '../db/client';
import type { Env, JobMessage } from '../env';
import { now } from '../lib/clock';
import { cleanupExpired } from './cleanup';

async function runJob(message: JobMessage, env: Env): Promise<unknown> {
  switch (message.type) {
    case 'cleanup':
      return cleanupExpired(createDb(env.DB));
  }
}

/**
 * The cron trigger only enqueues: the queue gives retries with backoff and a
 * dead-letter queue, which a scheduled handler alone does not.
 */
export async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  await env.JOBS.send({ type: 'cleanup', requestedAt: now().toISOString() });
}

/** Runs each job; a failed one is retried alone, so one bad message cannot hold up the batch. */
export async function queue(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      const result = await runJob(message.body, env);
      console.log(JSON.stringify({ level: 'info', msg: 'job done', type: message.body.type, result }));
      message.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'job failed',
          type: message.body.type,
          attempts: message.attempts,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      message.retry({ delaySeconds: Math.min(300, 10 * 2 ** message.attempts) });
    }
  }
}
