// Websocket load for chat rooms: N clients in one room (Node's global WebSocket,
// all in this process), fixed open-loop schedules of messages from some of them,
// and per-client accounting of what came back: delivery rate, send-to-receipt
// latency, lost / duplicated / out-of-order messages.
//
// Speaks the room protocol of SPEC §4, which bench/bare-rooms speaks too:
// `welcome { seq }` on connect, `send { clientId, text }` → `ack { clientId, seq }`
// to the sender and `message { seq, clientId, text }` to every socket, sender included.
// `presence` frames (the app's deltas, `{ member: { userId, name, connections } }`,
// sent to the others at each join and leave) are counted, not parsed.
//
// `openRoom()` connects the clients once; its `load()` runs one schedule on them and
// can be called again with more senders or a higher rate (the `rooms-capacity` ladder);
// `runRoomLoad()` is open, one load, close.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSnapshot, cpuUsage } from './cpu.mjs';
import { summarizeLatency } from './load.mjs';
import { liveGroups } from './servers.mjs';

/**
 * @typedef {object} OpenRoomOptions
 * @property {string} label
 * @property {number} clients sockets to open, all in the same room
 * @property {(index: number) => Promise<{ url: string, headers?: Record<string, string> }>} endpoint
 *   where socket `index` connects (e.g. fetches a ticket first)
 * @property {number} [connectConcurrency] sockets being opened at once
 */

/**
 * @typedef {object} LoadOptions
 * @property {string} label
 * @property {number[]} senders indices of the sockets that send; message k goes out on senders[k % senders.length]
 * @property {number} sendRate messages per second, all senders together, evenly spaced
 * @property {number} seconds how long messages are sent
 * @property {number} [drainSeconds] longest wait afterwards for the last deliveries
 * @property {{ pid: number }} [server] its process group's CPU is reported
 */

/** @typedef {OpenRoomOptions & LoadOptions} RoomLoadOptions */

/**
 * @typedef {object} ConnectStats
 * @property {number} clients sockets that got their welcome
 * @property {number} connectMs opening every socket until each had its welcome
 * @property {number} settleMs after that, until no frame had arrived for a while (presence updates)
 * @property {number} connectFailures sockets that closed or failed before their welcome
 * @property {string | null} firstConnectError why the first of those failed
 * @property {number} presenceFrames presence frames all clients received while connecting and settling
 * @property {number} presenceBytes their text length (after permessage-deflate)
 */

/**
 * @typedef {object} LoadMeasurement
 * @property {string} label
 * @property {number} senders
 * @property {number} sendRate offered, messages per second
 * @property {number} seconds sending window
 * @property {number} sent messages sent
 * @property {number} acked of those, acknowledged (ack frame with a seq)
 * @property {Record<string, number>} errorFrames `error` frames received, by code
 * @property {number} expectedDeliveries acked messages × clients: each client must see each once
 * @property {number} delivered message frames received (ours, first copies)
 * @property {number} deliveredInWindow of those, received while messages were being sent
 * @property {number} deliveredPerSecond deliveredInWindow / seconds
 * @property {number} offeredDeliveriesPerSecond sendRate × clients
 * @property {number} lost expected deliveries that never arrived (by the end of the drain)
 * @property {number} duplicates message frames for a seq the client had already had
 * @property {number} outOfOrder message frames with a lower seq than the client's previous one
 * @property {number} gaps message frames whose seq skipped past the client's previous + 1
 * @property {number} seqStartMismatches clients whose first message was not the first acked seq
 * @property {number} unexpectedCloses sockets closed by the server during the run
 * @property {string | null} firstUnexpectedClose the first one's close code and reason
 * @property {number} drainMs from the end of sending until the last delivery (or the give-up)
 * @property {import('./load.mjs').LatencySummary} latency send to receipt, ms, over every delivery
 * @property {import('./cpu.mjs').CpuUsage} cpu over sending and draining
 * @property {number | null} serverCpuUsPerDelivery
 * @property {number | null} runtimeCpuUsPerDelivery
 * @property {number | null} serverCpuPercent
 * @property {number} loadgenCpuPercent
 * @property {number | null} backgroundCpuPercent
 * @property {number} framesReceived every frame, of any type, during sending and draining
 * @property {number} bytesReceived their text length (after permessage-deflate), same period
 * @property {Float64Array} samples latencies, ms (not written to results)
 */

/** @typedef {ConnectStats & LoadMeasurement} RoomMeasurement */

