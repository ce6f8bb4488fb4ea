import type { Database } from './db/client';
import type { Config } from './lib/config';

/**
 * Bindings and variables the worker receives from wrangler.toml, `.dev.vars`
 * and `wrangler secret put`. Every name here is documented in README's
 * configuration table.
 */
export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  FILES: R2Bucket;
  ROOMS: DurableObjectNamespace;
  LIMITER: DurableObjectNamespace;
  JOBS: Queue<JobMessage>;
  ASSETS?: Fetcher;

  /** `development` enables the dev outbox and built-in development keys. */
  ENVIRONMENT: string;
  /** Public origin of the web app, used to build links in emails. */
  APP_URL: string;
  /** Comma-separated origins allowed for CORS, cookies and websockets. */
  ALLOWED_ORIGINS: string;
  /** Largest JSON body accepted, in bytes. */
  MAX_JSON_BYTES?: string;

  /** Secret: JSON array of Ed25519 private JWKs with `kid`; the first signs access tokens. */
  JWT_PRIVATE_JWKS?: string;
  /** Secret: `kid:base64url-secret` pairs, comma-separated; the first signs download URLs. */
  URL_SIGNING_KEYS?: string;
}

/** Messages on the `JOBS` queue. */
export type JobMessage = { type: 'cleanup'; requestedAt: string };

/** Variables set on the Hono context by middleware, typed once here. */
export interface Variables {
  requestId: string;
  config: Config;
  db: Database;
  /** Set by the auth middleware once a request is authenticated. */
  userId?: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: Variables;
}

type HearthEnv = Env;

// `env` from `cloudflare:workers` (used by the tests) is typed by this global interface.
declare global {
  namespace Cloudflare {
    interface Env extends HearthEnv {}
    interface GlobalProps {
      mainModule: typeof import('./index');
      durableNamespaces: 'Room' | 'Limiter';
    }
  }
}
