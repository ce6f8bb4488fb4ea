import { createDb } from '../../db/client';
import type { Env } from '../../env';
import { kickStalledJobs, runSchedule } from './backups.service';

/** The backups' share of the 15-minute cleanup job: the schedule, pruning, and jobs that went quiet. */
export async function backupCron(env: Env) {
  const schedule = await runSchedule(env, createDb(env.DB));
  return { ...schedule, kicked: await kickStalledJobs(env) };
}
