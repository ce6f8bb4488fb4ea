// Coworking sessions (issue 11, item 12): one session of 50 connected participants, the
// host's pause/resume fanned out as `timer` frames and reactions fanned out as `reaction`
// frames, each against bench/bare-rooms relaying the same frames to 50 sockets; the 60-way
// join race on a capacity-10 session (exact counts); and nearby over 100 000 sessions,
// the app's SQL with its partial index against the same SQL as a full scan.
import { setTimeout as sleep } from 'node:timers/promises';
import { api, apiOk, registerUsers } from '../lib/accounts.mjs';
import { cpuSnapshot, cpuUsage } from '../lib/cpu.mjs';
import { describeEnvironment } from '../lib/environment.mjs';
import { summarizeLatency } from '../lib/load.mjs';
import { CITY, cityPoint, prepareNearbyDb, random, timeNearbySql } from '../lib/nearby-data.mjs';
import { format, ratio, table } from '../lib/report.mjs';
import { retryAfterRestart } from '../lib/scenario.mjs';
import { liveGroups } from '../lib/servers.mjs';
import { startBareRooms, startHearth } from '../lib/targets.mjs';

const DESCRIPTION =
  'coworking: pause → last timer frame and reaction fan-out in a 50-person session (vs a relay-only Durable Object), the 60-way join race, nearby over 100 000 sessions (index vs full scan)';
/** The host and 49 remote joiners, all connected. */
const SESSION_CLIENTS = 50;
const RACE_ACCOUNTS = 60;
const RACE_CAPACITY = 10;
const NEARBY_SESSIONS = 100_000;
/** A fifth of the sessions in one city (CITY in lib/nearby-data.mjs), the rest over the globe. */
const NEARBY_CITY_SHARE = 0.2;
const NEARBY_RADIUS_M = 500;
/**
 * Between two controls of the host: every frame of a user takes a token of the room's bucket
 * (burst 20, 5 per second, src/realtime/room-base.ts), so at most 4 controls a second.
 */
const CONTROL_SPACING_MS = 300;
/** Reactions per second, all participants together: 0.4 per user, under the bucket's 1 per 2 s. */
const REACTION_RATE = 20;
const REACTION_DRAIN_SECONDS = 10;
const FANOUT_TIMEOUT_MS = 5000;

/** @param {import('../lib/scenario.mjs').Settings} settings */
const plan = (settings) =>
  settings.quick
    ? { timerRounds: 40, reactionSeconds: 6, nearbyRequests: 100, sqlPoints: 100 }
    : { timerRounds: 160, reactionSeconds: 16, nearbyRequests: 300, sqlPoints: 300 };

/**
 * @typedef {object} Client
 * @property {number} index
 * @property {WebSocket} ws
 * @property {((data: string, now: number) => void) | null} onFrame what the current step does with a frame
 * @property {boolean} closed
 * @property {string} welcome its welcome frame
 */

/**
 * Opens `count` sockets (8 at a time), each ready once its `welcome` came, then waits for
 * presence traffic to settle. Throws when any fails.
 * @param {{ label: string, count: number, endpoint: (index: number) => Promise<{ url: string, headers: Record<string, string> }> }} options
 */
async function openClients({ label, count, endpoint }) {
  /** @type {Client[]} */
  const clients = [];
  let lastFrameAt = performance.now();
  let next = 0;
  /** @type {string | null} */
  let failure = null;
  let unexpectedCloses = 0;
  let closing = false;
  const started = performance.now();
  const connectOne = async (/** @type {number} */ index) => {
    const { url, headers } = await endpoint(index);
    const ws = new WebSocket(url, /** @type {any} */ ({ headers }));
    /** @type {Client} */
    const client = { index, ws, onFrame: null, closed: false, welcome: '' };
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        failure ??= `socket ${index}: no welcome within 30 s`;
        resolve(undefined);
      }, 30_000);
      let welcomed = false;
      ws.addEventListener('message', (event) => {
        const now = performance.now();
        lastFrameAt = now;
        const data = String(event.data);
        if (!welcomed && data.startsWith('{"type":"welcome"')) {
          welcomed = true;
          client.welcome = data;
          clients[index] = client;
          clearTimeout(timer);
          resolve(undefined);
          return;
        }
        client.onFrame?.(data, now);
      });
      ws.addEventListener('close', (event) => {
        client.closed = true;
        if (!welcomed) {
          failure ??= `socket ${index} closed before its welcome: ${event.code} ${event.reason}`;
          clearTimeout(timer);
          resolve(undefined);
        } else if (!closing) unexpectedCloses++;
      });
    });
  };
  await Promise.all(
    Array.from({ length: Math.min(8, count) }, async () => {
      while (next < count && !failure) {
        const index = next++;
        try {
          await connectOne(index);
        } catch (error) {
          failure ??= `socket ${index}: ${/** @type {Error} */ (error).message}`;
        }
      }
    }),
  );
  const connectMs = performance.now() - started;
  const close = async () => {
    closing = true;
    for (const client of clients.filter(Boolean)) {
      try {
        client.ws.close(1000, 'bench done');
      } catch {
        // Already closed.
      }
    }
    const deadline = performance.now() + 5000;
    while (clients.some((client) => client && !client.closed) && performance.now() < deadline) await sleep(50);
  };
  if (failure || clients.filter(Boolean).length !== count) {
    await close();
    throw new Error(`${label}: not every socket connected (${failure ?? 'unknown'})`);
  }
  const settleStarted = performance.now();
  while (performance.now() - lastFrameAt < 500 && performance.now() - settleStarted < 20_000) await sleep(100);
  return { clients, connectMs, close, unexpectedCloses: () => unexpectedCloses };
}

