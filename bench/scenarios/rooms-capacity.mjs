// Room capacity at 200 clients: the offered load is raised step by step (more senders, each a
// different user at 4 messages/s, within the app's per-user bucket of burst 20, refill 5/s)
// on the same 200 sockets per target, until a target loses, duplicates or reorders a message,
// gets an error frame, or its p99 delivery latency passes 100 ms. Reported: the highest
// delivered/s each target sustained (app ChatRoom vs bench/bare-rooms).
import { registerUsers } from '../lib/accounts.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { roomCapacityGoal, TARGETS } from '../lib/goals.mjs';
import { format, ratio, table } from '../lib/report.mjs';
import { openRoom } from '../lib/rooms-load.mjs';
import { roomFactory } from '../lib/rooms-targets.mjs';
import { startBareRooms, startHearth } from '../lib/targets.mjs';

const DESCRIPTION =
  'one room, 200 clients, offered load raised step by step until loss or p99 > 100 ms: highest sustained delivered/s, app vs relay-only Durable Object';
const CLIENTS = 200;
/** Messages per second per sender: under the per-user refill of 5/s (src/realtime/room-base.ts), with room for jitter. */
const PER_SENDER_RATE = 4;
/** Senders per step; each is its own user. */
const STEPS = [5, 10, 20, 30, 40, 50];
const QUICK_STEPS = [5, 10, 25, 50];
/** Seconds of sending per step, unless --duration says more (or, with --quick, otherwise). */
const DEFAULT_STEP_SECONDS = 8;
const DRAIN_SECONDS = 10;
/** A step sees a worker reload (all sockets closed) at most this many times before it counts as failed. */
const RECONNECTS = 2;

/** @param {import('../lib/scenario.mjs').Settings} settings */
const stepSeconds = (settings) =>
  settings.quick ? settings.seconds : Math.max(DEFAULT_STEP_SECONDS, settings.seconds);
/** @param {import('../lib/scenario.mjs').Settings} settings */
const stepsOf = (settings) => (settings.quick ? QUICK_STEPS : STEPS);

/**
 * Why a step does not count as sustained, or null when it does.
 * @param {import('../lib/rooms-load.mjs').LoadMeasurement} m
 */
