// Tests of the benchmark harness's own logic (not of the app): run with
// `npx node --test bench/test/` (Node's test runner; no servers, except a fake room
// on 127.0.0.1 and one deploy-bundle build for the size check).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import { bundleGoal, cpuGoal, roomCapacityGoal, roomHoldGoal, roomJoinGoal, TARGETS } from '../lib/goals.mjs';
import { goalsTable } from '../lib/report.mjs';
import { openRoom, runRoomLoad } from '../lib/rooms-load.mjs';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A load measurement with the fields goals read. @param {Partial<Record<string, any>>} overrides */
const measurement = (overrides = {}) => ({
  rps: 1000,
  runtimeCpuUsPerRequest: 500,
  ...overrides,
});

/** Room figures with the fields goals read. @param {Partial<Record<string, any>>} overrides */
const room = (overrides = {}) => ({
  clients: 200,
  senders: 10,
  sendRate: 40,
  connectMs: 1000,
  latency: { p50: 10, p99: 20 },
  serverCpuUsPerDelivery: 100,
  lost: 0,
  duplicates: 0,
  outOfOrder: 0,
  ...overrides,
});

describe('goals', () => {
  it('should meet the /api/meta CPU target at 1.5× bare and miss it above', () => {
    const at = cpuGoal('meta-cpu', {
      app: /** @type {any} */ (measurement({ runtimeCpuUsPerRequest: 750 })),
      bare: /** @type {any} */ (measurement()),
    });
    assert.equal(at.met, true);
    assert.match(at.measured, /750 vs 500 µs \(1\.50×\)/);
    const above = cpuGoal('meta-cpu', {
      app: /** @type {any} */ (measurement({ runtimeCpuUsPerRequest: 760 })),
      bare: /** @type {any} */ (measurement()),
    });
    assert.equal(above.met, false);
  });

  it('should judge /api/users/me against its own limit of 2.5×', () => {
    const goal = cpuGoal('me-cpu', {
      app: /** @type {any} */ (measurement({ runtimeCpuUsPerRequest: 1200 })),
      bare: /** @type {any} */ (measurement()),
    });
    assert.equal(TARGETS.meRuntimeCpuRatio, 2.5);
    assert.equal(goal.met, true);
    assert.equal(goal.scenario, 'auth');
  });

  it('should leave a CPU row unjudged when CPU could not be read', () => {
    const goal = cpuGoal('meta-cpu', {
      app: /** @type {any} */ (measurement({ runtimeCpuUsPerRequest: null })),
      bare: /** @type {any} */ (measurement()),
    });
    assert.equal(goal.met, null);
  });

  it('should hold the room row only when p50, p99 and CPU per delivery are all within 1.3×', () => {
    assert.equal(roomHoldGoal(room({ latency: { p50: 13, p99: 26 } }), room()).met, true);
    assert.equal(roomHoldGoal(room({ latency: { p50: 10, p99: 27 } }), room()).met, false);
    assert.equal(roomHoldGoal(room({ serverCpuUsPerDelivery: 140 }), room()).met, false);
    assert.equal(roomHoldGoal(room({ lost: 1 }), room()).met, false);
  });

  it('should compare join times against 1.5× bare', () => {
    assert.equal(roomJoinGoal(room({ connectMs: 1500 }), room()).met, true);
    assert.equal(roomJoinGoal(room({ connectMs: 6600 }), room()).met, false);
  });

  it('should meet room capacity at 0.8× bare with nothing lost, and not below', () => {
    const bare = { deliveredPerSecond: 10_000, limitReached: true, clean: true };
    assert.equal(roomCapacityGoal(200, { deliveredPerSecond: 8000, limitReached: true, clean: true }, bare).met, true);
    assert.equal(roomCapacityGoal(200, { deliveredPerSecond: 7900, limitReached: true, clean: true }, bare).met, false);
    assert.equal(
      roomCapacityGoal(200, { deliveredPerSecond: 9000, limitReached: true, clean: false }, bare).met,
      false,
    );
    assert.equal(roomCapacityGoal(200, { deliveredPerSecond: null, limitReached: true, clean: true }, bare).met, false);
  });

  it('should not judge room capacity when the bare object sustained nothing or only lower bounds exist', () => {
    const none = { deliveredPerSecond: null, limitReached: true, clean: true };
    assert.equal(roomCapacityGoal(200, none, none).met, null);
    const lowerBound = { deliveredPerSecond: 40_000, limitReached: false, clean: true };
    const appLimited = { deliveredPerSecond: 20_000, limitReached: true, clean: true };
    assert.equal(roomCapacityGoal(200, appLimited, lowerBound).met, null);
    assert.match(roomCapacityGoal(200, appLimited, lowerBound).measured, /≥ 40 000/);
    // The app kept up with everything offered, as the bare object did: a ratio of 1 is a fair pass.
    assert.equal(roomCapacityGoal(200, lowerBound, lowerBound).met, true);
  });

  it('should judge the bundle against workerGzipBytes', () => {
    const bundle = (/** @type {number} */ gzipBytes) => /** @type {any} */ ({ bytes: 4 * gzipBytes, gzipBytes });
    const { workerGzipBytes } = JSON.parse(readFileSync(path.join(import.meta.dirname, '../budgets.json'), 'utf8'));
    assert.equal(bundleGoal(bundle(workerGzipBytes)).met, true);
    assert.equal(bundleGoal(bundle(workerGzipBytes + 1)).met, false);
  });

  it('should print every goal with its verdict and count the targets met', () => {
    const text = goalsTable([
      cpuGoal('meta-cpu', { app: /** @type {any} */ (measurement()), bare: /** @type {any} */ (measurement()) }),
      roomJoinGoal(room({ connectMs: 9000 }), room()),
      { id: 'startup', row: 'start-up', scenario: 'bundle', measured: 'ready 1 vs 1 ms', target: 'report', met: null },
    ]);
    assert.match(text, /GET \/api\/meta.*1\.00×.*≤ 1\.5× CPU\s+yes/);
    assert.match(text, /joining one room.*9\.00 vs 1\.00 s \(9\.00×\).*NO/);
    assert.match(text, /start-up.*report\s+–/);
    assert.match(text, /1 of 2 targets met$/);
  });
});

