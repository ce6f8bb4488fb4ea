// Many coworking sessions in a local D1, and the nearby query timed on it with and without
// its index, for the `coworking` scenario.
//
// The rows go straight into the SQLite file of the app's local D1 (Miniflare keeps it under
// <persist-to>/v3/d1/miniflare-D1DatabaseObject/<hash>.sqlite) before `wrangler dev` opens it:
// migrations first (`wrangler d1 migrations apply --local`, as scripts/dev.mjs does), then one
// transaction of prepared inserts through `node:sqlite` (about a second for 100 000 rows, where
// `wrangler d1 execute --file` or the API would take minutes). The app then starts on that dir.
//
// The SQL is the app's `nearbyCandidates()` (src/features/coworking/coworking.service.ts) as
// drizzle writes it: the partial index's literal conditions, a bounding box on lat, one lng
// range (two across ±180°, the whole circle at a pole; boundingBox() below is geo.ts's). It runs
// on a copy of the file, once as is and once with `NOT INDEXED`, which forbids every index on
// the table: the same statement as a full scan. node:sqlite's SQLite is not workerd's build,
// so the absolute times are indicative; the plans and the ratio are the point.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { childEnv, ROOT, tempDir } from './servers.mjs';

/** The mean Earth radius (IUGG), in metres, as src/features/coworking/geo.ts. */
const EARTH_RADIUS_M = 6_371_008.8;
const toRadians = (/** @type {number} */ degrees) => (degrees * Math.PI) / 180;
const toDegrees = (/** @type {number} */ radians) => (radians * 180) / Math.PI;

/** A dense city-sized area (Paris, about 22 × 22 km) holding `cityShare` of the sessions; the rest spread over the globe. */
export const CITY = { lat: 48.8566, lng: 2.3522, halfLat: 0.1, halfLng: 0.15 };

/**
 * geo.ts `boundingBox()`: the lat range and one or two lng ranges holding every point within `radiusMeters`.
 * @param {{ lat: number, lng: number }} center
 * @param {number} radiusMeters
 * @returns {{ minLat: number, maxLat: number, lngRanges: [number, number][] }}
 */
export function boundingBox(center, radiusMeters) {
  const angular = radiusMeters / EARTH_RADIUS_M;
  const lat = toRadians(center.lat);
  const minLat = toDegrees(lat - angular);
  const maxLat = toDegrees(lat + angular);
  if (maxLat >= 90 || minLat <= -90) {
    return { minLat: Math.max(minLat, -90), maxLat: Math.min(maxLat, 90), lngRanges: [[-180, 180]] };
  }
  const dLng = toDegrees(Math.asin(Math.min(1, Math.sin(angular) / Math.cos(lat))));
  const minLng = center.lng - dLng;
  const maxLng = center.lng + dLng;
  if (minLng < -180)
    return {
      minLat,
      maxLat,
      lngRanges: [
        [minLng + 360, 180],
        [-180, maxLng],
      ],
    };
  if (maxLng > 180)
    return {
      minLat,
      maxLat,
      lngRanges: [
        [minLng, 180],
        [-180, maxLng - 360],
      ],
    };
  return { minLat, maxLat, lngRanges: [[minLng, maxLng]] };
}

const COLUMNS = [
  'id',
  'host_id',
  'title',
  'duration_minutes',
  'visibility',
  'plan',
  'starts_at',
  'lat',
  'lng',
  'capacity',
  'share_code',
  'phase',
  'started_at',
  'ends_at',
  'ended_at',
  'paused_ms',
  'invites_sent',
  'created_at',
  'updated_at',
];

/**
 * The statement `nearbyCandidates()` sends, for `ranges` lng ranges; `NOT INDEXED` makes it a full scan.
 * @param {number} ranges
 * @param {{ indexed: boolean }} options
 */
export function nearbySql(ranges, { indexed }) {
  const lng = Array.from({ length: ranges }, () => '"coworking_sessions"."lng" between ? and ?').join(' or ');
  return (
    `select ${COLUMNS.map((column) => `"${column}"`).join(', ')} from "coworking_sessions"${indexed ? '' : ' NOT INDEXED'} ` +
    `where (visibility = 'public' AND phase != 'ended' AND lat IS NOT NULL and "coworking_sessions"."lat" between ? and ? ` +
    `and ${ranges > 1 ? `(${lng})` : lng})`
  );
}

/** @param {{ lat: number, lng: number }} center @param {number} radius */
function nearbyParams(center, radius) {
  const box = boundingBox(center, radius);
  return { ranges: box.lngRanges.length, params: [box.minLat, box.maxLat, ...box.lngRanges.flat()] };
}

/** mulberry32: the same sessions and query points every run. @param {number} seed */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A point in CITY. @param {() => number} rand */
export const cityPoint = (rand) => ({
  lat: CITY.lat + (2 * rand() - 1) * CITY.halfLat,
  lng: CITY.lng + (2 * rand() - 1) * CITY.halfLng,
});

/** node:sqlite, loaded only by the scenario that needs it (it prints an experimental warning once). */
async function sqlite() {
  return /** @type {typeof import('node:sqlite')} */ (await import('node:sqlite'));
}