function failure(m) {
  const errors = Object.entries(m.errorFrames);
  const reasons = [
    m.lost > 0 && `${format.count(m.lost)} lost`,
    m.duplicates > 0 && `${format.count(m.duplicates)} duplicated`,
    m.outOfOrder > 0 && `${format.count(m.outOfOrder)} out of order`,
    m.gaps > 0 && `${format.count(m.gaps)} gaps`,
    m.acked < m.sent && `${format.count(m.sent - m.acked)} not acknowledged`,
    errors.length > 0 && `error frames ${errors.map(([code, n]) => `${code} ×${n}`).join(', ')}`,
    m.latency.p99 > TARGETS.roomCapacityP99Ms && `p99 ${format.ms(m.latency.p99)} ms > ${TARGETS.roomCapacityP99Ms} ms`,
  ].filter(Boolean);
  return reasons.length > 0 ? reasons.join(', ') : null;
}

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'rooms-capacity',
  description: DESCRIPTION,
  // Sign-ups (one scrypt each), two rooms of 200 sockets, then per step and target the window and the drain.
  estimateSeconds: (settings) => 60 + 2 * 30 + stepsOf(settings).length * 2 * (stepSeconds(settings) + DRAIN_SECONDS),

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    const steps = stepsOf(settings);
    const seconds = stepSeconds(settings);
    const maxSenders = Math.max(...steps);
    /** @type {import('../lib/servers.mjs').Server[]} */
    const started = [];
    /** @type {Partial<Record<'app' | 'bare', import('../lib/rooms-load.mjs').RoomSession>>} */
    const rooms = {};
    try {
      log('starting the app (scripts/dev.mjs: migrations, web build, wrangler dev)…');
      const app = await startHearth({ verbose });
      started.push(app);
      // Only senders need their own user (the bucket is per user); receivers share them, like tabs.
      log(`registering ${maxSenders} users (one scrypt each), 9 per made-up CF-Connecting-IP…`);
      const registered = await registerUsers(app, { count: maxSenders, prefix: 'capacity', ipSalt: 47 });
      const users = registered.accounts;
      if (users.length < maxSenders) {
        throw new Error(`only ${users.length} of ${maxSenders} users could register: ${registered.limited}`);
      }
      log(`${users.length} users in ${(registered.ms / 1000).toFixed(1)} s; starting the bare rooms worker…`);
      const bare = await startBareRooms({ verbose });
      started.push(bare);
      const servers = { app, bare };
      const freshRoom = roomFactory({ app, bare, users });

      /** @type {Record<'app' | 'bare', { connects: import('../lib/rooms-load.mjs').ConnectStats[] }>} */
      const connections = { app: { connects: [] }, bare: { connects: [] } };
      /** A room of CLIENTS sockets on `target`, reopened (fresh room) if a reload closed its sockets. */
      const roomOf = async (/** @type {'app' | 'bare'} */ target) => {
        const current = rooms[target];
        if (current && current.openClients() === CLIENTS) return current;
        if (current) {
          log(`${target}: ${CLIENTS - current.openClients()} sockets were closed (a worker reload?); reconnecting…`);
          await current.close();
          await servers[target].ready();
        }
        log(`${target}: connecting ${CLIENTS} clients…`);
        const { endpoint } = await freshRoom(target);
        const room = await openRoom({ label: `${target} capacity`, clients: CLIENTS, endpoint });
        connections[target].connects.push(room.connect);
        rooms[target] = room;
        return room;
      };

      /**
       * @typedef {object} Step
       * @property {'app' | 'bare'} target
       * @property {number} senders
       * @property {import('../lib/rooms-load.mjs').LoadMeasurement} measurement
       * @property {string | null} failed why the step was not sustained
       * @property {number} reconnects sockets lost to a reload during this step, redone
       */
      /** @type {Step[]} */
      const results = [];
      /** @type {Record<'app' | 'bare', boolean>} a step failed: stop raising this target */
      const stopped = { app: false, bare: false };

      // One unreported short step per target warms the paths up.
      for (const target of /** @type {const} */ (['app', 'bare'])) {
        const room = await roomOf(target);
        log(`warm-up ${target}…`);
        await room.load({
          label: `warm-up ${target}`,
          senders: [0],
          sendRate: PER_SENDER_RATE,
          seconds: settings.warmupSeconds,
          drainSeconds: DRAIN_SECONDS,
        });
      }

      for (const [i, senders] of steps.entries()) {
        const order = /** @type {const} */ (i % 2 === 0 ? ['app', 'bare'] : ['bare', 'app']);
        for (const target of order) {
          if (stopped[target]) continue;
          let reconnects = 0;
          /** @type {import('../lib/rooms-load.mjs').LoadMeasurement} */
          let measurement;
          for (;;) {
            const room = await roomOf(target);
            measurement = await room.load({
              label: `${senders} senders ${target}`,
              senders: Array.from({ length: senders }, (_, k) => k),
              sendRate: senders * PER_SENDER_RATE,
              seconds,
              drainSeconds: DRAIN_SECONDS,
              server: servers[target],
            });
            if (measurement.unexpectedCloses === 0 || reconnects >= RECONNECTS) break;
            reconnects++;
            log(
              `${target}: ${measurement.unexpectedCloses} sockets closed mid-step (${measurement.firstUnexpectedClose}); redoing the step`,
            );
          }
          const failed =
            measurement.unexpectedCloses > 0
              ? `${measurement.unexpectedCloses} sockets closed by the server`
              : failure(measurement);
          results.push({ target, senders, measurement, failed, reconnects });
          log(
            `${senders} senders ${target}: ${format.count(measurement.deliveredPerSecond)} of ` +
              `${format.count(measurement.offeredDeliveriesPerSecond)} deliveries/s, p50 ${format.ms(measurement.latency.p50)} ms, ` +
              `p99 ${format.ms(measurement.latency.p99)} ms${failed ? `: limit (${failed})` : ''}`,
          );
          if (failed) stopped[target] = true;
        }
        if (stopped.app && stopped.bare) break;
      }

      // ---- report --------------------------------------------------------------------------------
      /** @param {'app' | 'bare'} target @returns {import('../lib/goals.mjs').Capacity & { senders: number | null, step: Step | null }} */
      const capacityOf = (target) => {
        const mine = results.filter((r) => r.target === target);
        const sustained = mine.filter((r) => !r.failed);
        const best = sustained.reduce(
          (a, b) => (!a || b.measurement.deliveredPerSecond > a.measurement.deliveredPerSecond ? b : a),
          /** @type {Step | null} */ (null),
        );
        return {
          deliveredPerSecond: best ? best.measurement.deliveredPerSecond : null,
          limitReached: mine.some((r) => r.failed),
          clean: sustained.every(
            (r) => r.measurement.lost === 0 && r.measurement.duplicates === 0 && r.measurement.outOfOrder === 0,
          ),
          senders: best?.senders ?? null,
          step: best,
        };
      };
      const capacity = { app: capacityOf('app'), bare: capacityOf('bare') };
      const goals = [roomCapacityGoal(CLIENTS, capacity.app, capacity.bare)];

      const rows = results.map(({ target, senders, measurement: m, failed, reconnects }) => [
        target,
        reconnects > 0 ? `${senders} *` : String(senders),
        format.count(m.sendRate),
        format.count(m.offeredDeliveriesPerSecond),
        format.count(m.deliveredPerSecond),
        format.ms(m.latency.p50),
        format.ms(m.latency.p99),
        format.ms(m.latency.max),
        `${format.count(m.acked)}/${format.count(m.sent)}`,
        format.count(m.lost),
        format.count(m.duplicates),
        format.count(m.outOfOrder),
        (m.drainMs / 1000).toFixed(1),
        format.us(m.serverCpuUsPerDelivery),
        format.us(m.runtimeCpuUsPerDelivery),
        format.percent(m.loadgenCpuPercent),
        format.percent(m.backgroundCpuPercent),
        failed ? `limit: ${failed}` : 'sustained',
      ]);
      const describe = (/** @type {'app' | 'bare'} */ target) => {
        const c = capacity[target];
        if (c.deliveredPerSecond === null) return `${target}: no step sustained`;
        return (
          `${target}: ${format.count(c.deliveredPerSecond)} delivered/s at ${c.senders} senders × ${PER_SENDER_RATE} msg/s` +
          (c.limitReached ? '' : ' (the ladder ended first: at least this)')
        );
      };
      const busiest = Math.max(...results.map((r) => r.measurement.backgroundCpuPercent ?? 0));
      const loadgenBusiest = Math.max(...results.map((r) => r.measurement.loadgenCpuPercent ?? 0));
      const report = [
        `rooms-capacity: one room, ${CLIENTS} clients, load raised step by step, Hearth ChatRoom vs relay-only Durable Object (wrangler dev, local)`,
        `  steps: ${steps.join(', ')} senders × ${PER_SENDER_RATE} msg/s each (each sender its own user, within the ` +
          `per-user bucket of burst 20, 5/s; the ${CLIENTS - maxSenders} other sockets share those ${users.length} users, ` +
          `like tabs); ${seconds} s of sending per step, then up to ${DRAIN_SECONDS} s for the last deliveries; the same ` +
          `${CLIENTS} sockets per target throughout, target order alternating`,
        `  a target's step is its limit when a message is lost, duplicated, reordered or not acknowledged, an error ` +
          `frame arrives, or p99 passes ${TARGETS.roomCapacityP99Ms} ms; that target is not raised further`,
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
          `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        '',
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'senders' },
            { header: 'msg/s' },
            { header: 'offered/s' },
            { header: 'delivered/s' },
            { header: 'p50 ms' },
            { header: 'p99 ms' },
            { header: 'max ms' },
            { header: 'acked' },
            { header: 'lost' },
            { header: 'dup' },
            { header: 'order' },
            { header: 'drain s' },
            { header: 'srv CPU µs/dlv' },
            { header: 'runtime µs/dlv' },
            { header: 'loadgen CPU' },
            { header: 'other CPU' },
            { header: 'step', align: 'left' },
          ],
          rows,
        ),
        ...(results.some((r) => r.reconnects > 0)
          ? ['* a worker reload closed the sockets during this step: reconnected (a fresh room) and redone']
          : []),
        '',
        'highest sustained:',
        `  ${describe('app')}`,
        `  ${describe('bare')}`,
        `  app / bare: ${format.ratio(ratio(capacity.app.deliveredPerSecond, capacity.bare.deliveredPerSecond))}`,
        `  join (${CLIENTS} sockets): app ${connections.app.connects.map((c) => (c.connectMs / 1000).toFixed(2)).join(', ')} s, ` +
          `bare ${connections.bare.connects.map((c) => (c.connectMs / 1000).toFixed(2)).join(', ')} s`,
        ...(capacity.app.deliveredPerSecond === null && capacity.bare.deliveredPerSecond === null
          ? [
              `note: neither target sustained even the first step (${steps[0]} senders): on a quiet machine both ` +
                'should; with this much other load there is nothing to compare. Rerun when the machine is calmer.',
            ]
          : []),
        ...(loadgenBusiest > 80
          ? [
              `note: the load generator reached ${format.percent(loadgenBusiest)} of a core: at the top steps it, not ` +
                'the server, may be the limit (it parses every frame of 200 sockets on the same 2 cores)',
            ]
          : []),
        ...(busiest > 25
          ? [
              `note: other processes used up to ${format.percent(busiest)} CPU during these steps: latency, and so ` +
                'where each limit falls, is disturbed; compare the targets within this run.',
            ]
          : []),
      ].join('\n');

      return {
        report,
        goals,
        result: {
          scenario: 'rooms-capacity',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          schedule: {
            clients: CLIENTS,
            steps,
            perSenderRate: PER_SENDER_RATE,
            stepSeconds: seconds,
            drainSeconds: DRAIN_SECONDS,
            p99LimitMs: TARGETS.roomCapacityP99Ms,
          },
          users: { registered: users.length, registrationMs: registered.ms },
          targets: {
            app: { url: app.url, command: app.command },
            bare: { url: bare.url, command: bare.command },
          },
          connections,
          steps: results,
          capacity: {
            app: { ...capacity.app, step: capacity.app.step?.senders ?? null },
            bare: { ...capacity.bare, step: capacity.bare.step?.senders ?? null },
          },
          goals,
        },
      };
    } finally {
      await Promise.allSettled(Object.values(rooms).map((room) => room?.close()));
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};
