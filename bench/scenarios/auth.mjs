// Signing in and authenticated reads.
// (a) Sequential sign-ins (scrypt N=2^14, r=8, p=5 per attempt): latency and server
//     CPU per sign-in, next to the bare worker's fixed JSON and the app's /api/meta.
// (b) GET /api/users/me with a Bearer token under autocannon, against the bare
//     worker returning the same body: what token verification, the revocation
//     check (KV) and the user lookup (D1) cost per request.
import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { apiOk, login, registerUsers } from '../lib/accounts.mjs';
import { cpuSnapshot, cpuUsage } from '../lib/cpu.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { cpuGoal } from '../lib/goals.mjs';
import { summarizeLatency } from '../lib/load.mjs';
import { probe } from '../lib/probe.mjs';
import { appVersusBare, format, ratio, table } from '../lib/report.mjs';
import { roundsSeconds, runRounds } from '../lib/scenario.mjs';
import { liveGroups } from '../lib/servers.mjs';
import { startBareWorker, startHearth } from '../lib/targets.mjs';

const DESCRIPTION =
  'sign-in latency and CPU (scrypt) vs a bare JSON route; GET /api/users/me (Bearer) vs a bare worker with the same body';
const ME = '/api/users/me';
/** Measured sign-ins, spread over ACCOUNTS accounts so no throttle triggers. */
const LOGINS = 30;
/** Each signs in LOGINS / ACCOUNTS times (+1 warm-up for some): under 10 per account, from its own address. */
const ACCOUNTS = 6;
const WARMUP_LOGINS = 2;
/** The app's scrypt parameters (src/features/auth/password.ts), for the in-process reference. */
const SCRYPT = { N: 2 ** 14, r: 8, p: 5 };
const SCRYPT_RUNS = 5;

/**
 * @typedef {object} SeriesTarget
 * @property {string} name
 * @property {() => Promise<{ status: number, ms: number }>} request one request, timed by the caller
 * @property {number} expect status
 * @property {import('../lib/servers.mjs').Server} server
 */

/**
 * What one D1 query costs the runtime locally (bare + one query against bare), and the app's
 * ratio with that cost taken out: the share of its CPU that is its own code.
 * @param {Record<string, { runtimeCpuUsPerRequest: number | null }>} merged
 */
function d1Line(merged) {
  const app = merged.app?.runtimeCpuUsPerRequest ?? null;
  const bare = merged.bare?.runtimeCpuUsPerRequest ?? null;
  const withD1 = merged['bare+d1']?.runtimeCpuUsPerRequest ?? null;
  if (app === null || bare === null || withD1 === null) return 'bare + one D1 query: not measured';
  const query = withD1 - bare;
  return (
    `bare + one D1 query: ${format.us(withD1)} µs in its workerd, so one local D1 query costs ${format.us(query)} µs; ` +
    `the app without its one query: ${format.us(app - query)} vs ${format.us(bare)} µs (${format.ratio(ratio(app - query, bare))})`
  );
}

/**
 * Requests one after another, the targets interleaved (a b c a b c…) so drift hits all alike.
 * Server CPU is read from /proc right before and after each request and charged to that
 * request's target, so each gets only its own (idle time between requests is left out).
 * @param {SeriesTarget[]} targets
 * @param {number} count per target
 */