/**
 * @typedef {object} RoomSession
 * @property {ConnectStats} connect
 * @property {(options: LoadOptions) => Promise<LoadMeasurement & { clients: number }>} load
 *   one schedule on the connected clients; one at a time
 * @property {() => number} openClients sockets still open
 * @property {() => Promise<void>} close
 */

/**
 * One connected client and what it saw during the current load.
 * @typedef {object} Client
 * @property {WebSocket} ws
 * @property {number} welcomeSeq
 * @property {number} lastSeq
 * @property {Set<number>} seen seqs of message frames received
 * @property {number} firstSeq
 * @property {boolean} closed
 */

/**
 * What one load counts; frames of earlier loads (another clientId prefix) are ignored.
 * @typedef {object} LoadState
 * @property {string} prefix
 * @property {Map<number, number>} ackSeq message k → seq from its ack
 * @property {Record<string, number>} errorFrames
 * @property {number[]} latencies
 * @property {boolean} measuring
 * @property {number} windowEnd
 * @property {number} delivered
 * @property {number} deliveredInWindow
 * @property {number} duplicates
 * @property {number} outOfOrder
 * @property {number} gaps
 * @property {number} framesReceived
 * @property {number} bytesReceived
 * @property {number} lastDeliveryAt
 * @property {number} unexpectedCloses
 * @property {string | null} firstUnexpectedClose
 */

const PRESENCE_PREFIX = '{"type":"presence"';
const WELCOME_PREFIX = '{"type":"welcome"';

/**
 * Connects `clients` sockets to one room and waits until presence traffic has settled.
 * Throws (after closing what opened) if any socket failed to connect.
 * @param {OpenRoomOptions} options
 * @returns {Promise<RoomSession>}
 */
