import type { Env } from '../env';
import { type AiConfig, readAiConfig } from '../features/ai/ai.config';
import { type OidcProviders, oidcProviderProblems, readOidcProviders } from '../features/auth/oidc.config';
import { parseHmacKeys, parsePrivateJwks } from './keys';

/**
 * Keys that ship in the source so `npm run dev` and the tests need no setup.
 * They are public, so production refuses them (health answers 503 and says
 * which) instead of silently signing tokens anyone could forge.
 */
export const DEVELOPMENT_KEYS = {
  JWT_PRIVATE_JWKS: JSON.stringify([
    {
      kty: 'OKP',
      crv: 'Ed25519',
      d: 'OCn_yTwqwUSBuxfZeqZ6uC_noY4-3Ql4JaK6GQtfeHI',
      x: 'PILRge89lB2ohy88N3Csg9yo70xIl8D9vJHAot694o0',
      kid: 'dev-ed25519-1',
      alg: 'EdDSA',
      use: 'sig',
    },
  ]),
  URL_SIGNING_KEYS: 'dev-1:6wOob50_8F2-daGHqVDHGxHOQDXeoEqRlrkDQRqrdog',
} as const;

type SecretName = keyof typeof DEVELOPMENT_KEYS;

export interface Config {
  environment: 'development' | 'production' | 'test';
  isDevelopment: boolean;
  /** Origin of the web app, without a trailing slash. Links in emails start here. */
  appUrl: string;
  /** Origins allowed for CORS, cookie-authenticated requests and websocket upgrades. */
  allowedOrigins: string[];
  maxJsonBytes: number;
  /** Largest single upload request (multipart or raw), in bytes. */
  maxUploadBytes: number;
  /** Storage quota of a user without one of their own, in bytes. */
  storageQuotaBytes: number;
  accessLogRetentionDays: number;
  /** Remote passes a new account starts with (`REMOTE_PASSES_INITIAL`, default 3). */
  remotePassesInitial: number;
  /**
   * Which requests get a JSON log line (`REQUEST_LOG`): `refusals` (default) logs every
   * answer of 400 or more and every slow one; `all` logs each request.
   */
  requestLog: 'refusals' | 'all';
  /** Normalised emails that are granted `admin` once verified. */
  adminEmails: string[];
  secrets: Record<SecretName, string>;
  /** OpenID Connect sign-in providers (`OIDC_PROVIDERS` and `OIDC_<ID>_CLIENT_SECRET`). */
  oidc: OidcProviders;
  /** The assistant's provider settings and limits (`AI_*`). */
  ai: AiConfig;
}

const DEFAULT_DEV_APP_URL = 'http://localhost:8787';
const DEFAULT_MAX_JSON_BYTES = 64 * 1024;
/** Workers accept request bodies up to 100 MB; larger files use the resumable upload flow. */
const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
const DEFAULT_STORAGE_QUOTA_BYTES = 1024 * 1024 * 1024;

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
}

