import type { Env } from '../env';

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
  secrets: Record<SecretName, string>;
}

const DEFAULT_DEV_APP_URL = 'http://localhost:8787';
const DEFAULT_MAX_JSON_BYTES = 64 * 1024;

function parseEnvironment(value: string | undefined): Config['environment'] {
  return value === 'development' || value === 'test' ? value : 'production';
}

function readSecret(env: Env, name: SecretName, isDevelopment: boolean): string {
  const value = (env as unknown as Record<string, string | undefined>)[name]?.trim();
  if (value) return value;
  return isDevelopment ? DEVELOPMENT_KEYS[name] : '';
}

/**
 * Reads configuration from the bindings. Pure and cheap: it runs per request
 * because Workers hand `env` to each request rather than at start-up.
 */
export function readConfig(env: Env): Config {
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
    maxJsonBytes: Number.isFinite(maxJsonBytes) && maxJsonBytes > 0 ? maxJsonBytes : DEFAULT_MAX_JSON_BYTES,
    secrets: {
      JWT_PRIVATE_JWKS: readSecret(env, 'JWT_PRIVATE_JWKS', isDevelopment),
      URL_SIGNING_KEYS: readSecret(env, 'URL_SIGNING_KEYS', isDevelopment),
    },
  };
}

/**
 * What stops this deployment from serving safely. Empty in development;
 * in production each entry names a variable and what is wrong with it.
 */
export function configProblems(config: Config): string[] {
  if (config.isDevelopment) return [];
  const problems: string[] = [];
  if (!config.appUrl) problems.push('APP_URL is not set');
  else if (!config.appUrl.startsWith('https://')) problems.push('APP_URL must be an https:// origin');
  for (const name of Object.keys(DEVELOPMENT_KEYS) as SecretName[]) {
    const value = config.secrets[name];
    if (!value) problems.push(`${name} is not set (wrangler secret put ${name})`);
    else if (value === DEVELOPMENT_KEYS[name]) problems.push(`${name} is the public development key`);
  }
  return problems;
}
