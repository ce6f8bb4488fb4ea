import { createDb } from '../db/client';
import type { Env, JobMessage } from '../env';
import { sendPasswordReset } from '../features/auth/password-reset';
import { backupCron } from '../features/backups/cron';
import { runBackupJob } from '../features/backups/jobs';
import { pruneAccessLogs } from '../features/files/access-log.service';
import { hashStoredFile } from '../features/files/files.service';
import { sweepOrphanObjects } from '../features/files/sweep';
import { abortStaleUploads } from '../features/files/uploads.service';
import { rollupMetrics } from '../features/metrics/rollup';
import { retryQueuedSms } from '../features/notify/twilio';
import { checkHealthAlert } from '../features/ops/alerts';
import { pruneErrors, reportError } from '../features/ops/errors';
import { handleDeadLetters, pruneQueueEvents, type QueueEvent, recordQueueEvents } from '../features/ops/queue-log';
import { expireStaleSprints } from '../features/sprints/sprints.service';
import { now } from '../lib/clock';
import { readConfig } from '../lib/config';
import { cleanupExpired } from './cleanup';

/** Every periodic sweep; each part is idempotent, so a retried job does no harm. */
async function cleanup(env: Env) {
  const db = createDb(env.DB);
  return {
    ...(await cleanupExpired(db)),
    staleUploads: await abortStaleUploads(db, env.FILES),
    accessLogs: await pruneAccessLogs(db, readConfig(env).accessLogRetentionDays),
    orphanObjects: await sweepOrphanObjects(db, env.FILES, env.KV),
    staleSprints: await expireStaleSprints(db),
    opsErrors: await pruneErrors(db),
    opsQueueEvents: await pruneQueueEvents(db),
    backups: await backupCron(env),
    // After the sweeps: expired sprints are final before the day's focus minutes are counted.
    metricsDays: (await rollupMetrics(db)).days,
  };
}

async function runJob(message: JobMessage, env: Env, attempts: number): Promise<unknown> {
  switch (message.type) {
    case 'cleanup':
      return cleanup(env);
    case 'send_password_reset':
      return sendPasswordReset(env, message.email);
    case 'hash_file':
      return hashStoredFile(createDb(env.DB), env.FILES, message.fileId);
    case 'send_sms':
      return retryQueuedSms(env, message.to, message.text, attempts);
    case 'backup':
      return runBackupJob(env, message, attempts);
  }
}

/**
 * The cron trigger only enqueues: the queue gives retries with backoff and a
 * dead-letter queue, which a scheduled handler alone does not.
 */
export async function scheduled(_controller: ScheduledController, env: Env, ctx?: ExecutionContext): Promise<void> {
  await env.JOBS.send({ type: 'cleanup', requestedAt: now().toISOString() });
  // Checked here, not on the queue: an alert must not wait behind (or die with) the jobs it may be about.
  try {
    await checkHealthAlert(env);
  } catch (error) {
    await reportError(env, ctx, error, { source: 'scheduled', route: 'health alert' });
  }
}

/** Runs each job; a failed one is retried alone, so one bad message cannot hold up the batch. */
export async function queue(batch: MessageBatch<JobMessage>, env: Env, ctx?: ExecutionContext): Promise<void> {
  if (batch.queue.endsWith('-dlq')) return handleDeadLetters(batch, env);
  const events: QueueEvent[] = [];
  for (const message of batch.messages) {
    try {
      const result = await runJob(message.body, env, message.attempts);
      // Job results say what happened, never to whom: no email addresses in logs.
      console.log(JSON.stringify({ level: 'info', msg: 'job done', type: message.body.type, result }));
      message.ack();
      events.push({ type: message.body.type, outcome: 'done', attempts: message.attempts });
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
      events.push({ type: message.body.type, outcome: 'retried', attempts: message.attempts });
      await reportError(env, ctx, error, { source: 'queue', route: message.body.type });
    }
  }
  await recordQueueEvents(env, events);
}