/** @typedef {Awaited<ReturnType<typeof openClients>>} OpenRoom */

/**
 * Rounds of one frame fanned out to every client: `trigger(round)` sends it, `matches(round, data)`
 * recognises its copy; per round, the time from the send to the LAST client's receipt.
 * @param {object} options
 * @param {Client[]} options.clients
 * @param {number} options.rounds
 * @param {(round: number) => void} options.trigger
 * @param {(round: number, data: string) => boolean} options.matches
 * @param {(data: string) => string | null} [options.error] an error frame's code, if `data` is one
 */
async function fanOutRounds({ clients, rounds, trigger, matches, error }) {
  const last = [];
  const first = [];
  let missed = 0;
  /** @type {Record<string, number>} */
  const errors = {};
  for (let round = 0; round < rounds; round++) {
    // A socket the server closed (a worker reload) spoils the rest: the caller reopens and redoes.
    if (clients.some((client) => client.closed)) break;
    let remaining = clients.length;
    let lastAt = 0;
    let firstAt = Infinity;
    const received = new Set();
    /** @type {() => void} */
    let done = () => {};
    const all = new Promise((resolve) => {
      done = () => resolve(undefined);
    });
    for (const client of clients) {
      client.onFrame = (data, now) => {
        const code = error?.(data);
        if (code) errors[code] = (errors[code] ?? 0) + 1;
        if (received.has(client.index) || !matches(round, data)) return;
        received.add(client.index);
        lastAt = Math.max(lastAt, now);
        firstAt = Math.min(firstAt, now);
        if (--remaining === 0) done();
      };
    }
    const started = performance.now();
    trigger(round);
    await Promise.race([all, sleep(FANOUT_TIMEOUT_MS)]);
    if (remaining === 0) {
      last.push(lastAt - started);
      first.push(firstAt - started);
    } else if (!clients.some((client) => client.closed)) missed += remaining;
    const wait = started + CONTROL_SPACING_MS - performance.now();
    if (wait > 0) await sleep(wait);
  }
  for (const client of clients) client.onFrame = null;
  return { last, first, missed, errors };
}

/**
 * Reactions (or their stand-in) at `rate` a second in all, sender j % clients for the j-th,
 * evenly spaced, open loop; every client should receive every accepted one.
 * `parse(data)` gives a received frame's sender index and its number k among that sender's
 * (the app's reaction frames carry no id: a socket's frames arrive in order, so the k-th reaction
 * of user u that a client sees is u's k-th accepted one), or null for any other frame.
 * @param {object} options
 * @param {Client[]} options.clients
 * @param {number} options.rate
 * @param {number} options.seconds
 * @param {(sender: number, k: number) => void} options.send
 * @param {(client: Client, data: string) => { from: number, k: number } | null} options.parse
 * @param {(data: string) => string | null} options.error
 * @param {{ pid: number }} options.server
 */
async function reactionLoad({ clients, rate, seconds, send, parse, error, server }) {
  const n = clients.length;
  /** @type {number[][]} */
  const sentAt = Array.from({ length: n }, () => []);
  /** @type {Record<string, number>} */
  const errors = {};
  const latencies = [];
  let delivered = 0;
  let deliveredInWindow = 0;
  let windowEnd = Infinity;
  let lastDeliveryAt = 0;
  for (const client of clients) {
    client.onFrame = (data, now) => {
      const code = error(data);
      if (code) {
        errors[code] = (errors[code] ?? 0) + 1;
        return;
      }
      const got = parse(client, data);
      if (!got) return;
      delivered++;
      lastDeliveryAt = now;
      if (now <= windowEnd) deliveredInWindow++;
      const at = sentAt[got.from]?.[got.k];
      if (at !== undefined) latencies.push(now - at);
    };
  }
  const groups = liveGroups();
  const cpuBefore = cpuSnapshot(groups);
  const total = Math.round(rate * seconds);
  const spacing = 1000 / rate;
  const started = performance.now();
  windowEnd = started + seconds * 1000;
  let sent = 0;
  while (sent < total) {
    const wait = started + sent * spacing - performance.now();
    if (wait > 1) await sleep(wait);
    while (sent < total && started + sent * spacing <= performance.now() + 0.5) {
      const from = sent % n;
      sentAt[from].push(performance.now());
      send(from, sentAt[from].length - 1);
      sent++;
    }
  }
  if (performance.now() < windowEnd) await sleep(windowEnd - performance.now());
  const refused = () => Object.values(errors).reduce((a, b) => a + b, 0);
  const expected = () => (sent - refused()) * n;
  const drainStarted = performance.now();
  let progressAt = performance.now();
  let seen = delivered;
  while (delivered < expected() && performance.now() - drainStarted < REACTION_DRAIN_SECONDS * 1000) {
    if (delivered !== seen) {
      seen = delivered;
      progressAt = performance.now();
    } else if (performance.now() - progressAt > 3000) break;
    await sleep(50);
  }
  const cpu = cpuUsage(cpuBefore, cpuSnapshot(groups), server.pid);
  for (const client of clients) client.onFrame = null;
  return {
    clients: n,
    rate,
    seconds,
    sent,
    refused: refused(),
    errors,
    offeredPerSecond: rate * n,
    expectedDeliveries: expected(),
    delivered,
    deliveredPerSecond: deliveredInWindow / seconds,
    lost: Math.max(0, expected() - delivered),
    extra: Math.max(0, delivered - expected()),
    drainMs: Math.max(0, (lastDeliveryAt || performance.now()) - windowEnd),
    // Latency pairs the k-th frame with the k-th send only while nothing was refused.
    latency: refused() === 0 ? summarizeLatency(Float64Array.from(latencies)) : null,
    serverCpuUsPerDelivery: cpu.server && delivered ? (1e6 * cpu.server.total) / delivered : null,
    runtimeCpuUsPerDelivery: cpu.server && delivered ? (1e6 * cpu.server.runtime) / delivered : null,
    loadgenCpuPercent: (100 * cpu.loadgen) / cpu.seconds,
    backgroundCpuPercent: cpu.background === null ? null : (100 * cpu.background) / cpu.seconds,
  };
}

