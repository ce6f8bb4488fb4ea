import { ArchiveError, archiveEntries, concat, type Deployment, parsePage, type ReadOptions } from './archive-reader';
import { appliedMigrations } from './backup-job';
import type { Manifest, ManifestTable } from './manifest';
import { backedUpTables, clearedOnRestore, quote, type TableInfo } from './tables';

/** What this deployment can restore into: its migrations and its tables' columns. */
export async function currentDeployment(d1: D1Database): Promise<Deployment> {
  return {
    migrations: await appliedMigrations(d1),
    tables: new Map(backedUpTables().map((table) => [table.name, table.columns])),
  };
}

/** Tables a fresh deployment fills by itself; they do not make it "not empty". */
const SEEDED = new Set(['roles', 'role_permissions', 'audit_log', 'metrics_daily']);

/**
 * Whether the data tables hold anything worth refusing to overwrite. A deployment made to
 * receive a restore already has the admin who restores, so that account, and rows that
 * point at no user but that one, do not count; nor do the seeded roles and the audit log.
 */
export async function holdsData(d1: D1Database, actorId: string | null): Promise<boolean> {
  const checks = backedUpTables()
    .filter((table) => !SEEDED.has(table.name))
    .map((table) => {
      if (table.name === 'users') return 'EXISTS (SELECT 1 FROM users WHERE id IS NOT ?1)';
      const userColumns = table.foreignKeys.filter((fk) => fk.parent === 'users').flatMap((fk) => fk.columns);
      if (userColumns.length === 0) return `EXISTS (SELECT 1 FROM ${quote(table.name)})`;
      const others = userColumns.map((column) => `(${quote(column)} IS NOT NULL AND ${quote(column)} IS NOT ?1)`);
      return `EXISTS (SELECT 1 FROM ${quote(table.name)} WHERE ${others.join(' OR ')})`;
    });
  const found = await d1
    .prepare(`SELECT (${checks.join(' OR ')}) AS found`)
    .bind(actorId)
    .first<{ found: number }>();
  return found?.found === 1;
}

/**
 * One row's INSERT. A row may point at a parent the archive does not hold (created while the
 * backup ran, after the parent's table was read): it gets what its foreign key's ON DELETE
 * says, as if that parent had been deleted: SET NULL clears the column, anything else drops
 * the row. Never more than one bound parameter per column (D1 allows 100 per statement).
 */
function insertSql(table: TableInfo, columns: string[]): string {
  const position = new Map(columns.map((column, i) => [column, i + 1]));
  const select = columns.map((column) => `?${position.get(column)}`);
  const conditions: string[] = [];
  for (const fk of table.foreignKeys) {
    const params = fk.columns.map((column) => position.get(column));
    if (params.some((param) => param === undefined)) continue;
    const match = fk.parentColumns.map((parent, i) => `${quote(parent)} = ?${params[i]}`).join(' AND ');
    const exists = `EXISTS (SELECT 1 FROM ${quote(fk.parent)} WHERE ${match})`;
    const anyNull = params.map((param) => `?${param} IS NULL`).join(' OR ');
    if (fk.onDelete === 'set null' && fk.columns.length === 1) {
      const index = (params[0] as number) - 1;
      select[index] = `CASE WHEN ${anyNull} OR ${exists} THEN ?${params[0]} ELSE NULL END`;
    } else {
      conditions.push(`(${anyNull} OR ${exists})`);
    }
  }
  const head = `INSERT INTO ${quote(table.name)} (${columns.map(quote).join(', ')})`;
  if (conditions.length === 0 && select.every((expression, i) => expression === `?${i + 1}`)) {
    return `${head} VALUES (${select.join(', ')})`;
  }
  return `${head} SELECT ${select.join(', ')}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}

export interface RestoreProgress {
  rows: number;
  objects: number;
  objectsSkipped: number;
  droppedRows: number;
}

const BATCH = 200;

/**
 * The second pass of a restore, once `validateArchive` has passed: clears every table a
 * backup holds (and the sessions and tokens of the accounts it replaces), then reads the
 * archive again and applies it in its order, which is parents before children. Objects are
 * copied back unless one with the same SHA-256 is already at the key. Running it again
 * gives the same result, so a retried job simply starts over.
 */
export async function applyArchive(
  d1: D1Database,
  bucket: R2Bucket,
  stream: ReadableStream<Uint8Array>,
  options: ReadOptions,
  manifest: Manifest,
  onProgress: (progress: RestoreProgress) => Promise<void>,
): Promise<RestoreProgress> {
  const catalogue = new Map(backedUpTables().map((table) => [table.name, table]));
  const order = backedUpTables().map((table) => table.name);
  const others = clearedOnRestore().filter((name) => !catalogue.has(name));
  // Children first; ON DELETE CASCADE takes care of whatever points at a cleared row.
  const clears = [...others, ...[...order].reverse()].map((name) => d1.prepare(`DELETE FROM ${quote(name)}`));
  await d1.batch(clears);

  const tables = new Map<string, ManifestTable>(manifest.tables.map((table) => [table.name, table]));
  const objects = new Map(manifest.objects.map((object) => [object.key, object]));
  const progress: RestoreProgress = { rows: 0, objects: 0, objectsSkipped: 0, droppedRows: 0 };
  for await (const entry of archiveEntries(stream, options)) {
    if (entry.name.startsWith('objects/')) {
      const object = objects.get(entry.name.slice('objects/'.length));
      if (!object) throw new ArchiveError(`"${entry.name}" is not in the manifest.`);
      const existing = await bucket.head(object.key);
      const existingHash = existing?.checksums.sha256
        ? [...new Uint8Array(existing.checksums.sha256)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
        : null;
      if (existing && existing.size === object.size && existingHash === object.sha256) {
        await entry.body.cancel();
        progress.objectsSkipped++;
      } else {
        // R2 needs the length of a streamed body, and checks the SHA-256 as it stores it.
        const fixed = new FixedLengthStream(object.size);
        const [stored] = await Promise.all([
          bucket.put(object.key, fixed.readable, { sha256: object.sha256 }),
          entry.body.pipeTo(fixed.writable),
        ]);
        if (!stored) throw new Error(`could not store ${object.key}`);
        progress.objects++;
      }
      continue;
    }
    if (entry.name.startsWith('tables/')) {
      const name = entry.name.split('/')[1] as string;
      const table = catalogue.get(name);
      const listed = tables.get(name);
      if (!table || !listed) throw new ArchiveError(`"${entry.name}" is not a table this deployment restores.`);
      const chunks: Uint8Array[] = [];
      const reader = entry.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
      const rows = parsePage(concat(chunks));
      const sql = insertSql(table, listed.columns);
      for (let i = 0; i < rows.length; i += BATCH) {
        const statements = rows.slice(i, i + BATCH).map((row) => {
          const keys = Object.keys(row);
          if (keys.length !== listed.columns.length || keys.some((key, k) => key !== listed.columns[k])) {
            throw new ArchiveError(`A row of ${name} does not have the columns its manifest lists.`);
          }
          return d1.prepare(sql).bind(...listed.columns.map((column) => row[column] ?? null));
        });
        const results = await d1.batch(statements);
        for (const result of results) {
          if ((result.meta.changes ?? 0) > 0) progress.rows++;
          else progress.droppedRows++;
        }
      }
      await onProgress(progress);
      continue;
    }
    // The manifest, already read by the first pass.
    await entry.body.cancel();
  }
  await onProgress(progress);
  return progress;
}
