import { and, eq } from 'drizzle-orm';
import { createDb } from '../../db/client';
import { opsAlertState } from '../../db/schema';
import type { Env } from '../../env';
import { now } from '../../lib/clock';
import { readConfig } from '../../lib/config';
import { checkHealth } from '../health/health.service';

export interface Alert {
  /** What happened, for people: Slack, Discord (`content`) and most chat webhooks show `text`. */
  text: string;
  kind: 'health_failing' | 'health_recovered' | 'dead_letter';
  details: Record<string, unknown>;
}

/**
 * POSTs an alert as JSON to `ALERT_WEBHOOK_URL`. Returns whether it was
 * delivered; a failed delivery is logged, not thrown, so the job that raised
 * the alert still finishes.
 */
export async function postAlert(env: Env, alert: Alert): Promise<boolean> {
  const url = env.ALERT_WEBHOOK_URL?.trim();
  if (!url) return false;
  const config = readConfig(env);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...alert,
        content: alert.text,
        service: 'hearth',
        environment: config.environment,
        appUrl: config.appUrl,
        at: now().toISOString(),
      }),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    return true;
  } catch (error) {
    console.error(
      JSON.stringify({ level: 'error', msg: 'alert not delivered', kind: alert.kind, error: String(error) }),
    );
    return false;
  }
}

const HEALTH = 'health';

export type HealthAlertOutcome = 'disabled' | 'unchanged' | 'failing' | 'recovered' | 'undelivered';

/**
 * Run by the cron trigger: checks health and posts when it turns from ok to
 * failing, and once more when it recovers; never in between. The state lives
 * in D1 (`ops_alert_state`) and changes by a conditional UPDATE, so when two
 * runs overlap only the one whose UPDATE changed the row posts. When the
 * webhook does not take the alert, the change is undone and the next run
 * (15 minutes later) posts again.
 */
export async function checkHealthAlert(env: Env): Promise<HealthAlertOutcome> {
  if (!env.ALERT_WEBHOOK_URL?.trim()) return 'disabled';
  const report = await checkHealth(env, readConfig(env));
  const failing = report.status === 'fail';
  const db = createDb(env.DB);
  const at = now();
  const [, changed] = await db.batch([
    db.insert(opsAlertState).values({ key: HEALTH, state: 'ok', changedAt: at }).onConflictDoNothing(),
    db
      .update(opsAlertState)
      .set({ state: failing ? 'failing' : 'ok', detail: failing ? report.problems.join('; ') : null, changedAt: at })
      .where(and(eq(opsAlertState.key, HEALTH), eq(opsAlertState.state, failing ? 'ok' : 'failing')))
      .returning({ key: opsAlertState.key }),
  ]);
  if (changed.length === 0) return 'unchanged';
  const delivered = await postAlert(
    env,
    failing
      ? {
          kind: 'health_failing',
          text: `Hearth health is failing: ${report.problems.join('; ')}`,
          details: { checks: report.checks, problems: report.problems },
        }
      : {
          kind: 'health_recovered',
          text: 'Hearth health has recovered: every check is ok.',
          details: { checks: report.checks },
        },
  );
  if (!delivered) {
    // Undone (only if no later run changed the row since), so the next run tries again: a webhook that
    // was down at the moment health turned must not leave the team unaware for the whole outage.
    await db
      .update(opsAlertState)
      .set({ state: failing ? 'ok' : 'failing', detail: null })
      .where(and(eq(opsAlertState.key, HEALTH), eq(opsAlertState.changedAt, at)));
    return 'undelivered';
  }
  return failing ? 'failing' : 'recovered';
}

/** The current alert state, for the admin page. */
export async function healthAlertState(env: Env) {
  const db = createDb(env.DB);
  const [row] = await db.select().from(opsAlertState).where(eq(opsAlertState.key, HEALTH)).limit(1);
  return row ?? null;
}