/** An error frame's code, cheaply. @param {string} data */
const errorCode = (data) => (data.startsWith('{"type":"error"') ? (JSON.parse(data).code ?? 'error') : null);

/** @param {ArrayLike<number>} samples */
const latencyOf = (samples) => summarizeLatency(Float64Array.from(samples));

/** @type {import('../lib/scenario.mjs').Scenario} */
export default {
  name: 'coworking',
  description: DESCRIPTION,
  // Filling D1 (~10 s), 61 sign-ups (~30–60 s), the race, 100 sockets, the timer rounds at
  // CONTROL_SPACING_MS for both targets, two reaction windows with their drains, nearby.
  estimateSeconds: (settings) => {
    const p = plan(settings);
    return 10 + 61 * 0.75 + 15 + (2 * p.timerRounds * CONTROL_SPACING_MS) / 1000 + 2 * (p.reactionSeconds + 5) + 30;
  },

  async run({ settings, verbose, log }) {
    const startedAt = new Date().toISOString();
    const environment = describeEnvironment();
    const p = plan(settings);
    /** @type {import('../lib/servers.mjs').Server[]} */
    const started = [];
    /** @type {(() => Promise<void>)[]} */
    const sockets = [];
    try {
      log(
        `filling a fresh local D1 with ${format.count(NEARBY_SESSIONS)} public sessions (migrations, then node:sqlite)…`,
      );
      const nearbyDb = await prepareNearbyDb({ count: NEARBY_SESSIONS, cityShare: NEARBY_CITY_SHARE });
      log(
        `migrations ${(nearbyDb.migrateMs / 1000).toFixed(1)} s, ${format.count(nearbyDb.count)} rows in ` +
          `${(nearbyDb.insertMs / 1000).toFixed(1)} s (${format.count(nearbyDb.city)} in the city)`,
      );

      log('starting the app on that state dir (scripts/dev.mjs: migrations, web build, wrangler dev)…');
      const app = await startHearth({ verbose, persistTo: nearbyDb.persistTo });
      started.push(app);

      const accountsNeeded = 1 + Math.max(RACE_ACCOUNTS, SESSION_CLIENTS - 1);
      log(`registering ${accountsNeeded} users (one scrypt each), 9 per made-up CF-Connecting-IP…`);
      const registered = await registerUsers(app, { count: accountsNeeded, prefix: 'cowork', ipSalt: 47 });
      const users = registered.accounts;
      log(`${users.length} users in ${(registered.ms / 1000).toFixed(1)} s`);
      if (users.length < accountsNeeded) {
        throw new Error(`only ${users.length} of ${accountsNeeded} users could register: ${registered.limited}`);
      }
      const host = users[0];

      // ---- 1. the join race ---------------------------------------------------------------------
      const racers = users.slice(1, 1 + RACE_ACCOUNTS);
      const balancesOf = () =>
        Promise.all(
          racers.map(
            async (user) =>
              /** @type {number} */ (
                (await apiOk(app, 'GET', '/api/coworking/passes', 200, { token: user.accessToken })).body.balance
              ),
          ),
        );
      const balancesBefore = await balancesOf();
      const initialPasses = Math.max(...balancesBefore);
      log(`join race: ${racers.length} accounts join a capacity-${RACE_CAPACITY} session at once (remote: true)…`);
      // A worker reload mid-race (503s, dropped connections) measures the reload: a fresh session, again.
      const { value: raceRun, failedTries: raceRetries } = await retryAfterRestart(
        app,
        async () => {
          const raceSession = await apiOk(app, 'POST', '/api/coworking/sessions', 201, {
            token: host.accessToken,
            body: { title: 'bench join race', durationMinutes: 60, visibility: 'public', capacity: RACE_CAPACITY },
          });
          const raceId = raceSession.body.id;
          const raceStarted = performance.now();
          const answers = await Promise.all(
            racers.map(async (user) => {
              try {
                const result = await api(app, 'POST', `/api/coworking/sessions/${raceId}/join`, {
                  token: user.accessToken,
                  body: { remote: true },
                });
                return { status: result.status, code: result.body?.code ?? null, at: performance.now() - raceStarted };
              } catch (error) {
                return { status: 0, code: /** @type {Error} */ (error).message, at: performance.now() - raceStarted };
              }
            }),
          );
          const broken = answers.filter((answer) => answer.status === 0 || answer.status >= 500);
          if (broken.length > 0) {
            throw new Error(`${broken.length} joins failed (${broken[0].status} ${broken[0].code}): a worker reload?`);
          }
          return { raceId, answers };
        },
        { label: 'join race', log },
      );
      const { raceId, answers } = raceRun;
      const raceWallMs = Math.max(...answers.map((answer) => answer.at));
      /** @type {Record<string, number>} */
      const statuses = {};
      for (const answer of answers) {
        const key = answer.code ? `${answer.status} ${answer.code}` : String(answer.status);
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
      const joined = answers.filter((answer) => answer.status === 201).length;
      const full = answers.filter((answer) => answer.status === 409 && answer.code === 'session_full').length;
      // Passes: exactly one spent per seat taken, nothing for a refusal.
      const balancesAfter = await balancesOf();
      const passesSpent = balancesAfter.reduce((sum, balance, i) => sum + (balancesBefore[i] - balance), 0);
      const details = await apiOk(app, 'GET', `/api/coworking/sessions/${raceId}`, 200, { token: host.accessToken });
      const race = {
        accounts: racers.length,
        capacity: RACE_CAPACITY,
        wallMs: raceWallMs,
        answerMs: latencyOf(answers.map((answer) => answer.at)),
        statuses,
        joined,
        full,
        passesSpent,
        initialPasses,
        seatsTaken: details.body.seatsTaken,
        retries: raceRetries,
      };
      const raceExact =
        joined === RACE_CAPACITY &&
        full === RACE_ACCOUNTS - RACE_CAPACITY &&
        passesSpent === RACE_CAPACITY &&
        race.seatsTaken === RACE_CAPACITY;
      log(
        `join race: ${Object.entries(statuses)
          .map(([key, count]) => `${count} × ${key}`)
          .join(', ')} in ${format.ms(raceWallMs)} ms; ${passesSpent} passes spent, ${race.seatsTaken} seats taken`,
      );

      // ---- 2. the 50-person session -------------------------------------------------------------
      const { value: session } = await retryAfterRestart(
        app,
        () =>
          apiOk(app, 'POST', '/api/coworking/sessions', 201, {
            token: host.accessToken,
            body: { title: 'bench fan-out', durationMinutes: 480, visibility: 'public', capacity: SESSION_CLIENTS },
          }),
        { label: 'creating the session', log },
      );
      const sessionId = session.body.id;
      const members = users.slice(0, SESSION_CLIENTS);
      log(`${SESSION_CLIENTS - 1} remote joins, then ${SESSION_CLIENTS} sockets (a ticket each) on each target…`);
      // Tried again after a reload; a join that had gone through answers 200 (already in, nothing spent).
      await retryAfterRestart(
        app,
        async () => {
          for (let i = 1; i < members.length; i += 4) {
            await Promise.all(
              members.slice(i, i + 4).map(async (user) => {
                const result = await api(app, 'POST', `/api/coworking/sessions/${sessionId}/join`, {
                  token: user.accessToken,
                  body: { remote: true },
                });
                if (result.status !== 201 && result.status !== 200) {
                  throw new Error(`joining answered ${result.status}: ${result.text.slice(0, 200)}`);
                }
              }),
            );
          }
        },
        { label: 'joining the session', log },
      );

      const servers = { app, bare: /** @type {import('../lib/servers.mjs').Server} */ (/** @type {unknown} */ (null)) };
      const timerPhase = (/** @type {string} */ data) =>
        data.startsWith('{"type":"timer"') ? JSON.parse(data).phase : null;
      /** The timer's phase as the app last said; the host's controls alternate from it. */
      let phase = 'lobby';
      /** @type {Record<'app' | 'bare', OpenRoom>} */
      const rooms = /** @type {any} */ ({});
      /** Rooms reopened after the server closed their sockets (a worker reload), per target. */
      const reopened = { app: 0, bare: 0 };
      /** @type {Record<'app' | 'bare', number>} sockets the server closed, over every room opened */
      const unexpectedCloses = { app: 0, bare: 0 };
      /**
       * Opens the target's room (tries again after a reload); the app's is brought to `running` once
       * (the host's `control start`) and otherwise picks up the phase its host's welcome says.
       * @param {'app' | 'bare'} target
       */
      const openRoomOf = async (target) => {
        const { value } = await retryAfterRestart(
          servers[target],
          () =>
            target === 'app'
              ? openClients({
                  label: 'app session',
                  count: SESSION_CLIENTS,
                  endpoint: async (index) => {
                    const ticket = await apiOk(app, 'POST', `/api/coworking/sessions/${sessionId}/ticket`, 200, {
                      token: members[index].accessToken,
                    });
                    // The URL names APP_URL (ws://localhost:<port>); the server listens on 127.0.0.1.
                    const url = new URL(ticket.body.url);
                    return {
                      url: `ws://127.0.0.1:${app.port}${url.pathname}${url.search}`,
                      headers: { Origin: `http://localhost:${app.port}` },
                    };
                  },
                })
              : openClients({
                  label: 'bare room',
                  count: SESSION_CLIENTS,
                  endpoint: async () => ({
                    url: `${servers.bare.url.replace(/^http/, 'ws')}/ws?room=coworking-fanout`,
                    headers: { Origin: `http://localhost:${servers.bare.port}` },
                  }),
                }),
          { label: `opening the ${target} room`, log },
        );
        rooms[target] = value;
        if (target === 'app') {
          phase = JSON.parse(value.clients[0].welcome).timer?.phase ?? 'lobby';
          if (phase === 'lobby') {
            // Start the timer, every client seeing it, before the rounds.
            const start = await fanOutRounds({
              clients: value.clients,
              rounds: 1,
              trigger: () => value.clients[0].ws.send(JSON.stringify({ type: 'control', action: 'start' })),
              matches: (_, data) => timerPhase(data) === 'running',
              error: errorCode,
            });
            if (start.missed > 0 || start.last.length === 0) {
              throw new Error(`start: ${start.missed} clients saw no running timer (${JSON.stringify(start.errors)})`);
            }
            phase = 'running';
          }
        }
        return value;
      };
      /**
       * Runs `work` on the target's room; when the server closed sockets meanwhile (a worker reload
       * after an edit under src/), reopens the room and redoes it, at most twice.
       * @template T
       * @param {'app' | 'bare'} target
       * @param {string} label
       * @param {(room: OpenRoom) => Promise<T>} work
       * @returns {Promise<T>}
       */
      const onRoom = async (target, label, work) => {
        for (let attempt = 1; ; attempt++) {
          const room = rooms[target];
          const value = await work(room);
          const closed = room.unexpectedCloses();
          if (closed === 0) return value;
          unexpectedCloses[target] += closed;
          reopened[target]++;
          if (attempt >= 3) throw new Error(`${label}: the server closed sockets in ${attempt} attempts`);
          log(`${label}: the server closed ${closed} sockets (a worker reload?); reopening the room and redoing it…`);
          await room.close();
          await servers[target].ready();
          await openRoomOf(target);
        }
      };

      await openRoomOf('app');
      sockets.push(() => rooms.app.close());
      log('starting the bare rooms worker…');
      servers.bare = await startBareRooms({ verbose });
      const bare = servers.bare;
      started.push(bare);
      await openRoomOf('bare');
      sockets.push(() => rooms.bare.close());
      log(
        `connected: app ${(rooms.app.connectMs / 1000).toFixed(1)} s, bare ${(rooms.bare.connectMs / 1000).toFixed(1)} s`,
      );

      // ---- 2a. pause/resume → the last client's timer frame, ABBA halves --------------------------
      /** @type {Record<'app' | 'bare', { last: number[], first: number[], missed: number, errors: Record<string, number> }>} */
      const timer = {
        app: { last: [], first: [], missed: 0, errors: {} },
        bare: { last: [], first: [], missed: 0, errors: {} },
      };
      const half = Math.ceil(p.timerRounds / 2);
      let bareRound = 0;
      const timerBlock = async (/** @type {'app' | 'bare'} */ target) => {
        const result = await onRoom(target, `timer fan-out ${target}`, (room) => {
          if (target === 'app') {
            /** @type {string[]} */
            const expect = [];
            return fanOutRounds({
              clients: room.clients,
              rounds: half,
              trigger: (round) => {
                const action = phase === 'running' ? 'pause' : 'resume';
                phase = action === 'pause' ? 'paused' : 'running';
                expect[round] = phase;
                room.clients[0].ws.send(JSON.stringify({ type: 'control', action }));
              },
              matches: (round, data) => timerPhase(data) === expect[round],
              error: errorCode,
            });
          }
          const first = bareRound;
          bareRound += half;
          return fanOutRounds({
            clients: room.clients,
            rounds: half,
            trigger: (round) =>
              room.clients[0].ws.send(
                JSON.stringify({ type: 'send', clientId: `timer-${first + round}`, text: 'timer' }),
              ),
            matches: (round, data) =>
              data.startsWith('{"type":"message"') && data.includes(`"clientId":"timer-${first + round}"`),
          });
        });
        timer[target].last.push(...result.last);
        timer[target].first.push(...result.first);
        timer[target].missed += result.missed;
        for (const [code, count] of Object.entries(result.errors)) {
          timer[target].errors[code] = (timer[target].errors[code] ?? 0) + count;
        }
        log(
          `timer fan-out ${target}: ${result.last.length} rounds, last client p50 ${format.ms(latencyOf(result.last).p50)} ms` +
            (result.missed ? `, ${result.missed} receipts missing` : ''),
        );
      };
      log(
        `timer fan-out: ${p.timerRounds} rounds per target, ${CONTROL_SPACING_MS} ms apart, order app, bare, bare, app…`,
      );
      for (const target of /** @type {const} */ (['app', 'bare', 'bare', 'app'])) await timerBlock(target);

      // ---- 2b. reactions ------------------------------------------------------------------------
      const userIndex = new Map(members.map((user, i) => [user.userId, i]));
      log(
        `reactions: ${REACTION_RATE}/s from all ${SESSION_CLIENTS} (${(REACTION_RATE / SESSION_CLIENTS).toFixed(1)}/s each) for ` +
          `${p.reactionSeconds} s on each target…`,
      );
      const reactions = {
        app: await onRoom('app', 'reactions app', (room) => {
          /** per client, reaction frames seen from each sender */
          const seenFrom = room.clients.map(() => new Array(SESSION_CLIENTS).fill(0));
          return reactionLoad({
            clients: room.clients,
            rate: REACTION_RATE,
            seconds: p.reactionSeconds,
            send: (from) => room.clients[from].ws.send(JSON.stringify({ type: 'react', emoji: '👏' })),
            parse: (client, data) => {
              if (!data.startsWith('{"type":"reaction"')) return null;
              const from = userIndex.get(JSON.parse(data).userId);
              return from === undefined ? null : { from, k: seenFrom[client.index][from]++ };
            },
            error: errorCode,
            server: app,
          });
        }),
        bare: await onRoom('bare', 'reactions bare', (room) =>
          reactionLoad({
            clients: room.clients,
            rate: REACTION_RATE,
            seconds: p.reactionSeconds,
            send: (from, k) =>
              room.clients[from].ws.send(JSON.stringify({ type: 'send', clientId: `react-${from}-${k}`, text: '👏' })),
            parse: (_, data) => {
              if (!data.startsWith('{"type":"message"')) return null;
              const match = /"clientId":"react-(\d+)-(\d+)"/.exec(data);
              return match ? { from: Number(match[1]), k: Number(match[2]) } : null;
            },
            error: errorCode,
            server: bare,
          }),
        ),
      };
      for (const target of /** @type {const} */ (['app', 'bare'])) {
        const r = reactions[target];
        log(
          `reactions ${target}: ${format.count(r.deliveredPerSecond)} delivered/s of ${format.count(r.offeredPerSecond)} offered, ` +
            `lost ${r.lost}, refused ${r.refused}`,
        );
      }
      const connect = { appMs: rooms.app.connectMs, bareMs: rooms.bare.connectMs };
      for (const close of sockets.splice(0)) await close();

      // ---- 3. nearby --------------------------------------------------------------------------------
      const rand = random(23);
      const points = Array.from({ length: Math.max(p.nearbyRequests, p.sqlPoints) }, () => cityPoint(rand));
      log(
        `nearby: ${p.nearbyRequests} GET /api/coworking/sessions/nearby (radius ${NEARBY_RADIUS_M} m), one at a time…`,
      );
      for (const point of points.slice(0, 5)) {
        await apiOk(app, 'GET', nearbyPath(point), 200, { token: host.accessToken });
      }
      const httpMs = [];
      let httpItems = 0;
      let httpFailures = 0;
      for (const point of points.slice(0, p.nearbyRequests)) {
        const result = await api(app, 'GET', nearbyPath(point), { token: host.accessToken });
        if (result.status !== 200) {
          httpFailures++;
          continue;
        }
        httpMs.push(result.ms);
        httpItems += result.body.items.length;
      }
      log(`nearby SQL: ${p.sqlPoints} points, with the index and NOT INDEXED, on a copy of the D1 file…`);
      const sql = await timeNearbySql({
        file: nearbyDb.file,
        points: points.slice(0, p.sqlPoints),
        radius: NEARBY_RADIUS_M,
      });
      const nearby = {
        sessions: NEARBY_SESSIONS,
        inCity: nearbyDb.city,
        radiusMeters: NEARBY_RADIUS_M,
        http: {
          requests: p.nearbyRequests,
          failures: httpFailures,
          meanItems: httpItems / Math.max(1, httpMs.length),
          latency: latencyOf(httpMs),
        },
        indexed: latencyOf(sql.indexedMs),
        scan: latencyOf(sql.scanMs),
        meanCandidates: sql.meanCandidates,
        mismatches: sql.mismatches,
        plans: sql.plans,
        sqliteVersion: sql.sqlite,
      };
      const usesIndex = nearby.plans.indexed.some((line) => line.includes('coworking_sessions_nearby_idx'));

      // ---- report -----------------------------------------------------------------------------------
      const timerSummary = {
        app: { last: latencyOf(timer.app.last), first: latencyOf(timer.app.first) },
        bare: { last: latencyOf(timer.bare.last), first: latencyOf(timer.bare.first) },
      };
      const comparisons = {
        timerP50: ratio(timerSummary.app.last.p50, timerSummary.bare.last.p50),
        timerP99: ratio(timerSummary.app.last.p99, timerSummary.bare.last.p99),
        reactionDelivered: ratio(reactions.app.deliveredPerSecond, reactions.bare.deliveredPerSecond),
        reactionP50: ratio(reactions.app.latency?.p50, reactions.bare.latency?.p50),
        reactionCpu: ratio(reactions.app.serverCpuUsPerDelivery, reactions.bare.serverCpuUsPerDelivery),
        nearbyIndexSpeedup: ratio(nearby.scan.p50, nearby.indexed.p50),
      };
      const timerRow = (/** @type {'app' | 'bare'} */ target) => {
        const t = timerSummary[target];
        const errors = Object.values(timer[target].errors).reduce((a, b) => a + b, 0);
        return [
          reopened[target] ? `${target} *` : target,
          target === 'app' ? 'host control pause/resume → timer' : 'one client send → message',
          String(t.last.count),
          format.ms(t.first.p50),
          format.ms(t.last.p50),
          format.ms(t.last.p90),
          format.ms(t.last.p99),
          format.ms(t.last.max),
          format.count(timer[target].missed),
          format.count(errors),
        ];
      };
      const reactionRow = (/** @type {'app' | 'bare'} */ target) => {
        const r = reactions[target];
        return [
          reopened[target] ? `${target} *` : target,
          format.count(r.sent),
          format.count(r.refused),
          format.count(r.offeredPerSecond),
          format.count(r.deliveredPerSecond),
          `${format.count(r.delivered)}/${format.count(r.expectedDeliveries)}`,
          format.count(r.lost),
          format.ms(r.latency?.p50 ?? Number.NaN),
          format.ms(r.latency?.p99 ?? Number.NaN),
          (r.drainMs / 1000).toFixed(1),
          format.us(r.serverCpuUsPerDelivery),
          format.us(r.runtimeCpuUsPerDelivery),
          format.percent(r.loadgenCpuPercent),
          format.percent(r.backgroundCpuPercent),
        ];
      };
      const checks = [
        [
          `join race: exactly ${RACE_CAPACITY} × 201 and ${RACE_ACCOUNTS - RACE_CAPACITY} × 409 session_full, ${RACE_CAPACITY} passes spent`,
          `${joined} × 201, ${full} × 409 session_full; ${passesSpent} passes spent, ${race.seatsTaken} seats`,
          raceExact ? 'yes' : 'NO',
        ],
        [
          'timer: every client got every timer frame',
          `${timer.app.missed} missing, ${Object.values(timer.app.errors).reduce((a, b) => a + b, 0)} error frames`,
          timer.app.missed === 0 && Object.keys(timer.app.errors).length === 0 ? 'yes' : 'NO',
        ],
        [
          'reactions: none refused or lost (rate within the per-user bucket)',
          `${reactions.app.refused} refused, ${reactions.app.lost} lost`,
          reactions.app.refused === 0 && reactions.app.lost === 0 ? 'yes' : 'NO',
        ],
        [
          'nearby: the plan searches coworking_sessions_nearby_idx; same rows as the scan',
          `${nearby.plans.indexed.join('; ')}; ${nearby.mismatches} mismatches`,
          usesIndex && nearby.mismatches === 0 ? 'yes' : 'NO',
        ],
      ];
      const busiest = Math.max(reactions.app.backgroundCpuPercent ?? 0, reactions.bare.backgroundCpuPercent ?? 0);
      const report = [
        'coworking: one session of 50 connected participants, the join race and nearby (wrangler dev, local)',
        `  ${users.length} users registered in ${(registered.ms / 1000).toFixed(0)} s; the session: host + ${SESSION_CLIENTS - 1} remote ` +
          `joiners, a socket each (ticket, Origin); bare: bench/bare-rooms with ${SESSION_CLIENTS} sockets in one room`,
        `  ${environment.cpus} CPUs, load average at start ${environment.loadAverage.join(' ')}, node ${environment.node}, ` +
          `wrangler ${environment.versions.wrangler}, git ${environment.git.commit?.slice(0, 7) ?? '?'}${environment.git.dirty ? ' (dirty)' : ''}`,
        '',
        `timer fan-out: from the send to the LAST of ${SESSION_CLIENTS} clients' receipt, ms (rounds ${CONTROL_SPACING_MS} ms apart, halves ABBA)`,
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'frame', align: 'left' },
            { header: 'rounds' },
            { header: 'first p50' },
            { header: 'last p50' },
            { header: 'last p90' },
            { header: 'last p99' },
            { header: 'last max' },
            { header: 'missing' },
            { header: 'errors' },
          ],
          [timerRow('app'), timerRow('bare')],
        ),
        `  app / bare: p50 ${format.ratio(comparisons.timerP50)}   p99 ${format.ratio(comparisons.timerP99)}` +
          '   (app: pause/resume saved to storage, the end alarm cancelled or set, then the broadcast; D1 after it)',
        '',
        `reactions: ${REACTION_RATE}/s spread over all ${SESSION_CLIENTS} users (one each every ${(SESSION_CLIENTS / REACTION_RATE).toFixed(1)} s; ` +
          `bucket: 5, then 1 per 2 s), ${p.reactionSeconds} s, open loop; bare: the same sends as \`send\` → \`message\``,
        table(
          [
            { header: 'target', align: 'left' },
            { header: 'sent' },
            { header: 'refused' },
            { header: 'offered/s' },
            { header: 'delivered/s' },
            { header: 'received' },
            { header: 'lost' },
            { header: 'p50 ms' },
            { header: 'p99 ms' },
            { header: 'drain s' },
            { header: 'srv CPU µs/dlv' },
            { header: 'runtime µs/dlv' },
            { header: 'loadgen CPU' },
            { header: 'other CPU' },
          ],
          [reactionRow('app'), reactionRow('bare')],
        ),
        `  app / bare: delivered/s ${format.ratio(comparisons.reactionDelivered)}   p50 ${format.ratio(comparisons.reactionP50)}   ` +
          `server CPU per delivery ${format.ratio(comparisons.reactionCpu)}`,
        '',
        `join race: ${RACE_ACCOUNTS} accounts (${initialPasses} passes each) POST …/join { remote: true } at once, capacity ${RACE_CAPACITY}` +
          (race.retries ? ` (redone ${race.retries}× after a worker reload)` : ''),
        `  wall ${format.ms(raceWallMs)} ms from the first request to the last answer (answers p50 ${format.ms(race.answerMs.p50)} ms); ` +
          Object.entries(statuses)
            .map(([key, count]) => `${count} × ${key}`)
            .join(', '),
        '',
        `nearby: ${format.count(NEARBY_SESSIONS)} public lobby sessions (${format.count(nearbyDb.city)} in a ` +
          `${Math.round(CITY.halfLat * 2 * 111)} km city, the rest over the globe), radius ${NEARBY_RADIUS_M} m at random city points`,
        table(
          [
            { header: 'query', align: 'left' },
            { header: 'runs' },
            { header: 'p50 ms' },
            { header: 'p90 ms' },
            { header: 'p99 ms' },
            { header: 'max ms' },
          ],
          [
            ['GET /api/coworking/sessions/nearby (HTTP, app)', nearby.http.latency, nearby.http.latency.count],
            ['SQL with coworking_sessions_nearby_idx', nearby.indexed, nearby.indexed.count],
            ['SQL NOT INDEXED (full scan)', nearby.scan, nearby.scan.count],
          ].map(([label, l, count]) => {
            const s = /** @type {import('../lib/load.mjs').LatencySummary} */ (l);
            return [
              String(label),
              String(count),
              format.ms(s.p50),
              format.ms(s.p90),
              format.ms(s.p99),
              format.ms(s.max),
            ];
          }),
        ),
        `  full scan / index: p50 ${format.ratio(comparisons.nearbyIndexSpeedup)}; ${nearby.meanCandidates.toFixed(1)} rows in the box, ` +
          `${nearby.http.meanItems.toFixed(1)} sessions answered per request on average${httpFailures ? `; ${httpFailures} requests failed` : ''}`,
        `  plans: index "${nearby.plans.indexed.join('; ')}", no index "${nearby.plans.scan.join('; ')}" ` +
          `(node:sqlite ${nearby.sqliteVersion} on a copy of the D1 file, the app's statement)`,
        '',
        'checks (issue 11; the only target is the exact counts):',
        table(
          [
            { header: 'check', align: 'left' },
            { header: 'measured', align: 'left' },
            { header: 'holds', align: 'left' },
          ],
          checks,
        ),
        ...(unexpectedCloses.app || unexpectedCloses.bare
          ? [
              `* the server closed sockets mid-run (a worker reload: an edit under src/): app ${unexpectedCloses.app}, ` +
                `bare ${unexpectedCloses.bare}; the room was reopened and that part redone (app ${reopened.app}×, bare ${reopened.bare}×)`,
            ]
          : []),
        ...(busiest > 25
          ? [
              `note: other processes used up to ${format.percent(busiest)} CPU during the reaction runs: latencies are disturbed.`,
            ]
          : []),
      ].join('\n');

      if (!raceExact) {
        throw new Error(`the join race did not give exact counts\n\n${report}`);
      }
      return {
        report,
        result: {
          scenario: 'coworking',
          description: DESCRIPTION,
          startedAt,
          finishedAt: new Date().toISOString(),
          settings,
          environment,
          schedule: {
            ...p,
            controlSpacingMs: CONTROL_SPACING_MS,
            reactionRate: REACTION_RATE,
            sessionClients: SESSION_CLIENTS,
          },
          users: { registered: users.length, registrationMs: registered.ms },
          targets: {
            app: { url: app.url, command: app.command },
            bare: { url: bare.url, command: bare.command },
          },
          connect,
          reopened,
          timer: {
            app: { ...timerSummary.app, missed: timer.app.missed, errors: timer.app.errors },
            bare: { ...timerSummary.bare, missed: timer.bare.missed, errors: timer.bare.errors },
          },
          reactions,
          race: { ...race, exact: raceExact, answers },
          nearby: { ...nearby, usesIndex, prepare: { migrateMs: nearbyDb.migrateMs, insertMs: nearbyDb.insertMs } },
          comparisons,
          checks: checks.map(([check, measured, holds]) => ({ check, measured, holds: holds === 'yes' })),
          unexpectedCloses,
        },
      };
    } finally {
      for (const close of sockets) await close().catch(() => {});
      await Promise.allSettled(started.map((server) => server.stop()));
    }
  },
};

/** @param {{ lat: number, lng: number }} point */
function nearbyPath(point) {
  return `/api/coworking/sessions/nearby?lat=${point.lat.toFixed(6)}&lng=${point.lng.toFixed(6)}&radius=${NEARBY_RADIUS_M}`;
}
