import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as schema from '../../db/schema';

/**
 * Tables a backup leaves out, and why; the manifest lists them. Everyone signs in again
 * after a restore, so nothing that proves a past sign-in or a pending one is copied.
 */
export const excludedTables: Record<string, string> = {
  sessions: 'signed-in devices; everyone signs in again after a restore',
  refresh_tokens: 'refresh-token hashes of those sessions',
  one_time_tokens: 'email verification and password reset tokens',
  otp_codes: 'phone sign-in codes',
  dev_outbox: 'the development email and SMS outbox',
  uploads: 'resumable uploads in progress (their R2 multipart uploads cannot be carried over)',
  upload_parts: 'the parts of those uploads',
  backups: 'the backup list itself (archives are not backed up into archives)',
  backup_schedule: 'the backup schedule of this deployment',
};

/** Socket tickets and other short-lived auth state live in KV, which no backup holds. */
export const excludedStores = ['KV: socket tickets, OAuth state, session cache, lockout flags'];

export interface ForeignKey {
  columns: string[];
  parent: string;
  parentColumns: string[];
  onDelete: 'cascade' | 'set null' | 'no action' | 'restrict' | 'set default';
}

export interface TableInfo {
  name: string;
  columns: string[];
  /** The primary key, in order: a backup pages each table by it. */
  primaryKey: string[];
  foreignKeys: ForeignKey[];
}

function describe(table: SQLiteTable): TableInfo {
  const config = getTableConfig(table);
  const composite = config.primaryKeys[0]?.columns.map((column) => column.name);
  const single = config.columns.filter((column) => column.primary).map((column) => column.name);
  // A table without a primary key is paged by a unique index of NOT NULL columns instead.
  const unique = config.indexes
    .map((index) => index.config)
    .find(
      (index) =>
        index.unique &&
        !index.where &&
        index.columns.every((column) => 'name' in column && 'notNull' in column && column.notNull),
    )
    ?.columns.map((column) => (column as { name: string }).name);
  const primaryKey = composite ?? (single.length > 0 ? single : (unique ?? []));
  if (primaryKey.length === 0) throw new Error(`table ${config.name} has no primary key or unique key`);
  return {
    name: config.name,
    columns: config.columns.map((column) => column.name),
    primaryKey,
    foreignKeys: config.foreignKeys.map((fk) => {
      const ref = fk.reference();
      return {
        columns: ref.columns.map((column) => column.name),
        parent: getTableConfig(ref.foreignTable).name,
        parentColumns: ref.foreignColumns.map((column) => column.name),
        onDelete: (fk.onDelete ?? 'no action') as ForeignKey['onDelete'],
      };
    }),
  };
}

const isTable = (value: unknown): value is SQLiteTable => is(value, SQLiteTable);
const schemaTables = (): SQLiteTable[] => (Object.values(schema) as unknown[]).filter(isTable);

let catalogue: TableInfo[] | undefined;

/**
 * Every table of the schema a backup holds, parents before children (so a restore can
 * insert in this order and a backup reads a parent before the rows that point at it).
 * Derived from the Drizzle schema, so a table added later is backed up without a change here.
 */
export function backedUpTables(): TableInfo[] {
  if (catalogue) return catalogue;
  const all = schemaTables()
    .map(describe)
    .filter((table) => !(table.name in excludedTables));
  const byName = new Map(all.map((table) => [table.name, table]));
  const ordered: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: TableInfo) => {
    if (state.get(table.name) === 'done') return;
    // A cycle (or a self-reference) orders by name; restore inserts check parents row by row anyway.
    if (state.get(table.name) === 'visiting') return;
    state.set(table.name, 'visiting');
    for (const fk of table.foreignKeys) {
      const parent = byName.get(fk.parent);
      if (parent && parent !== table) visit(parent);
    }
    state.set(table.name, 'done');
    ordered.push(table);
  };
  for (const table of [...all].sort((a, b) => a.name.localeCompare(b.name))) visit(table);
  catalogue = ordered;
  return ordered;
}

/** Every table a restore clears, excluded ones included: sessions of the replaced accounts must go too. */
export function clearedOnRestore(): string[] {
  const keep = new Set(['backups', 'backup_schedule', 'dev_outbox']);
  const all = schemaTables().map((table) => getTableConfig(table).name);
  return all.filter((name) => !keep.has(name));
}

/** `"name"` for SQL; table and column names come from the schema, never from an archive unchecked. */
export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
