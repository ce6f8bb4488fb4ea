// Signed-in users for scenarios that need them, created through the app's own API
// (each run has a fresh database).
//
// The app throttles sign-ups (10 per IP per hour) and sign-ins (10 per account and
// 30 per IP per 15 minutes), keyed on CF-Connecting-IP. `wrangler dev` (Miniflare's
// entry worker) sets that header from the socket only when the request does not
// already carry one, so here each block of users gets its own made-up address from
// 10.0.0.0/8. Cloudflare's edge overwrites the header, so this only works locally;
// `registerUsers` stops at the first 429 and says so, for the day it no longer does.

/**
 * @typedef {object} Account
 * @property {string} email
 * @property {string} password
 * @property {string} ip the CF-Connecting-IP it registered (and signs in) from
 * @property {string} userId
 * @property {string} accessToken
 * @property {string} refreshToken
 */

/** Passes the app's password policy (length, not common, not the email). */
export const BENCH_PASSWORD = 'bench-harness-correct-horse-7391';

/**
 * The n-th made-up client address, 10.<salt>.y.z (z from 1 to 250).
 * @param {number} n
 * @param {number} [salt] keeps the address ranges of different calls apart
 */
export function benchIp(n, salt = 0) {
  return `10.${salt & 255}.${Math.floor(n / 250) % 250}.${1 + (n % 250)}`;
}

/**
 * One JSON API call.
 * @param {{ url: string }} server
 * @param {string} method
 * @param {string} path
 * @param {{ token?: string, body?: unknown, ip?: string, headers?: Record<string, string> }} [options]
 * @returns {Promise<{ status: number, ms: number, body: any, text: string }>}
 */
export async function api(server, method, path, { token, body, ip, headers = {} } = {}) {
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(token && { authorization: `Bearer ${token}` }),
      ...(ip && { 'cf-connecting-ip': ip }),
      'accept-encoding': 'identity',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON; `text` has it.
  }
  return { status: response.status, ms, body: parsed, text };
}

/**
 * `api`, throwing unless the status is the expected one.
 * @param {{ url: string }} server
 * @param {string} method
 * @param {string} path
 * @param {number} expected
 * @param {Parameters<typeof api>[3]} [options]
 */
export async function apiOk(server, method, path, expected, options) {
  const result = await api(server, method, path, options);
  if (result.status !== expected) {
    throw new Error(`${method} ${path} answered ${result.status} (expected ${expected}): ${result.text.slice(0, 300)}`);
  }
  return result;
}

/**
 * Registers `count` native-client users, `perIp` per made-up address, `concurrency`
 * at a time (each sign-up is one scrypt hash, ~0.15 s of CPU: more in parallel than
 * cores only queues). Stops at the first 429 and returns those it has, `limited` set.
 * @param {{ url: string, ready?: () => Promise<void> }} server
 * @param {object} options
 * @param {number} options.count
 * @param {string} options.prefix email local part prefix, unique per call
 * @param {number} [options.perIp] stays under the 10 sign-ups per IP per hour
 * @param {number} [options.concurrency]
 * @param {number} [options.ipSalt] separates this call's addresses from other calls'
 * @returns {Promise<{ accounts: Account[], limited: string | null, ms: number }>}
 */
export async function registerUsers(server, { count, prefix, perIp = 9, concurrency = 2, ipSalt = 1 }) {
  const started = performance.now();
  /** @type {(Account | undefined)[]} */
  const accounts = new Array(count);
  /** @type {string | null} */
  let limited = null;
  let next = 0;
  /**
   * One sign-up, tried again when wrangler restarted the worker mid-request (503, or the
   * connection dropped); if that sign-up had gone through after all (409), signs in instead.
   * @param {string} email
   * @param {string} name
   * @param {string} ip
   */
  const signUp = async (email, name, ip) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await api(server, 'POST', '/api/auth/register', {
          ip,
          body: { email, password: BENCH_PASSWORD, name, client: 'native' },
        });
        if (result.status === 409 && attempt > 1) return login(server, { email, password: BENCH_PASSWORD, ip });
        if (result.status !== 503 || attempt >= 3) return result;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
      await server.ready?.();
    }
  };
  const worker = async () => {
    while (next < count && !limited) {
      const i = next++;
      const email = `${prefix}-${i}@bench.example`;
      const ip = benchIp(Math.floor(i / perIp), ipSalt);
      const result = await signUp(email, `${prefix} ${i}`, ip);
      if (result.status === 429) {
        limited = result.body?.detail ?? result.text.slice(0, 200);
        return;
      }
      if (result.status !== 201 && result.status !== 200) {
        throw new Error(`registering ${email} answered ${result.status}: ${result.text.slice(0, 300)}`);
      }
      accounts[i] = {
        email,
        password: BENCH_PASSWORD,
        ip,
        userId: result.body.user.id,
        accessToken: result.body.accessToken,
        refreshToken: result.body.refreshToken,
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return {
    accounts: /** @type {Account[]} */ (accounts.filter(Boolean)),
    limited,
    ms: performance.now() - started,
  };
}

/**
 * Signs an account in (native client), from its own address.
 * @param {{ url: string }} server
 * @param {Pick<Account, 'email' | 'password' | 'ip'>} account
 */
export function login(server, account) {
  return api(server, 'POST', '/api/auth/login', {
    ip: account.ip,
    body: { email: account.email, password: account.password, client: 'native' },
  });
}
