import type { Database } from './db/client';
import type { BackupJobMessage } from './features/backups/jobs';
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
  /** Workers Analytics Engine: one data point per request and per realtime event (docs/operations.md). */
  ANALYTICS?: AnalyticsEngineDataset;

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
  /** Twilio for texts (wins over `SMS_API_URL`): the account, its auth token (a secret) and a sender. */
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  /** The sending number, e.g. `+15551234567`. */
  TWILIO_FROM?: string;
  /** A messaging service id (`MG…`), used instead of `TWILIO_FROM` when set. */
  TWILIO_MESSAGING_SERVICE_SID?: string;
  /** Secret: a Sentry DSN; unhandled errors are reported there (scrubbed), and kept in D1 either way. */
  SENTRY_DSN?: string;
  /** Where alerts are POSTed as JSON (`{ text, … }`, Slack-compatible): health failing and recovering, dead letters. */
  ALERT_WEBHOOK_URL?: string;
  /** Links on the admin system page: the metrics dashboard (e.g. Grafana) and the error tracker. */
  METRICS_DASHBOARD_URL?: string;
  ERRORS_DASHBOARD_URL?: string;
  /**
   * JSON array of OpenID Connect sign-in providers:
   * `[{ id, name, issuer, clientId, scopes?, authorizationEndpoint?, tokenEndpoint?, jwksUri? }]`.
   * Each provider's client secret is the secret `OIDC_<ID>_CLIENT_SECRET`.
   */
  OIDC_PROVIDERS?: string;
  /** Workers AI, for the assistant (`[ai] binding = "AI"`); `AI_API_URL` wins when both are set. */
  AI?: Ai;
  /** OpenAI-compatible Chat Completions base URL for the assistant, e.g. `http://localhost:11434/v1`. */
  AI_API_URL?: string;
  /** Secret: bearer key for `AI_API_URL`. */
  AI_API_KEY?: string;
  /** Comma-separated models the assistant may use; the first is the default. */
  AI_MODELS?: string;
  /** Assistant requests per user per minute (default 20). */
  AI_REQUESTS_PER_MINUTE?: string;
  /** Assistant tokens per user per UTC day (default 100000); admins can change it at run time. */
  AI_DAILY_TOKENS?: string;

  /** Secret: JSON array of Ed25519 private JWKs with `kid`; the first signs access tokens. */
  JWT_PRIVATE_JWKS?: string;
  /** Secret: `kid:base64url-secret` pairs, comma-separated; the first signs download URLs. */
  URL_SIGNING_KEYS?: string;
  /** Secret, optional: base64 of 32 bytes; when set, backup archives are AES-256-GCM encrypted. */
  BACKUP_ENCRYPTION_KEY?: string;
}

/** Messages on the `JOBS` queue. */
export type JobMessage =
  | { type: 'cleanup'; requestedAt: string }
  /** Looked up and sent off the request path, so the response takes the same time whether the account exists. */
  | { type: 'send_password_reset'; email: string; requestedAt: string }
  /** SHA-256 of a file assembled from multipart parts. */
  | { type: 'hash_file'; fileId: string; requestedAt: string }
  /** A text Twilio did not take on the first try (src/features/notify/twilio.ts). */
  | { type: 'send_sms'; to: string; text: string; requestedAt: string }
  /** One step of a backup, an import or a restore (src/features/backups/jobs.ts). */
  | BackupJobMessage;

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
