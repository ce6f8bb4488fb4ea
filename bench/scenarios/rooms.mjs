// One chat room with 10, 50 and 200 websocket clients: the app's ChatRoom Durable
// Object (ticket, Origin check, validation, per-user token bucket, SQLite write
// before the ack, presence) against bench/bare-rooms, a hibernation Durable Object
// that only relays frames. Same clients, same open-loop message schedule.
import { registerUsers } from '../lib/accounts.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { roomHoldGoal, roomJoinGoal } from '../lib/goals.mjs';
import { format, ratio, table } from '../lib/report.mjs';
import { runRoomLoad } from '../lib/rooms-load.mjs';
import { roomFactory } from '../lib/rooms-targets.mjs';
import { retryAfterRestart } from '../lib/scenario.mjs';
import { startBareRooms, startHearth } from '../lib/targets.mjs';

const DESCRIPTION =
  'one chat room with 10, 50 and 200 websocket clients: delivery rate, latency, loss/dup/order (app ChatRoom vs a relay-only Durable Object)';
const SIZES = [10, 50, 200];
/** `--quick`: the size issue 10's rows are about only. */
const QUICK_SIZES = [200];
/** Sockets that send; the rest only receive. Each is a different user. */
const MAX_SENDERS = 10;
/**
 * Messages per second per sender: under the app's per-user token bucket (5 per second,
 * burst 20, src/realtime/room-base.ts) with room for timer jitter.
 */