function nonNegativeInt(value: string | undefined, fallback: number): number {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

function parseEnvironment(value: string | undefined): Config['environment'] {
  return value === 'development' || value === 'test' ? value : 'production';
}

function readSecret(env: Env, name: SecretName, isDevelopment: boolean): string {
  const value = (env as unknown as Record<string, string | undefined>)[name]?.trim();
  if (value) return value;
  return isDevelopment ? DEVELOPMENT_KEYS[name] : '';
}

/**
 * The configuration values `env` holds, as one string: every string binding
 * (vars and secrets), in order. Building it costs microseconds; it is what the
 * parsed configuration is cached under, so a changed value (a rotated secret,
 * a new deployment's vars) is a new key and is parsed afresh on the request
 * that first sees it.
 */
function fingerprint(env: Env): string {
  let key = '';
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') key += `${name}=${value}\u0000`;
  return key;
}

/**
 * One parsed configuration per isolate, for the values it was parsed from.
 * It holds nothing of a request or a user: only what `env` says.
 */
let cached: { key: string; config: Config } | undefined;

/**
 * Reads configuration from the bindings. Workers hand `env` to each request
 * rather than at start-up, so this runs per request; the parse itself runs
 * only when the values differ from the last ones seen in this isolate.
 */
export function readConfig(env: Env): Config {
  // The runtime hands every request of an isolate the same `env` object: known, it costs a lookup.
  const known = byEnv.get(env);
  if (known) return known;
  const key = fingerprint(env);
  if (cached?.key !== key) cached = { key, config: Object.freeze(parseConfig(env)) };
  byEnv.set(env, cached.config);
  return cached.config;
}

/** Configurations by the `env` object they were read from; an env is never changed in place. */
const byEnv = new WeakMap<object, Config>();

function parseConfig(env: Env): Config {
  const environment = parseEnvironment(env.ENVIRONMENT);
  const isDevelopment = environment !== 'production';
  const appUrl = (env.APP_URL?.trim() || (isDevelopment ? DEFAULT_DEV_APP_URL : '')).replace(/\/+$/, '');
  const listed = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  const allowedOrigins = [...new Set([...(appUrl ? [appUrl] : []), ...listed])];
  const maxJsonBytes = Number.parseInt(env.MAX_JSON_BYTES ?? '', 10);
  return {
    environment,
    isDevelopment,
    appUrl,
    allowedOrigins,
    adminEmails: (env.ADMIN_EMAILS ?? '')
      .split(',')
      .map((email) => email.trim().normalize('NFKC').toLowerCase())
      .filter(Boolean),
    maxUploadBytes: positiveInt(env.MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_BYTES),
    storageQuotaBytes: positiveInt(env.STORAGE_QUOTA_BYTES, DEFAULT_STORAGE_QUOTA_BYTES),
    accessLogRetentionDays: positiveInt(env.ACCESS_LOG_RETENTION_DAYS, 90),
    remotePassesInitial: nonNegativeInt(env.REMOTE_PASSES_INITIAL, 3),
    requestLog: env.REQUEST_LOG?.trim() === 'all' ? 'all' : 'refusals',
    maxJsonBytes: Number.isFinite(maxJsonBytes) && maxJsonBytes > 0 ? maxJsonBytes : DEFAULT_MAX_JSON_BYTES,
    secrets: {
      JWT_PRIVATE_JWKS: readSecret(env, 'JWT_PRIVATE_JWKS', isDevelopment),
      URL_SIGNING_KEYS: readSecret(env, 'URL_SIGNING_KEYS', isDevelopment),
    },
    oidc: readOidcProviders(env),
    ai: readAiConfig(env),
  };
}

/** Compares key material, not text, so a reformatted copy of a development key is still caught. */
function usesDevelopmentKey(name: SecretName, value: string): boolean {
  if (name === 'JWT_PRIVATE_JWKS') {
    const development = new Set(parsePrivateJwks(DEVELOPMENT_KEYS.JWT_PRIVATE_JWKS).map((key) => key.d));
    return parsePrivateJwks(value).some((key) => development.has(key.d));
  }
  const development = new Set(parseHmacKeys(DEVELOPMENT_KEYS.URL_SIGNING_KEYS).map((key) => key.secret));
  return parseHmacKeys(value).some((key) => development.has(key.secret));
}

/**
 * What stops this deployment from serving safely. Empty in development;
 * in production each entry names a variable and what is wrong with it.
 */
export function configProblems(config: Config): string[] {
  if (config.isDevelopment) return [];
  // Checking keys parses them; a configuration is checked once (readConfig returns the same object).
  let problems = problemsOf.get(config);
  if (!problems) {
    problems = findProblems(config);
    problemsOf.set(config, problems);
  }
  return problems;
}

const problemsOf = new WeakMap<Config, string[]>();

function findProblems(config: Config): string[] {
  const problems: string[] = [];
  if (!config.appUrl) problems.push('APP_URL is not set');
  else if (!config.appUrl.startsWith('https://')) problems.push('APP_URL must be an https:// origin');
  for (const name of Object.keys(DEVELOPMENT_KEYS) as SecretName[]) {
    const value = config.secrets[name];
    if (!value) {
      problems.push(`${name} is not set (wrangler secret put ${name})`);
      continue;
    }
    try {
      if (usesDevelopmentKey(name, value)) problems.push(`${name} is the public development key`);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : `${name} is not valid`);
    }
  }
  problems.push(...oidcProviderProblems(config.oidc));
  return problems;
}
