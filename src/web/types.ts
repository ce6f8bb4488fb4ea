// Response bodies of the API routes the web app calls, as SPEC §3 and the
// route schemas (src/features/*/*.routes.ts) define them.

export type CheckState = 'ok' | 'fail';

/** `GET /api/health`: 200 when every check is ok, 503 (same body) when one fails. */
export interface Health {
  status: CheckState;
  checks: { db: CheckState; kv: CheckState; storage: CheckState; config: CheckState };
  /** Why each failing check failed, in words an operator can act on. */
  problems: string[];
  version: string;
}

export type HealthCheckName = keyof Health['checks'];