/**
 * A fake room speaking the protocol subset of SPEC §4 (like bench/bare-rooms), with faults on demand:
 * for the message with seq `at`, socket `victim` gets it never ('drop'), twice ('dup'), or after the next
 * one ('reorder'). Every join sends a presence delta to the others.
 * @param {{ fault?: 'drop' | 'dup' | 'reorder', at?: number, victim?: number }} [options]
 */
async function fakeRoom({ fault, at = 3, victim = 1 } = {}) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  /** @type {import('ws').WebSocket[]} */
  const sockets = [];
  /** @type {string | null} */
  let held = null;
  let seq = 0;
  server.on('connection', (ws) => {
    const index = sockets.length;
    ws.send(JSON.stringify({ type: 'welcome', seq, members: [] }));
    for (const other of sockets) {
      other.send(JSON.stringify({ type: 'presence', member: { userId: `u${index}`, name: 'x', connections: 1 } }));
    }
    sockets.push(ws);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type !== 'send') return;
      seq++;
      ws.send(JSON.stringify({ type: 'ack', clientId: frame.clientId, seq }));
      const text = JSON.stringify({ type: 'message', seq, clientId: frame.clientId, text: frame.text });
      for (const [i, socket] of sockets.entries()) {
        if (i === victim && seq === at && fault) {
          if (fault === 'dup') socket.send(text);
          if (fault === 'reorder') {
            held = text;
            continue;
          }
          if (fault === 'drop') continue;
        }
        socket.send(text);
        if (i === victim && held && seq === at + 1) {
          socket.send(held);
          held = null;
        }
      }
    });
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    endpoint: async () => ({ url: `ws://127.0.0.1:${address.port}/` }),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(resolve);
      }),
  };
}

