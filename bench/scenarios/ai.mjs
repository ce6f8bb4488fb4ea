// The assistant's streaming path: POST /api/ai/chat through Hearth (auth, limits, D1 writes,
// the AI SDK's parse and re-encode) vs the same fake model provider called directly, in the
// same run. Time to first byte, time to the first token, and tokens per second, per request.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { registerUsers } from '../lib/accounts.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { ROOT } from '../lib/servers.mjs';
import { startHearth } from '../lib/targets.mjs';

const DESCRIPTION =
  'POST /api/ai/chat through Hearth vs the fake OpenAI-compatible provider directly: TTFB, first token, tokens/s';
const MODEL = 'fake-model';
/** The fake answers with about a dozen words, 5 ms apart, and its usage in a last chunk. */
const PROMPT = 'Tell me about hearths';

/** The fake provider (TypeScript, shared with the tests) bundled for plain Node. */
async function startFake() {
  const dir = await mkdtemp(path.join(tmpdir(), 'hearth-bench-fake-ai-'));
  const outfile = path.join(dir, 'server.mjs');
  await build({
    entryPoints: [path.join(ROOT, 'test', 'fake-ai', 'server.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outfile,
    logLevel: 'error',
  });
  const { startFakeAiServer } = await import(outfile);
  const server = await startFakeAiServer();
  return {
    origin: /** @type {string} */ (server.origin),
    async stop() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One streamed request, timed: headers, first byte of the body, first token, end.
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {unknown} body
 * @param {(data: string) => number} tokensIn how many tokens one SSE `data:` payload carries
 */
async function timedStream(url, headers, body, tokensIn) {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'identity', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  if (res.status !== 200 || !res.body)
    throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const decoder = new TextDecoder();
  let firstByte = null;
  let firstToken = null;
  let tokens = 0;
  let buffer = '';
  for await (const chunk of res.body) {
    const now = performance.now();
    firstByte ??= now;
    buffer += decoder.decode(chunk, { stream: true });
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    for (const event of events) {
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (!data || data === '[DONE]') continue;
      const n = tokensIn(data);
      if (n > 0) {
        firstToken ??= now;
        tokens += n;
      }
    }
  }
  const ended = performance.now();
  return {
    ttfbMs: (firstByte ?? ended) - started,
    firstTokenMs: (firstToken ?? ended) - started,
    totalMs: ended - started,
    tokens,
    tokensPerSecond: firstToken && ended > firstToken ? tokens / ((ended - firstToken) / 1000) : 0,
  };
}

/** @param {number[]} values @param {number} q */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** @param {ReturnType<typeof timedStream> extends Promise<infer T> ? T[] : never} samples */
function summarise(samples) {
  const of = (/** @type {keyof (typeof samples)[number]} */ key) => samples.map((s) => s[key]);
  const round = (/** @type {number} */ n) => Math.round(n * 10) / 10;
  return {
    requests: samples.length,
    ttfbMs: { p50: round(quantile(of('ttfbMs'), 0.5)), p90: round(quantile(of('ttfbMs'), 0.9)) },
    firstTokenMs: { p50: round(quantile(of('firstTokenMs'), 0.5)), p90: round(quantile(of('firstTokenMs'), 0.9)) },
    totalMs: { p50: round(quantile(of('totalMs'), 0.5)) },
    tokensPerSecond: { p50: round(quantile(of('tokensPerSecond'), 0.5)) },
    tokens: { p50: quantile(of('tokens'), 0.5) },
  };
}

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'ai',
  description: DESCRIPTION,
  // Requests are sequential (latency, not throughput): about 100 ms each, rounds × 20 per target.
  estimateSeconds: (settings) => settings.rounds * 2 * 20 * 0.15 + 5,

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    const perRound = settings.quick ? 10 : 20;
    const fake = await startFake();
    /** @type {import('../lib/servers.mjs').Server | undefined} */
    let app;
    try {
      log(`fake provider on ${fake.origin}; starting the app pointed at it…`);
      app = await startHearth({
        verbose,
        extraArgs: [
          '--var',
          `AI_API_URL:${fake.origin}/v1`,
          '--var',
          `AI_MODELS:${MODEL}`,
          // The limits are not what is measured here.
          '--var',
          'AI_REQUESTS_PER_MINUTE:100000',
          '--var',
          'AI_DAILY_TOKENS:1000000000',
        ],
      });
      const { accounts } = await registerUsers(app, { count: 1, prefix: 'bench-ai' });
      const account = accounts[0];
      if (!account) throw new Error('could not register the bench user');

      const direct = () =>
        timedStream(
          `${fake.origin}/v1/chat/completions`,
          {},
          {
            model: MODEL,
            stream: true,
            stream_options: { include_usage: true },
            messages: [{ role: 'user', content: PROMPT }],
          },
          (data) => (JSON.parse(data).choices?.[0]?.delta?.content ? 1 : 0),
        );
      const hearth = () =>
        timedStream(
          `${app?.url}/api/ai/chat`,
          { authorization: `Bearer ${account.accessToken}`, 'cf-connecting-ip': account.ip },
          { message: PROMPT, model: MODEL },
          (data) => (JSON.parse(data).type === 'text-delta' ? 1 : 0),
        );

      // Warm-up (the worker's first request builds the app and its caches), then rounds in ABBA order.
      for (let i = 0; i < 5; i++) {
        await direct();
        await hearth();
      }
      /** @type {Record<'direct' | 'hearth', Awaited<ReturnType<typeof timedStream>>[]>} */
      const samples = { direct: [], hearth: [] };
      for (let round = 0; round < settings.rounds; round++) {
        const order =
          round % 2 === 0 ? /** @type {const} */ (['direct', 'hearth']) : /** @type {const} */ (['hearth', 'direct']);
        for (const target of order) {
          for (let i = 0; i < perRound; i++) samples[target].push(await (target === 'direct' ? direct() : hearth()));
        }
        log(`round ${round + 1}/${settings.rounds} done`);
      }
      const summary = { direct: summarise(samples.direct), hearth: summarise(samples.hearth) };
      const overhead = {
        ttfbMsP50: Math.round((summary.hearth.ttfbMs.p50 - summary.direct.ttfbMs.p50) * 10) / 10,
        firstTokenMsP50: Math.round((summary.hearth.firstTokenMs.p50 - summary.direct.firstTokenMs.p50) * 10) / 10,
        tokensPerSecondRatio:
          summary.direct.tokensPerSecond.p50 > 0
            ? Math.round((summary.hearth.tokensPerSecond.p50 / summary.direct.tokensPerSecond.p50) * 100) / 100
            : null,
      };
      const row = (/** @type {string} */ name, /** @type {ReturnType<typeof summarise>} */ s) =>
        `  ${name.padEnd(7)} TTFB p50 ${s.ttfbMs.p50} ms (p90 ${s.ttfbMs.p90}) · first token p50 ${s.firstTokenMs.p50} ms (p90 ${s.firstTokenMs.p90}) · ${s.tokensPerSecond.p50} tokens/s · ${s.tokens.p50} tokens · ${s.requests} requests`;
      const report = [
        'ai: POST /api/ai/chat through Hearth vs the fake provider directly (wrangler dev, local, sequential)',
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}`,
        row('direct', summary.direct),
        row('hearth', summary.hearth),
        `  Hearth adds ${overhead.ttfbMsP50} ms to the first byte and ${overhead.firstTokenMsP50} ms to the first token (p50); tokens/s ratio ${overhead.tokensPerSecondRatio ?? '–'}`,
        '  The fake paces its answer (5 ms a word), so tokens/s is bounded by it: a ratio near 1 means Hearth keeps up.',
      ].join('\n');
      return {
        report,
        result: {
          scenario: 'ai',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          targets: { direct: `${fake.origin}/v1/chat/completions`, hearth: `${app.url}/api/ai/chat` },
          summary,
          overhead,
        },
      };
    } finally {
      await app?.stop();
      await fake.stop();
    }
  },
};
