import type { Database } from './db/client';
import type { Permission } from './features/roles/permissions';
import type { UserWithAccess } from './features/users/user-access';
import type { Config } from './lib/config';
import type { Limiter } from './limiter/limiter-object';
import type { ChatRoom } from './realtime/chat-room';
import type { CoworkingRoom } from './realtime/coworking-room';

/**
 * Bindings and variables the worker receives from wrangler.toml, `.dev.vars`
 * and `wrangler secret put`. Every name here is documented in README's
 * configuration table.
 */
export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  FILES: R2Bucket;
  ROOMS: DurableObjectNamespace<ChatRoom>;
  /** One object per coworking session: its timer, presence, reactions and ephemeral chat. */
  COWORKING: DurableObjectNamespace<CoworkingRoom>;
  LIMITER: DurableObjectNamespace<Limiter>;
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
  /** Largest single upload request in bytes (default 100 MiB). */
  MAX_UPLOAD_BYTES?: string;
  /** Default per-user storage quota in bytes (default 1 GiB); admins can set one per user. */
  STORAGE_QUOTA_BYTES?: string;
  /** Days download records are kept (default 90). */
  ACCESS_LOG_RETENTION_DAYS?: string;
  /** Remote passes each account starts with (default 3); admins grant more. */
  REMOTE_PASSES_INITIAL?: string;
  REQUEST_LOG?: string;
  /** Comma-separated emails that become admins once verified. */
  ADMIN_EMAILS?: string;
  /** Email provider: POST {from,to,subject,text} as JSON with a bearer key (Resend-compatible). */
  EMAIL_API_URL?: string;
  EMAIL_API_KEY?: string;
  EMAIL_FROM?: string;
  /** SMS provider: POST {from,to,text} as JSON with a bearer key. */
  SMS_API_URL?: string;
  SMS_API_KEY?: string;
  SMS_FROM?: string;
  /**
   * JSON array of OpenID Connect sign-in providers:
   * `[{ id, name, issuer, clientId, scopes?, authorizationEndpoint?, tokenEndpoint?, jwksUri? }]`.
   * Each provider's client secret is the secret `OIDC_<ID>_CLIENT_SECRET`.
   */
  OIDC_PROVIDERS?: string;

  /** Secret: JSON array of Ed25519 private JWKs with `kid`; the first signs access tokens. */
  JWT_PRIVATE_JWKS?: string;
  /** Secret: `kid:base64url-secret` pairs, comma-separated; the first signs download URLs. */
  URL_SIGNING_KEYS?: string;
}

/** Messages on the `JOBS` queue. */
export type JobMessage =
  | { type: 'cleanup'; requestedAt: string }
  /** Looked up and sent off the request path, so the response takes the same time whether the account exists. */
  | { type: 'send_password_reset'; email: string; requestedAt: string }
  /** SHA-256 of a file assembled from multipart parts. */
  | { type: 'hash_file'; fileId: string; requestedAt: string };

/** Variables set on the Hono context by middleware, typed once here. */
export interface Variables {
  requestId: string;
  config: Config;
  db: Database;
  /** Set by the auth middleware once a request is authenticated. */
  userId?: string;
  /** The session (refresh family) the access token belongs to. */
  sessionId?: string;
  /** The signed-in user's permissions, read from D1 at most once per request (`permissionsOf`). */
  permissions?: ReadonlySet<Permission>;
  /** The signed-in account, when the route's `requireAuth({ withUser: true })` read it with the session check. */
  signedInUser?: UserWithAccess;
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
      durableNamespaces: 'ChatRoom' | 'Limiter';
    }
  }
}