/** @param {Awaited<ReturnType<typeof fakeRoom>>} fake */
const load = (fake) =>
  runRoomLoad({
    label: 'test',
    clients: 3,
    endpoint: fake.endpoint,
    senders: [0],
    sendRate: 50,
    seconds: 0.2,
    drainSeconds: 1,
  });

describe('room load', () => {
  it('should see every message exactly once in order from a correct room', async () => {
    const fake = await fakeRoom();
    try {
      const m = await load(fake);
      assert.equal(m.clients, 3);
      assert.equal(m.sent, 10);
      assert.equal(m.acked, 10);
      assert.equal(m.delivered, 30);
      assert.deepEqual([m.lost, m.duplicates, m.outOfOrder, m.gaps], [0, 0, 0, 0]);
    } finally {
      await fake.close();
    }
  });

  it('should count presence deltas received while the room filled', async () => {
    const fake = await fakeRoom();
    try {
      const m = await load(fake);
      // Joins 2 and 3 tell the 1 and 2 sockets already there.
      assert.equal(m.presenceFrames, 3);
      assert.ok(m.presenceBytes > 0);
    } finally {
      await fake.close();
    }
  });

  it('should count a message one client never received as lost', async () => {
    const fake = await fakeRoom({ fault: 'drop' });
    try {
      const m = await load(fake);
      assert.equal(m.lost, 1);
      assert.equal(m.gaps, 1);
    } finally {
      await fake.close();
    }
  });

  it('should count a message received twice as duplicated', async () => {
    const fake = await fakeRoom({ fault: 'dup' });
    try {
      const m = await load(fake);
      assert.equal(m.duplicates, 1);
      assert.equal(m.lost, 0);
    } finally {
      await fake.close();
    }
  });

  it('should count a message received after a later one as out of order', async () => {
    const fake = await fakeRoom({ fault: 'reorder' });
    try {
      const m = await load(fake);
      assert.equal(m.outOfOrder, 1);
      assert.equal(m.lost, 0);
    } finally {
      await fake.close();
    }
  });

  it('should check each load of an open room on its own', async () => {
    const fake = await fakeRoom({ fault: 'drop', at: 13 });
    const session = await openRoom({ label: 'test', clients: 3, endpoint: fake.endpoint });
    try {
      const first = await session.load({ label: 'first', senders: [0], sendRate: 50, seconds: 0.2, drainSeconds: 1 });
      const second = await session.load({
        label: 'second',
        senders: [0, 1],
        sendRate: 50,
        seconds: 0.2,
        drainSeconds: 1,
      });
      assert.deepEqual([first.sent, first.lost], [10, 0]);
      // seq 13 is the second load's third message, dropped for socket 1.
      assert.deepEqual([second.sent, second.senders, second.lost, second.seqStartMismatches], [10, 2, 1, 0]);
    } finally {
      await session.close();
      await fake.close();
    }
  });
});

describe('scripts/check-bundle-size.mjs', () => {
  const run = (/** @type {string[]} */ args) =>
    promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'check-bundle-size.mjs'), ...args], {
      cwd: ROOT,
      timeout: 60_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (/** @type {any} */ error) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('should fail with the overshoot when the bundle passes its budget, and pass under it', async () => {
    const over = await run(['--budget', '1000']);
    assert.equal(over.code, 1);
    assert.match(over.stdout, /worker bundle: [\d.]+ KiB, gzip [\d.]+ KiB \(\d+ B\); budget 0\.98 KiB/);
    assert.match(over.stderr, /over its budget of 0\.98 KiB.*raise workerGzipBytes in bench\/budgets\.json/);
    const bytes = Number(/\((\d+) B\)/.exec(over.stdout)?.[1]);
    // Twice the size: the tree may change between the two builds (someone editing src/).
    const under = await run(['--budget', String(2 * bytes)]);
    assert.equal(under.code, 0, under.stderr);
    assert.match(under.stdout, /ok: [\d.]+ KiB under budget/);
  });

  it('should refuse a budget that is not a positive number of bytes', async () => {
    const result = await run(['--budget', '150KiB']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--budget must be a positive integer \(bytes\), got 150KiB/);
  });
});