async function sequentialSeries(targets, count) {
  const stats = targets.map((target) => ({
    target,
    times: /** @type {number[]} */ ([]),
    failures: 0,
    firstFailure: /** @type {string | null} */ (null),
    retriedAfterRestart: 0,
    cpu: { total: 0, runtime: 0, seconds: 0, known: true },
  }));
  for (let i = 0; i < count; i++) {
    for (const entry of stats) {
      /** @type {{ status: number, ms: number }} */
      let result;
      /** @type {import('../lib/cpu.mjs').CpuUsage} */
      let usage;
      // A 503 (or a dropped connection) is wrangler restarting the worker after a source edit:
      // wait for it and send the request again; only the try that got through is counted.
      for (let attempt = 1; ; attempt++) {
        const groups = liveGroups();
        const before = cpuSnapshot(groups);
        try {
          result = await entry.target.request();
        } catch (error) {
          result = { status: 0, ms: 0 };
          entry.firstFailure ??= /** @type {Error} */ (error).message;
        }
        usage = cpuUsage(before, cpuSnapshot(groups), entry.target.server.pid);
        if ((result.status !== 503 && result.status !== 0) || attempt >= 3) break;
        entry.retriedAfterRestart++;
        await entry.target.server.ready();
      }
      if (usage.server) {
        entry.cpu.total += usage.server.total;
        entry.cpu.runtime += usage.server.runtime;
      } else entry.cpu.known = false;
      entry.cpu.seconds += usage.seconds;
      if (result.status === entry.target.expect) entry.times.push(result.ms);
      else {
        entry.failures++;
        entry.firstFailure ??= `HTTP ${result.status}`;
      }
    }
  }
  return Object.fromEntries(
    stats.map(({ target, times, failures, firstFailure, retriedAfterRestart, cpu }) => {
      const n = times.length + failures;
      return [
        target.name,
        {
          requests: n,
          ok: times.length,
          failures,
          firstFailure,
          retriedAfterRestart,
          latency: summarizeLatency(Float64Array.from(times)),
          serverCpuMsPerRequest: cpu.known && n ? (1000 * cpu.total) / n : null,
          runtimeCpuMsPerRequest: cpu.known && n ? (1000 * cpu.runtime) / n : null,
          cpuSeconds: cpu.known ? { total: cpu.total, runtime: cpu.runtime, wall: cpu.seconds } : null,
        },
      ];
    }),
  );
}