/** The D1 database file of a Miniflare persist dir (the one that is not `metadata.sqlite`). @param {string} persistTo */
export function d1File(persistTo) {
  const dir = path.join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = readdirSync(dir).filter((name) => name.endsWith('.sqlite') && name !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${files.join(', ') || 'none'}`);
  return path.join(dir, files[0]);
}

/**
 * Applies the app's migrations to a fresh persist dir and fills its D1 with `count` public
 * lobby sessions (with a location) of one made-up host: `cityShare` of them in CITY, the rest
 * uniform over the sphere. Returns the persist dir, to start the app on.
 * @param {{ count: number, cityShare: number, seed?: number }} options
 */
export async function prepareNearbyDb({ count, cityShare, seed = 11 }) {
  const started = performance.now();
  const persistTo = tempDir('app');
  const migrate = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
    { cwd: ROOT, env: childEnv({ CLOUDFLARE_CF_FETCH_ENABLED: 'false' }), encoding: 'utf8' },
  );
  if (migrate.status !== 0) {
    throw new Error(`wrangler d1 migrations apply failed (${migrate.status}): ${migrate.stderr.slice(-600)}`);
  }
  const migrateMs = performance.now() - started;
  const file = d1File(persistTo);
  const { DatabaseSync } = await sqlite();
  const db = new DatabaseSync(file);
  const insertStarted = performance.now();
  const at = Date.now();
  const hostId = 'bench-nearby-host';
  db.prepare(
    'INSERT INTO users (id, email, name, settings, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(hostId, 'nearby-host@bench.example', 'Nearby host', '{}', 'active', at, at);
  const insert = db.prepare(
    `INSERT INTO coworking_sessions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
  );
  const rand = random(seed);
  const city = Math.round(count * cityShare);
  db.exec('BEGIN');
  for (let i = 0; i < count; i++) {
    const point =
      i < city
        ? cityPoint(rand)
        : { lat: toDegrees(Math.asin(2 * rand() - 1)), lng: Math.min(180, -180 + 360 * rand()) };
    // Share codes in lower case cannot clash with the app's (upper-case alphabet).
    insert.run(
      `bench-nearby-${i}`,
      hostId,
      `Nearby ${i}`,
      50,
      'public',
      null,
      null,
      point.lat,
      point.lng,
      50,
      `nb${i.toString(36)}`,
      'lobby',
      null,
      null,
      null,
      0,
      0,
      at,
      at,
    );
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
  return { persistTo, file, hostId, migrateMs, insertMs: performance.now() - insertStarted, city, count };
}

/**
 * Times the nearby statement on a copy of the D1 file, with and without the index, over the
 * same points (alternating per point). Checks both find the same rows.
 * @param {{ file: string, points: { lat: number, lng: number }[], radius: number }} options
 */
export async function timeNearbySql({ file, points, radius }) {
  const copy = path.join(tempDir('nearby-sql'), 'd1.sqlite');
  copyFileSync(file, copy);
  const { DatabaseSync } = await sqlite();
  const db = new DatabaseSync(copy, { readOnly: true });
  try {
    /** @type {Map<string, import('node:sqlite').StatementSync>} */
    const statements = new Map();
    const statement = (/** @type {number} */ ranges, /** @type {boolean} */ indexed) => {
      const key = `${ranges}-${indexed}`;
      let prepared = statements.get(key);
      if (!prepared) {
        prepared = db.prepare(nearbySql(ranges, { indexed }));
        statements.set(key, prepared);
      }
      return prepared;
    };
    const plan = (/** @type {boolean} */ indexed) => {
      const { params } = nearbyParams(points[0], radius);
      return db
        .prepare(`EXPLAIN QUERY PLAN ${nearbySql(1, { indexed })}`)
        .all(...params)
        .map((row) => String(row.detail));
    };
    const indexedMs = [];
    const scanMs = [];
    let candidates = 0;
    let mismatches = 0;
    for (const [i, point] of points.entries()) {
      const { ranges, params } = nearbyParams(point, radius);
      const run = (/** @type {boolean} */ indexed) => {
        const t0 = performance.now();
        const rows = statement(ranges, indexed).all(...params);
        return { ms: performance.now() - t0, rows };
      };
      // Alternate which goes first, so neither always finds the pages the other just read.
      const [first, second] = i % 2 === 0 ? [run(true), run(false)] : [run(false), run(true)];
      const indexed = i % 2 === 0 ? first : second;
      const scan = i % 2 === 0 ? second : first;
      indexedMs.push(indexed.ms);
      scanMs.push(scan.ms);
      candidates += indexed.rows.length;
      const ids = (/** @type {any[]} */ rows) =>
        rows
          .map((row) => row.id)
          .sort()
          .join();
      if (ids(indexed.rows) !== ids(scan.rows)) mismatches++;
    }
    return {
      indexedMs: Float64Array.from(indexedMs),
      scanMs: Float64Array.from(scanMs),
      meanCandidates: candidates / points.length,
      mismatches,
      plans: { indexed: plan(true), scan: plan(false) },
      sqlite: String(db.prepare('select sqlite_version() as v').get()?.v),
    };
  } finally {
    db.close();
  }
}