const PER_SENDER_RATE = 4;
const MIN_WINDOW_SECONDS = 10;
const DRAIN_SECONDS = 20;
const WARMUP_CLIENTS = 10;

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'rooms',
  description: DESCRIPTION,
  // 200 sign-ups (one scrypt each: 1–2.5 minutes on a busy 2-core box), then per size and target:
  // connecting (up to ~30 s for 200 sockets), the window and the drain.
  estimateSeconds: (settings) =>
    Math.max(...SIZES) * 0.75 +
    2 * settings.warmupSeconds +
    (settings.quick ? QUICK_SIZES : SIZES).length * 2 * (windowSeconds(settings) + 25),

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    const seconds = windowSeconds(settings);
    const sizes = settings.quick ? QUICK_SIZES : SIZES;
    const maxClients = Math.max(...sizes);
    /** @type {import('../lib/servers.mjs').Server[]} */
    const started = [];
    try {
      log('starting the app (scripts/dev.mjs: migrations, web build, wrangler dev)…');
      const app = await startHearth({ verbose });
      started.push(app);

      log(`registering ${maxClients} users (one scrypt each), 9 per made-up CF-Connecting-IP…`);
      const registered = await registerUsers(app, { count: maxClients, prefix: 'rooms', ipSalt: 31 });
      const users = registered.accounts;
      log(
        `${users.length} users in ${(registered.ms / 1000).toFixed(1)} s${registered.limited ? ` (stopped: ${registered.limited})` : ''}`,
      );
      if (users.length === 0) throw new Error(`no user could register: ${registered.limited}`);
      if (users.length < MAX_SENDERS) {
        throw new Error(`${users.length} users is fewer than the ${MAX_SENDERS} senders, each its own user`);
      }

      log('starting the bare rooms worker…');
      const bare = await startBareRooms({ verbose });
      started.push(bare);

      const freshRoom = roomFactory({ app, bare, users });

      /**
       * @param {'app' | 'bare'} target
       * @param {number} clients
       * @param {number} windowSeconds
       * @param {string} label
       */
      const runOne = async (target, clients, windowSeconds, label) => {
        const server = target === 'app' ? app : bare;
        const senders = Math.min(clients, MAX_SENDERS);
        const { value, failedTries } = await retryAfterRestart(
          server,
          async () => {
            const { room, endpoint } = await freshRoom(target);
            const measurement = await runRoomLoad({
              label,
              clients,
              endpoint,
              senders: Array.from({ length: senders }, (_, i) => i),
              sendRate: senders * PER_SENDER_RATE,
              seconds: windowSeconds,
              drainSeconds: DRAIN_SECONDS,
              server,
            });
            // A reload mid-run closes every socket: the run measured that, not the room.
            if (measurement.unexpectedCloses > clients / 2) {
              throw new Error(
                `${measurement.unexpectedCloses} of ${clients} sockets closed by the server mid-run ` +
                  `(first: ${measurement.firstUnexpectedClose})`,
              );
            }
            return { room, measurement };
          },
          { label, log },
        );
        const m = value.measurement;
        const restarted = failedTries > 0 || Boolean(m.cpu.server && (m.cpu.server.started || m.cpu.server.exited));
        log(
          `${label}: ${format.count(m.deliveredPerSecond)} deliveries/s of ${format.count(m.offeredDeliveriesPerSecond)} offered, ` +
            `p50 ${format.ms(m.latency.p50)} ms, p99 ${format.ms(m.latency.p99)} ms, lost ${m.lost}, dup ${m.duplicates}, ` +
            `out of order ${m.outOfOrder}, connect ${(m.connectMs / 1000).toFixed(1)} s`,
        );
        return { target, clients, room: value.room, measurement: m, restarted, failedTries };
      };

      log(`warm-up: ${WARMUP_CLIENTS} clients for ${settings.warmupSeconds} s on each target…`);
      const warmup = [];
      for (const target of /** @type {const} */ (['app', 'bare'])) {
        warmup.push(await runOne(target, WARMUP_CLIENTS, settings.warmupSeconds, `warm-up ${target}`));
      }

      /** @type {Awaited<ReturnType<typeof runOne>>[]} */
      const runs = [];
      for (const [i, clients] of sizes.entries()) {
        const order = /** @type {const} */ (i % 2 === 0 ? ['app', 'bare'] : ['bare', 'app']);
        for (const target of order) runs.push(await runOne(target, clients, seconds, `${clients} clients ${target}`));
      }

      // ---- report ----------------------------------------------------------------------------------
      const row = (/** @type {(typeof runs)[number]} */ run) => {
        const m = run.measurement;
        const errors = Object.values(m.errorFrames).reduce((a, b) => a + b, 0);
        return [
          run.target,
          run.restarted ? `${m.clients} *` : String(m.clients),
          String(m.senders),
          format.count(m.sendRate),
          format.count(m.offeredDeliveriesPerSecond),
          format.count(m.deliveredPerSecond),
          format.ms(m.latency.p50),
          format.ms(m.latency.p90),
          format.ms(m.latency.p99),
          format.ms(m.latency.max),
          `${format.count(m.acked)}/${format.count(m.sent)}`,
          format.count(m.lost),
          format.count(m.duplicates),
          format.count(m.outOfOrder),
          format.count(errors + m.unexpectedCloses + m.connectFailures),
          (m.connectMs / 1000).toFixed(1),
          (m.drainMs / 1000).toFixed(1),
          format.us(m.serverCpuUsPerDelivery),
          format.us(m.runtimeCpuUsPerDelivery),
          format.percent(m.loadgenCpuPercent),
          format.percent(m.backgroundCpuPercent),
        ];
      };
      const columns = /** @type {import('../lib/report.mjs').Column[]} */ ([
        { header: 'target', align: 'left' },
        { header: 'clients' },
        { header: 'senders' },
        { header: 'msg/s' },
        { header: 'offered/s' },
        { header: 'delivered/s' },
        { header: 'p50 ms' },
        { header: 'p90 ms' },
        { header: 'p99 ms' },
        { header: 'max ms' },
        { header: 'acked' },
        { header: 'lost' },
        { header: 'dup' },
        { header: 'order' },
        { header: 'errors' },
        { header: 'connect s' },
        { header: 'drain s' },
        { header: 'srv CPU µs/dlv' },
        { header: 'runtime µs/dlv' },
        { header: 'loadgen CPU' },
        { header: 'other CPU' },
      ]);
      const rows = [];
      for (const clients of sizes) {
        for (const target of ['app', 'bare']) {
          const run = runs.find((r) => r.clients === clients && r.target === target);
          if (run) rows.push(row(run));
        }
        rows.push(null);
      }
      rows.pop();
      const comparisons = sizes.map((clients) => {
        const appRun = runs.find((r) => r.clients === clients && r.target === 'app')?.measurement;
        const bareRun = runs.find((r) => r.clients === clients && r.target === 'bare')?.measurement;
        return {
          clients,
          deliveredRatio: ratio(appRun?.deliveredPerSecond, bareRun?.deliveredPerSecond),
          p50Ratio: ratio(appRun?.latency.p50, bareRun?.latency.p50),
          p99Ratio: ratio(appRun?.latency.p99, bareRun?.latency.p99),
          cpuPerDeliveryRatio: ratio(appRun?.serverCpuUsPerDelivery, bareRun?.serverCpuUsPerDelivery),
          runtimeCpuPerDeliveryRatio: ratio(appRun?.runtimeCpuUsPerDelivery, bareRun?.runtimeCpuUsPerDelivery),
          connectRatio: ratio(appRun?.connectMs, bareRun?.connectMs),
        };
      });
      const clean = runs.every(
        (run) =>
          run.measurement.lost === 0 &&
          run.measurement.duplicates === 0 &&
          run.measurement.outOfOrder === 0 &&
          run.measurement.gaps === 0 &&
          run.measurement.seqStartMismatches === 0 &&
          run.measurement.acked === run.measurement.sent,
      );
      const busiest = Math.max(...runs.map((run) => run.measurement.backgroundCpuPercent ?? 0));
      // Issue 10's rows are about the largest room.
      const largest = Math.max(...sizes);
      const appLargest = runs.find((r) => r.clients === largest && r.target === 'app')?.measurement;
      const bareLargest = runs.find((r) => r.clients === largest && r.target === 'bare')?.measurement;
      const goals =
        appLargest && bareLargest ? [roomHoldGoal(appLargest, bareLargest), roomJoinGoal(appLargest, bareLargest)] : [];
      const presenceLines = sizes.map((clients) => {
        const of = (/** @type {string} */ target) => runs.find((r) => r.clients === clients && r.target === target);
        const app = of('app')?.measurement;
        const bare = of('bare')?.measurement;
        return (
          `  ${String(clients).padStart(3)} clients: app ${format.count(app?.presenceFrames ?? 0)} frames, ` +
          `${((app?.presenceBytes ?? 0) / 1024).toFixed(1)} KiB; bare ${format.count(bare?.presenceFrames ?? 0)} frames`
        );
      });
      const report = [
        'rooms: one chat room, N websocket clients, Hearth ChatRoom vs relay-only Durable Object (wrangler dev, local)',
        `  each client its own user${users.length < maxClients ? ` (only ${users.length} users could register: sockets share users round-robin)` : ''}; ` +
          `the first min(N, ${MAX_SENDERS}) send ${PER_SENDER_RATE} messages/s each, evenly spaced (open loop, under the ` +
          'per-user bucket of 5/s); every client receives every message, the sender included',
        `  ${seconds} s of sending per run, then up to ${DRAIN_SECONDS} s for the last deliveries; a fresh room per run; ` +
          `sizes in order ${sizes.join(', ')}, target order alternating; ${users.length} users registered in ` +
          `${(registered.ms / 1000).toFixed(0)} s`,
        '  app: ticket (POST /api/rooms/:id/ticket) per socket, Origin checked, frame validated, token bucket, message ' +
          'stored in SQLite before ack, archived to D1; its frames carry id, author and times. bare: bench/bare-rooms ' +
          '(in-memory seq, no storage, no checks)',
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
          `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        '',
        table(columns, rows),
        ...(runs.some((run) => run.restarted)
          ? [
              '* wrangler restarted the worker during or before this run (a source edit); it was redone or is disturbed.',
            ]
          : []),
        '',
        'app / bare:',
        ...comparisons.map(
          (c) =>
            `  ${String(c.clients).padStart(3)} clients: delivered/s ${format.ratio(c.deliveredRatio)}   ` +
            `p50 ${format.ratio(c.p50Ratio)}   p99 ${format.ratio(c.p99Ratio)}   ` +
            `server CPU per delivery ${format.ratio(c.cpuPerDeliveryRatio)} (runtime ${format.ratio(c.runtimeCpuPerDeliveryRatio)})   ` +
            `connecting ${format.ratio(c.connectRatio)}`,
        ),
        clean
          ? 'every client received every acknowledged message exactly once, in seq order, with no gap'
          : 'NOT every client received every acknowledged message exactly once in order: see lost, dup, order (and gaps in the JSON)',
        '  offered/s = msg/s × clients; delivered/s counts deliveries during the sending window only, so it falls short ' +
          'of offered/s when the server lags; latency is from send to receipt over every delivery, drain included',
        '  connect s: opening every socket (ticket, upgrade, welcome); drain s: from the end of sending to the last ' +
          'delivery; errors: error frames, sockets closed by the server, failed connects',
        "  srv CPU µs/dlv: CPU of the server's processes over sending and draining, per message delivered to one client",
        'presence received by all clients while the room filled (deltas: about N²/2 small frames; full lists: N²/2 long ones):',
        ...presenceLines,
        ...(busiest > 25
          ? [
              `note: other processes used up to ${format.percent(busiest)} CPU during these runs (see "other CPU"): ` +
                'latency and delivery rates are disturbed; CPU per delivery holds up better.',
            ]
          : []),
      ].join('\n');

      return {
        report,
        goals,
        result: {
          scenario: 'rooms',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          schedule: {
            sizes,
            maxSenders: MAX_SENDERS,
            perSenderRate: PER_SENDER_RATE,
            windowSeconds: seconds,
            drainSeconds: DRAIN_SECONDS,
          },
          users: { registered: users.length, limited: registered.limited, registrationMs: registered.ms },
          targets: {
            app: { url: app.url, command: app.command },
            bare: { url: bare.url, command: bare.command },
          },
          warmup,
          runs,
          comparisons,
          clean,
          goals,
        },
      };
    } finally {
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};

/** Seconds of sending per run: at least MIN_WINDOW_SECONDS, or `--duration` if longer; `--quick` takes `--duration`. */
function windowSeconds(/** @type {import('../lib/scenario.mjs').Settings} */ settings) {
  return settings.quick ? settings.seconds : Math.max(MIN_WINDOW_SECONDS, settings.seconds);
}