/** The app's scrypt in this Node process (OpenSSL, where workerd has BoringSSL): a rough floor for one sign-in. */
async function scryptReference() {
  const run = promisify(scrypt);
  const times = [];
  for (let i = 0; i < SCRYPT_RUNS; i++) {
    const started = performance.now();
    await run('bench-harness-correct-horse-7391', Buffer.alloc(16, i), 32, { ...SCRYPT, maxmem: 64 * 2 ** 20 });
    times.push(performance.now() - started);
  }
  return summarizeLatency(Float64Array.from(times));
}

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'auth',
  description: DESCRIPTION,
  // Sign-ins take ~0.3 s each; sign-ups (one scrypt each) about the same.
  estimateSeconds: (settings) => roundsSeconds(settings, 2) + 0.5 * (LOGINS + WARMUP_LOGINS + ACCOUNTS) + 5,

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    /** @type {import('../lib/servers.mjs').Server[]} */
    const started = [];
    try {
      log('starting the app (scripts/dev.mjs: migrations, web build, wrangler dev)…');
      const app = await startHearth({ verbose });
      started.push(app);

      log(`registering ${ACCOUNTS} accounts, each from its own CF-Connecting-IP…`);
      const registered = await registerUsers(app, { count: ACCOUNTS, prefix: 'auth', perIp: 1, ipSalt: 11 });
      if (registered.accounts.length < ACCOUNTS) {
        throw new Error(`only ${registered.accounts.length} of ${ACCOUNTS} sign-ups succeeded: ${registered.limited}`);
      }
      const accounts = registered.accounts;

      // The bare worker answers every request with exactly what the app's /api/users/me did.
      const token = accounts[0].accessToken;
      const authHeaders = { authorization: `Bearer ${token}` };
      const me = await probe(`${app.url}${ME}`, { headers: authHeaders });
      if (me.status !== 200) throw new Error(`app answered ${me.status} to GET ${ME}: ${me.body.slice(0, 300)}`);
      log(`app answers ${ME} with ${me.bodyBytes} B of ${me.contentType}; starting the bare worker with the same…`);
      const bare = await startBareWorker({ body: me.body, contentType: me.contentType ?? '', verbose });
      started.push(bare);
      const bareMe = await probe(`${bare.url}${ME}`, { headers: authHeaders });
      if (bareMe.status !== 200 || bareMe.body !== me.body || bareMe.contentType !== me.contentType) {
        throw new Error(
          `targets are not comparable: bare answered ${bareMe.status} ${bareMe.contentType} ${bareMe.body}`,
        );
      }

      // ---- (a) sign-in latency ----------------------------------------------------
      log(`scrypt reference in this process (${SCRYPT_RUNS} runs)…`);
      const scryptNode = await scryptReference();

      let loginCount = 0;
      /** @type {string | null} */
      let lastAccessToken = null;
      const loginBody = JSON.stringify({ email: accounts[0].email, password: accounts[0].password, client: 'native' });
      /** @type {SeriesTarget[]} */
      const series = [
        {
          name: 'app POST /api/auth/login',
          expect: 200,
          server: app,
          request: async () => {
            const account = accounts[loginCount++ % accounts.length];
            const result = await login(app, account);
            if (result.status === 200) {
              if (!result.body?.accessToken || !result.body?.refreshToken) {
                throw new Error(`login answered 200 without tokens: ${result.text.slice(0, 200)}`);
              }
              lastAccessToken = result.body.accessToken;
            }
            return result;
          },
        },
        {
          name: 'app GET /api/meta',
          expect: 200,
          server: app,
          request: () => timed(`${app.url}/api/meta`),
        },
        {
          name: 'bare POST (fixed JSON)',
          expect: 200,
          server: bare,
          // Same method and body as a sign-in, so the transport does the same work.
          request: () => timed(`${bare.url}/api/auth/login`, { method: 'POST', body: loginBody }),
        },
      ];
      log(`warm-up: ${WARMUP_LOGINS} sign-ins…`);
      const warmup = await sequentialSeries(series, WARMUP_LOGINS);
      log(`${LOGINS} sequential sign-ins over ${ACCOUNTS} accounts, interleaved with the two references…`);
      const logins = await sequentialSeries(series, LOGINS);
      const loginStats = logins['app POST /api/auth/login'];
      if (loginStats.failures > 0) {
        throw new Error(`${loginStats.failures} of ${LOGINS} sign-ins failed (first: ${loginStats.firstFailure})`);
      }
      const bareStats = logins['bare POST (fixed JSON)'];
      const metaStats = logins['app GET /api/meta'];
      log(
        `sign-in p50 ${format.ms(loginStats.latency.p50)} ms, p99 ${format.ms(loginStats.latency.p99)} ms; ` +
          `bare p50 ${format.ms(bareStats.latency.p50)} ms`,
      );

      // ---- (b) authenticated GET under load --------------------------------------------
      // A token from a sign-in just made: 15 minutes of validity covers the rounds.
      const loadHeaders = { authorization: `Bearer ${lastAccessToken ?? token}` };
      await apiOk(app, 'GET', ME, 200, { token: lastAccessToken ?? token });
      const {
        warmup: loadWarmup,
        runs,
        merged,
        best,
        excluded,
        mergedFrom,
      } = await runRounds({
        targets: [
          { name: 'app', server: app, path: ME, headers: loadHeaders },
          { name: 'bare', server: bare, path: ME, headers: loadHeaders },
          // Not a baseline for the target: the same bare answer after one trivial D1 query, to show
          // how much of the app's CPU is the one query a signed-in read cannot avoid (local D1 runs
          // in the same workerd, so its simulator's CPU is counted there).
          { name: 'bare+d1', server: bare, path: `${ME}?d1`, headers: loadHeaders },
        ],
        settings,
        log,
      });
      const { comparison, lines: loadLines } = appVersusBare({
        settings,
        responses: { app: me, bare: bareMe },
        rounds: { runs, merged, best, mergedFrom },
      });

      // ---- report ----------------------------------------------------------------------------
      const seriesColumns = /** @type {import('../lib/report.mjs').Column[]} */ ([
        { header: 'target', align: 'left' },
        { header: 'requests' },
        { header: 'failed' },
        { header: 'p50 ms' },
        { header: 'p90 ms' },
        { header: 'p99 ms' },
        { header: 'max ms' },
        { header: 'mean ms' },
        { header: 'srv CPU ms/req' },
        { header: 'runtime ms/req' },
      ]);
      const seriesRows = Object.entries(logins).map(([name, s]) => [
        name,
        format.count(s.requests),
        format.count(s.failures),
        format.ms(s.latency.p50),
        format.ms(s.latency.p90),
        format.ms(s.latency.p99),
        format.ms(s.latency.max),
        format.ms(s.latency.mean),
        s.serverCpuMsPerRequest === null ? '–' : format.ms(s.serverCpuMsPerRequest),
        s.runtimeCpuMsPerRequest === null ? '–' : format.ms(s.runtimeCpuMsPerRequest),
      ]);
      const report = [
        'auth (a): sign-in latency, Hearth app vs references (wrangler dev, local)',
        `  ${LOGINS} sequential POST /api/auth/login (client "native"), round-robin over ${ACCOUNTS} accounts, each ` +
          `from its own CF-Connecting-IP; interleaved with GET /api/meta on the app and a POST of the same body to ` +
          `the bare worker (fixed JSON); ${WARMUP_LOGINS} rounds of warm-up first`,
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
          `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        '',
        table(seriesColumns, seriesRows),
        '',
        `sign-in / bare JSON:     p50 ${format.ratio(ratio(loginStats.latency.p50, bareStats.latency.p50))}   ` +
          `p99 ${format.ratio(ratio(loginStats.latency.p99, bareStats.latency.p99))}   ` +
          `(+${format.ms(loginStats.latency.p50 - bareStats.latency.p50)} ms at p50)`,
        `sign-in / app /api/meta: p50 ${format.ratio(ratio(loginStats.latency.p50, metaStats.latency.p50))}`,
        `server CPU per sign-in:  ${cpuMs(loginStats.serverCpuMsPerRequest)} ms in the app's processes, ` +
          `${cpuMs(loginStats.runtimeCpuMsPerRequest)} ms of it in the worker's workerd ` +
          `(bare request: ${cpuMs(bareStats.serverCpuMsPerRequest)} ms; read from /proc around each request, 10 ms ticks)`,
        `scrypt N=2^14 r=8 p=5 alone, in this Node process (OpenSSL; workerd uses BoringSSL): ` +
          `p50 ${format.ms(scryptNode.p50)} ms, max ${format.ms(scryptNode.max)} ms over ${SCRYPT_RUNS} runs`,
        `  with ${LOGINS} samples, p99 (nearest rank) is the slowest one`,
        ...Object.entries(logins)
          .filter(([, s]) => s.retriedAfterRestart > 0)
          .map(
            ([name, s]) =>
              `  ${name}: ${s.retriedAfterRestart} request(s) sent again after wrangler restarted the worker (503); ` +
              'only the tries that got through are counted',
          ),
        '',
        `auth (b): GET ${ME} with a Bearer token, Hearth app vs bare worker with the same body`,
        ...loadLines,
        d1Line(merged),
      ].join('\n');
      const goals = [cpuGoal('me-cpu', merged)];

      return {
        report,
        goals,
        result: {
          scenario: 'auth',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          targets: {
            app: { url: app.url, command: app.command, me },
            bare: { url: bare.url, command: bare.command, response: bareMe },
          },
          signIn: {
            logins: LOGINS,
            accounts: ACCOUNTS,
            registrationMs: registered.ms,
            scryptInNode: scryptNode,
            warmup,
            series: logins,
          },
          authenticatedGet: {
            path: ME,
            warmup: loadWarmup,
            runs,
            merged,
            best: { app: best.app.label, bare: best.bare.label },
            excluded,
            comparison,
          },
          goals,
        },
      };
    } finally {
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};

/** @param {number | null} value */
const cpuMs = (value) => (value === null ? '–' : format.ms(value));

/**
 * One timed fetch (body read to the end).
 * @param {string} url
 * @param {RequestInit} [init]
 */
async function timed(url, init = {}) {
  const startedAt = performance.now();
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - startedAt };
}