export async function openRoom({ label, clients: count, endpoint, connectConcurrency = 8 }) {
  const run = Math.random().toString(36).slice(2, 8);
  let loads = 0;
  /** @type {Client[]} */
  const clients = [];
  /** @type {LoadState | null} */
  let state = null;
  let lastFrameAt = performance.now();
  let presenceFrames = 0;
  let presenceBytes = 0;
  let connecting = true;
  let closing = false;

  /** @param {Client} client @param {string} data */
  const onFrame = (client, data) => {
    const now = performance.now();
    lastFrameAt = now;
    if (state?.measuring) {
      state.framesReceived++;
      state.bytesReceived += data.length;
    }
    if (data.startsWith(PRESENCE_PREFIX)) {
      if (connecting) {
        presenceFrames++;
        presenceBytes += data.length;
      }
      return;
    }
    if (!state) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === 'message') {
      if (typeof frame.clientId !== 'string' || !frame.clientId.startsWith(state.prefix)) return;
      const seq = frame.seq;
      if (client.seen.has(seq)) {
        state.duplicates++;
        return;
      }
      client.seen.add(seq);
      if (client.lastSeq >= 0) {
        if (seq < client.lastSeq) state.outOfOrder++;
        else if (seq > client.lastSeq + 1) state.gaps++;
      } else client.firstSeq = seq;
      client.lastSeq = Math.max(client.lastSeq, seq);
      // text: "<k> <performance.now() at send>"
      const sentAt = Number(String(frame.text).split(' ')[1]);
      state.latencies.push(now - sentAt);
      state.delivered++;
      state.lastDeliveryAt = now;
      if (now <= state.windowEnd) state.deliveredInWindow++;
    } else if (frame.type === 'ack') {
      if (typeof frame.clientId === 'string' && frame.clientId.startsWith(state.prefix)) {
        state.ackSeq.set(Number(frame.clientId.slice(state.prefix.length)), frame.seq);
      }
    } else if (frame.type === 'error') {
      state.errorFrames[frame.code] = (state.errorFrames[frame.code] ?? 0) + 1;
    }
  };

  // ---- connect ---------------------------------------------------------------
  const connectStarted = performance.now();
  let nextIndex = 0;
  let connectFailures = 0;
  /** @type {string | null} */
  let firstConnectError = null;
  const connectOne = async (/** @type {number} */ index) => {
    /** @type {{ url: string, headers?: Record<string, string> }} */
    let target;
    try {
      target = await endpoint(index);
    } catch (error) {
      firstConnectError ??= `socket ${index}: ${/** @type {Error} */ (error).message}`;
      connectFailures++;
      return;
    }
    const { url, headers } = target;
    const ws = new WebSocket(url, headers ? { headers } : undefined);
    /** @type {Client} */
    const client = { ws, welcomeSeq: -1, lastSeq: -1, firstSeq: -1, seen: new Set(), closed: false };
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        firstConnectError ??= `no welcome within 30 s on socket ${index}`;
        resolve(undefined);
      }, 30_000);
      ws.addEventListener('message', (event) => {
        const data = String(event.data);
        if (client.welcomeSeq < 0 && data.startsWith(WELCOME_PREFIX)) {
          client.welcomeSeq = JSON.parse(data).seq;
          clearTimeout(timer);
          resolve(undefined);
          return;
        }
        onFrame(client, data);
      });
      ws.addEventListener('close', (event) => {
        client.closed = true;
        if (client.welcomeSeq < 0) {
          firstConnectError ??= `socket ${index} closed before its welcome: ${event.code} ${event.reason}`;
          clearTimeout(timer);
          resolve(undefined);
        } else if (!closing && state) {
          state.unexpectedCloses++;
          state.firstUnexpectedClose ??= `${event.code} ${event.reason || '(no reason)'}`;
        }
      });
      ws.addEventListener('error', () => {
        // A close event follows.
      });
    });
    if (client.welcomeSeq >= 0) clients[index] = client;
    else connectFailures++;
  };
  await Promise.all(
    Array.from({ length: Math.min(connectConcurrency, count) }, async () => {
      while (nextIndex < count) await connectOne(nextIndex++);
    }),
  );
  const connectMs = performance.now() - connectStarted;
  const connected = clients.filter(Boolean);
  const close = async () => {
    closing = true;
    for (const client of connected) {
      try {
        client.ws.close(1000, 'bench done');
      } catch {
        // Already closed.
      }
    }
    const deadline = performance.now() + 5000;
    while (connected.some((client) => !client.closed) && performance.now() < deadline) await sleep(50);
  };
  if (connectFailures > 0) {
    // Half a room measures something else (a reload mid-connect, a refused ticket): let the caller retry.
    await close();
    throw new Error(`${label}: ${connectFailures} of ${count} sockets did not connect (first: ${firstConnectError})`);
  }

  // Presence updates from the last joins may still be on their way: wait for quiet.
  const settleStarted = performance.now();
  while (performance.now() - lastFrameAt < 500 && performance.now() - settleStarted < 30_000) await sleep(100);
  const settleMs = performance.now() - settleStarted;
  connecting = false;

  /** @type {ConnectStats} */
  const connect = {
    clients: connected.length,
    connectMs,
    settleMs,
    connectFailures,
    firstConnectError,
    presenceFrames,
    presenceBytes,
  };

  /** @param {LoadOptions} options */
  const load = async ({ label: loadLabel, senders, sendRate, seconds, drainSeconds = 20, server }) => {
    if (state) throw new Error(`${loadLabel}: a load is already running in this room`);
    for (const client of connected) {
      client.seen = new Set();
      client.lastSeq = -1;
      client.firstSeq = -1;
    }
    /** @type {LoadState} */
    const current = {
      prefix: `bench-${run}-${++loads}-`,
      ackSeq: new Map(),
      errorFrames: {},
      latencies: [],
      measuring: false,
      windowEnd: Infinity,
      delivered: 0,
      deliveredInWindow: 0,
      duplicates: 0,
      outOfOrder: 0,
      gaps: 0,
      framesReceived: 0,
      bytesReceived: 0,
      lastDeliveryAt: 0,
      unexpectedCloses: 0,
      firstUnexpectedClose: null,
    };
    state = current;
    try {
      return await runSchedule(current, { senders, sendRate, seconds, drainSeconds, server, label: loadLabel });
    } finally {
      state = null;
    }
  };

  /**
   * @param {LoadState} current
   * @param {Required<Omit<LoadOptions, 'server'>> & { server?: { pid: number } }} options
   */
  const runSchedule = async (current, { label: loadLabel, senders, sendRate, seconds, drainSeconds, server }) => {
    // ---- send --------------------------------------------------------------------
    const senderClients = senders.map((index) => clients[index]).filter(Boolean);
    if (senderClients.length === 0) throw new Error(`${loadLabel}: none of the senders is connected`);
    const groups = liveGroups();
    const cpuBefore = cpuSnapshot(groups);
    current.measuring = true;
    const total = Math.max(1, Math.round(sendRate * seconds));
    const spacing = 1000 / sendRate;
    const started = performance.now();
    current.windowEnd = started + seconds * 1000;
    let sent = 0;
    while (sent < total) {
      const due = started + sent * spacing;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      // Catch up on whatever fell due meanwhile (timers are coarse under load).
      while (sent < total && started + sent * spacing <= performance.now() + 0.5) {
        const client = senderClients[sent % senderClients.length];
        if (!client.closed) {
          client.ws.send(
            JSON.stringify({
              type: 'send',
              clientId: `${current.prefix}${sent}`,
              text: `${sent} ${performance.now().toFixed(3)}`,
            }),
          );
        }
        sent++;
      }
    }
    const sendEnded = performance.now();
    if (sendEnded < current.windowEnd) await sleep(current.windowEnd - sendEnded);

    // ---- drain ---------------------------------------------------------------------
    const drainStarted = performance.now();
    const expectedFor = () => current.ackSeq.size * connected.filter((c) => !c.closed).length;
    let progressAt = performance.now();
    let lastDelivered = current.delivered;
    while (performance.now() - drainStarted < drainSeconds * 1000) {
      const allAcked = current.ackSeq.size + Object.values(current.errorFrames).reduce((a, b) => a + b, 0) >= sent;
      if (allAcked && current.delivered >= expectedFor()) break;
      if (current.delivered !== lastDelivered) {
        lastDelivered = current.delivered;
        progressAt = performance.now();
      } else if (performance.now() - progressAt > 5000) break;
      await sleep(50);
    }
    const drainMs = Math.max(0, (current.lastDeliveryAt || performance.now()) - current.windowEnd);
    current.measuring = false;
    const cpu = cpuUsage(cpuBefore, cpuSnapshot(groups), server?.pid ?? -1);

    // ---- check -------------------------------------------------------------------
    const ackedSeqs = [...current.ackSeq.values()].sort((a, b) => a - b);
    const firstAcked = ackedSeqs[0] ?? -1;
    let lost = 0;
    let seqStartMismatches = 0;
    for (const client of connected) {
      for (const seq of ackedSeqs) if (!client.seen.has(seq)) lost++;
      if (client.firstSeq !== firstAcked) seqStartMismatches++;
    }

    const samples = Float64Array.from(current.latencies);
    const { delivered } = current;
    const perDelivery = (/** @type {number | undefined} */ cpuSeconds) =>
      cpuSeconds === undefined || delivered === 0 ? null : (1e6 * cpuSeconds) / delivered;
    const percent = (/** @type {number | null | undefined} */ cpuSeconds) =>
      cpuSeconds === null || cpuSeconds === undefined ? null : (100 * cpuSeconds) / cpu.seconds;
    return {
      label: loadLabel,
      clients: connected.length,
      senders: senderClients.length,
      sendRate,
      seconds,
      sent,
      acked: current.ackSeq.size,
      errorFrames: current.errorFrames,
      expectedDeliveries: current.ackSeq.size * connected.length,
      delivered,
      deliveredInWindow: current.deliveredInWindow,
      deliveredPerSecond: current.deliveredInWindow / seconds,
      offeredDeliveriesPerSecond: sendRate * connected.length,
      lost,
      duplicates: current.duplicates,
      outOfOrder: current.outOfOrder,
      gaps: current.gaps,
      seqStartMismatches,
      unexpectedCloses: current.unexpectedCloses,
      firstUnexpectedClose: current.firstUnexpectedClose,
      drainMs,
      latency: summarizeLatency(samples),
      cpu,
      serverCpuUsPerDelivery: perDelivery(cpu.server?.total),
      runtimeCpuUsPerDelivery: perDelivery(cpu.server?.runtime),
      serverCpuPercent: percent(cpu.server?.total),
      loadgenCpuPercent: /** @type {number} */ (percent(cpu.loadgen)),
      backgroundCpuPercent: percent(cpu.background),
      framesReceived: current.framesReceived,
      bytesReceived: current.bytesReceived,
      samples,
    };
  };

  return { connect, load, openClients: () => connected.filter((c) => !c.closed).length, close };
}

/**
 * Runs one room load: connect, settle, send for `seconds`, drain, close.
 * @param {RoomLoadOptions} options
 * @returns {Promise<RoomMeasurement>}
 */
export async function runRoomLoad({ label, clients, endpoint, connectConcurrency, ...schedule }) {
  const room = await openRoom({ label, clients, endpoint, connectConcurrency });
  try {
    const measurement = await room.load({ label, ...schedule });
    return { ...room.connect, ...measurement };
  } finally {
    await room.close();
  }
}
