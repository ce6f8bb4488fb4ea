import type { Env } from '../../env';
import { type Config, configProblems } from '../../lib/config';
import { aiProviderWarning } from '../ai/ai.provider';

export type CheckResult = 'ok' | 'fail';

export interface HealthReport {
  status: 'ok' | 'fail';
  checks: { db: CheckResult; kv: CheckResult; storage: CheckResult; config: CheckResult };
  /** Why a check failed, in words an operator can act on. */
  problems: string[];
  /** What works but degrades one feature (an unreachable model provider); the status stays ok. */
  warnings: string[];
}

const PROBE_KEY = 'health:probe';

async function probe(name: string, run: () => Promise<unknown>, problems: string[]): Promise<CheckResult> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 'fail';
  }
}

/**
 * Touches each binding for real: D1 must have the schema migrated (a query on
 * `users`, not `SELECT 1`, so an unmigrated database fails), KV and R2 must
 * answer a read. Reads only: KV takes one write per second per key.
 */
export async function checkHealth(env: Env, config: Config): Promise<HealthReport> {
  const problems: string[] = [];
  const [db, kv, storage, aiWarning] = await Promise.all([
    probe(
      'db',
      async () => {
        try {
          await env.DB.prepare('SELECT id FROM users LIMIT 1').all();
        } catch {
          throw new Error('D1 did not answer a query on users; are the migrations applied?');
        }
      },
      problems,
    ),
    probe(
      'kv',
      async () => {
        try {
          await env.KV.get(PROBE_KEY);
        } catch {
          throw new Error('KV did not answer a read');
        }
      },
      problems,
    ),
    probe(
      'storage',
      async () => {
        try {
          await env.FILES.head(PROBE_KEY);
        } catch {
          throw new Error('R2 did not answer a read');
        }
      },
      problems,
    ),
    aiProviderWarning(env, config.ai),
  ]);
  const configIssues = configProblems(config);
  problems.push(...configIssues.map((issue) => `config: ${issue}`));
  const checks = { db, kv, storage, config: configIssues.length ? 'fail' : 'ok' } as const;
  const status = Object.values(checks).every((check) => check === 'ok') ? 'ok' : 'fail';
  return { status, checks, problems, warnings: aiWarning ? [aiWarning] : [] };
}
