// `npm run restore -- <archive.tar> [--remote] [--confirm "replace everything"] [--key <base64>]`:
// what POST /api/backups/:id/restore does, from an archive downloaded to a workstation, through
// wrangler. Two passes over the archive, both streamed from disk (never held in memory):
//   1. validate: the worker's own validateArchive (src/features/backups/archive-reader.ts,
//      imported as TypeScript): decryption, every entry's size and SHA-256, every table's hash,
//      the format version and the migrations against this checkout's migrations/ folder.
//      Nothing is written, and no wrangler command runs, until this pass has passed.
//   2. apply: checks the target (its migrations, and that its data tables are empty unless
//      confirmed), then clears and inserts rows parents first, as batched SQL files through
//      `wrangler d1 execute DB --file`, and copies objects back with `wrangler r2 object put`.
// The SQL mirrors applyArchive and insertSql in src/features/backups/restore.ts, which bind
// parameters; a SQL file cannot, so values are written as literals here.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { importSource } from './ts-source.mjs';

const USAGE = `Usage: npm run restore -- <archive.tar> [options]

Restores a Hearth deployment from a backup archive (GET /api/backups/:id/download) through
wrangler: every row into D1 and every file into R2. The whole archive is checked first (every
SHA-256, the format, the migrations); nothing is written unless it passes.

  --local              restore into the local database and bucket of wrangler dev (the default)
  --remote             restore into the deployed D1 database and R2 bucket (needs wrangler login)
  --persist-to dir     the local state directory, as given to wrangler dev (with --local only)
  --confirm "replace everything"
                       needed when the target's data tables are not empty: all of it is replaced
  --key base64         the BACKUP_ENCRYPTION_KEY the archive was sealed with (default: the
                       BACKUP_ENCRYPTION_KEY environment variable)
  --dry-run            check the archive and print the wrangler commands instead of running
                       them (the SQL files are written and kept for reading)
  -h, --help           this text

Exit codes: 0 restored (or checked, with --dry-run) · 1 a wrangler command failed ·
2 bad usage · 3 the archive is refused (damaged, changed, wrong key, newer format or
migrations) · 4 the target is refused (not empty, migrations missing, object too large).`;

/** src/features/backups/backups.schemas.ts RESTORE_CONFIRMATION. */
const CONFIRMATION = 'replace everything';
const EXIT = { failed: 1, usage: 2, archive: 3, target: 4 };

/** D1 refuses statements over 100,000 bytes; values longer than that are appended in pieces. */
const MAX_STATEMENT_BYTES = 90_000;
const APPEND_PIECE_BYTES = 40_000;
/** Bytes of SQL per `wrangler d1 execute --file` (one wrangler start each). */
const SQL_FILE_BYTES = 4 * 1024 * 1024;
/** What `wrangler r2 object put` uploads to a remote bucket at most (one PUT, no multipart). */
const REMOTE_PUT_LIMIT = 300 * 1024 * 1024;
/** Remote object uploads at once; local ones go one by one (one local state directory). */
const REMOTE_PUTS = 4;

const root = path.resolve(import.meta.dirname, '..');
// Wrangler's own entry under this Node (its shebang would pick whatever `node` is first on PATH).
const wranglerBin = path.join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

class Refusal extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

function fail(message, code) {
  console.error(message);
  process.exit(code);
}

function parseArgs(argv) {
  const options = { remote: false, persistTo: undefined, confirm: undefined, key: undefined, dryRun: false };
  const positional = [];
  const value = (i, name) => {
    const next = argv[i];
    if (next === undefined || next.startsWith('--')) fail(`${name} needs a value.\n\n${USAGE}`, EXIT.usage);
    return next;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--remote') options.remote = true;
    else if (arg === '--local') options.remote = false;
    else if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--persist-to') options.persistTo = value(++i, arg);
    else if (arg === '--confirm') options.confirm = value(++i, arg);
    else if (arg.startsWith('--confirm=')) options.confirm = arg.slice('--confirm='.length);
    else if (arg === '--key') options.key = value(++i, arg);
    else if (arg.startsWith('--')) fail(`Unknown option ${arg}.\n\n${USAGE}`, EXIT.usage);
    else positional.push(arg);
  }
  if (positional.length !== 1) fail(USAGE, EXIT.usage);
  if (options.confirm !== undefined && options.confirm !== CONFIRMATION) {
    fail(`--confirm must be exactly "${CONFIRMATION}".`, EXIT.usage);
  }
  if (options.remote && options.persistTo) {
    fail('--persist-to applies to the local database only; drop it or --remote.', EXIT.usage);
  }
  return { archive: path.resolve(positional[0]), ...options };
}

/** The bucket of the FILES binding in wrangler.toml. */
function bucketName() {
  const toml = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');
  for (const block of toml.split(/^\[\[r2_buckets\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0] ?? '';
    if (/^\s*binding\s*=\s*"FILES"/m.test(body)) {
      const name = /^\s*bucket_name\s*=\s*"([^"]+)"/m.exec(body)?.[1];
      if (name) return name;
    }
  }
  fail('wrangler.toml has no [[r2_buckets]] entry with binding = "FILES".', EXIT.failed);
}

/** The migrations this checkout knows: migrations/*.sql, the names wrangler records in d1_migrations. */
function checkoutMigrations() {
  return readdirSync(path.join(root, 'migrations'))
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

const nodeHasher = () => {
  const hash = createHash('sha256');
  return {
    update: (bytes) => {
      hash.update(bytes);
    },
    digest: async () => hash.digest('hex'),
  };
};

/** The archive file as a web stream, read from disk a MiB at a time. */
const openArchive = (file) => Readable.toWeb(createReadStream(file, { highWaterMark: 1024 * 1024 }));

const shellQuote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

// --- SQL, mirroring src/features/backups/restore.ts and tables.ts -------------------------------

const quote = (name) => `"${name.replaceAll('"', '""')}"`;
const utf8Bytes = (text) => Buffer.byteLength(text, 'utf8');

/** One value as an SQL literal; the archive's NDJSON holds what D1 returned: numbers, strings, null. */
function literal(value, where) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Refusal(`${where} is not a finite number.`, EXIT.archive);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') {
    // SQLite reads SQL text up to a NUL; such a string goes in as hex.
    if (value.includes('\0')) return `CAST(X'${Buffer.from(value, 'utf8').toString('hex')}' AS TEXT)`;
    return `'${value.replaceAll("'", "''")}'`;
  }
  throw new Refusal(`${where} is not a value D1 stores (${typeof value}).`, EXIT.archive);
}

/** Splits a string into pieces whose literals stay under APPEND_PIECE_BYTES, never inside a code point. */
function pieces(text) {
  const out = [];
  let current = '';
  let bytes = 0;
  for (const char of text) {
    const size = utf8Bytes(char) * (char === "'" ? 2 : 1);
    if (bytes + size > APPEND_PIECE_BYTES && current) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  out.push(current);
  return out;
}

/**
 * The statements that insert one row: insertSql of restore.ts with the values in place. A row
 * pointing at a parent the archive does not hold gets what its foreign key's ON DELETE says
 * (SET NULL clears the column, anything else drops the row). A value too long for one
 * statement is inserted with its first piece and appended to by UPDATEs on the primary key.
 */
function rowStatements(table, columns, row) {
  const values = columns.map((column) => row[column] ?? null);
  const literals = columns.map((column, i) => literal(values[i], `${table.name}.${column}`));
  const position = new Map(columns.map((column, i) => [column, i]));
  const fkColumns = new Set(table.foreignKeys.flatMap((fk) => fk.columns));
  const keyColumns = new Set(table.primaryKey);
  const appends = [];

  const build = () => {
    const select = [...literals];
    const conditions = [];
    for (const fk of table.foreignKeys) {
      const indexes = fk.columns.map((column) => position.get(column));
      if (indexes.some((index) => index === undefined)) continue;
      // A NULL in the key points at nothing: nothing to check.
      if (indexes.some((index) => values[index] === null)) continue;
      const match = fk.parentColumns.map((parent, i) => `${quote(parent)} = ${literals[indexes[i]]}`).join(' AND ');
      const exists = `EXISTS (SELECT 1 FROM ${quote(fk.parent)} WHERE ${match})`;
      if (fk.onDelete === 'set null' && fk.columns.length === 1) {
        select[indexes[0]] = `CASE WHEN ${exists} THEN ${literals[indexes[0]]} ELSE NULL END`;
      } else {
        conditions.push(exists);
      }
    }
    const head = `INSERT INTO ${quote(table.name)} (${columns.map(quote).join(', ')})`;
    if (conditions.length === 0 && select.every((expression, i) => expression === literals[i])) {
      return `${head} VALUES (${select.join(', ')})`;
    }
    return `${head} SELECT ${select.join(', ')}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
  };

  let insert = build();
  while (utf8Bytes(insert) > MAX_STATEMENT_BYTES) {
    // The longest string that is neither a key nor a foreign key goes in pieces.
    let longest = -1;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      if (typeof values[i] !== 'string' || keyColumns.has(column) || fkColumns.has(column)) continue;
      if (values[i].includes('\0') || appends.some((append) => append.index === i)) continue;
      if (longest === -1 || literals[i].length > literals[longest].length) longest = i;
    }
    if (longest === -1 || literals[longest].length <= APPEND_PIECE_BYTES) {
      throw new Refusal(`A row of ${table.name} is too large for one D1 statement.`, EXIT.archive);
    }
    const [first, ...rest] = pieces(values[longest]);
    literals[longest] = literal(first, '');
    appends.push({ index: longest, rest });
    insert = build();
  }
  const statements = [insert];
  if (appends.length > 0) {
    const where = table.primaryKey
      .map((column) => `${quote(column)} = ${literal(values[position.get(column)], `${table.name}.${column}`)}`)
      .join(' AND ');
    for (const { index, rest } of appends) {
      const column = quote(columns[index]);
      for (const piece of rest) {
        statements.push(
          `UPDATE ${quote(table.name)} SET ${column} = ${column} || ${literal(piece, '')} WHERE ${where}`,
        );
      }
    }
  }
  return statements;
}

/**
 * holdsData of restore.ts for a restore with no signed-in admin: any user, and any row of a
 * data table (the seeded roles, the audit log and metrics aside), makes the target not empty.
 * One query, with the target's migrations alongside.
 */
function targetCheckSql(tables) {
  const seeded = new Set(['roles', 'role_permissions', 'audit_log', 'metrics_daily']);
  const checks = tables
    .filter((table) => !seeded.has(table.name))
    .map((table) => {
      if (table.name === 'users') return 'EXISTS (SELECT 1 FROM users)';
      const userColumns = table.foreignKeys.filter((fk) => fk.parent === 'users').flatMap((fk) => fk.columns);
      if (userColumns.length === 0) return `EXISTS (SELECT 1 FROM ${quote(table.name)})`;
      return `EXISTS (SELECT 1 FROM ${quote(table.name)} WHERE ${userColumns.map((column) => `${quote(column)} IS NOT NULL`).join(' OR ')})`;
    });
  return `SELECT (${checks.join(' OR ')}) AS found, (SELECT json_group_array(name) FROM (SELECT name FROM d1_migrations ORDER BY id)) AS migrations`;
}

// The app's id format (src/lib/ids.ts), as in scripts/admin.mjs.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
function newId() {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32] + head;
    time = Math.floor(time / 32);
  }
  return head + Array.from(randomBytes(16), (byte) => ALPHABET[byte & 31]).join('');
}

// --- wrangler ------------------------------------------------------------------------------------

function makeWrangler(target) {
  const where = target.remote
    ? ['--remote']
    : ['--local', ...(target.persistTo ? ['--persist-to', target.persistTo] : [])];
  let calls = 0;
  const run = (args) => {
    calls++;
    const full = [...args, ...where];
    if (target.dryRun) {
      console.log(`$ wrangler ${full.map(shellQuote).join(' ')}`);
      return Promise.resolve(null);
    }
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [wranglerBin, ...full], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', (error) => reject(new Error(`Could not run wrangler: ${error.message}`)));
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else {
          const error = new Error(
            `wrangler ${args.slice(0, 3).join(' ')} failed (exit ${code}):\n${stdout}${stderr}`.trim(),
          );
          error.output = stdout + stderr;
          reject(error);
        }
      });
    });
  };
  return {
    get calls() {
      return calls;
    },
    query: async (sql) => {
      const out = await run(['d1', 'execute', 'DB', '--json', '--yes', '--command', sql]);
      if (out === null) return null;
      try {
        return JSON.parse(out)[0]?.results ?? [];
      } catch {
        throw new Error(`Unexpected output from wrangler:\n${out}`);
      }
    },
    executeFile: (file) => run(['d1', 'execute', 'DB', '--yes', '--file', file]),
    putObject: (bucket, key, file) => run(['r2', 'object', 'put', `${bucket}/${key}`, '--file', file]),
  };
}

/** SQL statements gathered into files of about SQL_FILE_BYTES, each run in order as it fills. */
function sqlBatches(dir, wrangler) {
  let statements = [];
  let bytes = 0;
  let files = 0;
  const flush = async () => {
    if (statements.length === 0) return;
    const file = path.join(dir, `${String(files++).padStart(4, '0')}.sql`);
    await writeFile(file, `${statements.join(';\n')};\n`);
    statements = [];
    bytes = 0;
    await wrangler.executeFile(file);
  };
  return {
    async add(statement) {
      const size = utf8Bytes(statement) + 2;
      if (bytes + size > SQL_FILE_BYTES) await flush();
      statements.push(statement);
      bytes += size;
    },
    flush,
    get files() {
      return files;
    },
  };
}

// --- the restore ---------------------------------------------------------------------------------

async function readAll(body, hasher) {
  const chunks = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hasher.update(value);
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Streams an object's body to `file` (or nowhere, for a dry run), hashing it. */
async function writeBody(body, file) {
  const hash = createHash('sha256');
  const handle = file ? await open(file, 'w') : null;
  let size = 0;
  try {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      size += value.length;
      if (handle) await handle.write(value);
    }
  } finally {
    await handle?.close();
  }
  return { sha256: hash.digest('hex'), size };
}

function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main() {
  const target = parseArgs(process.argv.slice(2));
  if (!existsSync(target.archive) || !statSync(target.archive).isFile()) {
    fail(`No archive at ${target.archive}.`, EXIT.usage);
  }
  const [reader, seal, catalogue] = await Promise.all([
    importSource('src/features/backups/archive-reader.ts'),
    importSource('src/features/backups/seal.ts'),
    importSource('src/features/backups/tables.ts'),
  ]);
  const refusedArchive = (error) => error instanceof reader.ArchiveError || error instanceof seal.SealError;

  const rawKey = (target.key ?? process.env.BACKUP_ENCRYPTION_KEY ?? '').trim();
  let key = null;
  if (rawKey) {
    try {
      key = await seal.backupKey(rawKey);
    } catch (error) {
      fail(`${error.message.replace('BACKUP_ENCRYPTION_KEY', 'The key')}`, EXIT.usage);
    }
  }
  const options = { key, newHasher: nodeHasher };
  const tables = catalogue.backedUpTables();
  const migrations = checkoutMigrations();
  const where = target.remote ? 'the deployed database and bucket' : 'the local database and bucket';

  // Pass 1: everything checked, nothing written.
  console.log(`Checking ${path.basename(target.archive)} (${mib(statSync(target.archive).size)})…`);
  let manifest;
  try {
    manifest = await reader.validateArchive(openArchive(target.archive), options, {
      migrations,
      tables: new Map(tables.map((table) => [table.name, table.columns])),
    });
  } catch (error) {
    if (refusedArchive(error)) fail(`Refused: ${error.message}\nNothing was written.`, EXIT.archive);
    throw error;
  }
  const rowsTotal = manifest.tables.reduce((sum, table) => sum + table.rows, 0);
  const objectBytes = manifest.objects.reduce((sum, object) => sum + object.size, 0);
  console.log(
    `The archive is intact: backup ${manifest.backupId} of ${manifest.createdAt} (Hearth ${manifest.appVersion}), ` +
      `${rowsTotal} rows in ${manifest.tables.length} tables, ${manifest.objects.length} files (${mib(objectBytes)}).`,
  );
  if (target.remote) {
    const large = manifest.objects.filter((object) => object.size > REMOTE_PUT_LIMIT);
    if (large.length > 0) {
      fail(
        `Refused: ${large.length} file(s) are larger than the ${mib(REMOTE_PUT_LIMIT)} wrangler uploads to a remote bucket ` +
          `(${large[0].key}, ${mib(large[0].size)}). Restore this archive in the app instead: upload it, ` +
          'POST /api/backups/import { fileId }, then POST /api/backups/:id/restore. Nothing was written.',
        EXIT.target,
      );
    }
  }

  const wrangler = makeWrangler(target);
  const bucket = bucketName();

  // The target: its migrations, and whether it holds data.
  let state;
  try {
    const result = await wrangler.query(targetCheckSql(tables));
    state = result?.[0] ?? null;
  } catch (error) {
    if (/no such table/i.test(error.output ?? '')) {
      fail(
        `Refused: the target database lacks Hearth's tables. Apply the migrations first: ` +
          `npx wrangler d1 migrations apply DB ${target.remote ? '--remote' : '--local'}\nNothing was written.`,
        EXIT.target,
      );
    }
    throw error;
  }
  if (state) {
    const applied = JSON.parse(state.migrations ?? '[]');
    const missing = manifest.migrations.filter((name) => !applied.includes(name));
    if (missing.length > 0) {
      fail(
        `Refused: the target database lacks migrations the archive was taken with (${missing.join(', ')}). ` +
          `Apply them first: npx wrangler d1 migrations apply DB ${target.remote ? '--remote' : '--local'}\nNothing was written.`,
        EXIT.target,
      );
    }
    const unknown = applied.filter((name) => !migrations.includes(name));
    if (unknown.length > 0) {
      fail(
        `Refused: the target database has migrations this checkout does not know (${unknown.join(', ')}). ` +
          'Update the checkout first.\nNothing was written.',
        EXIT.target,
      );
    }
    if (state.found === 1 && target.confirm !== CONFIRMATION) {
      fail(
        `Refused: ${where} already hold data (users, files, rooms…). To replace all of it with the archive, ` +
          `run again with --confirm "${CONFIRMATION}".\nNothing was written.`,
        EXIT.target,
      );
    }
  }

  // Pass 2: clear, then apply in the archive's order (parents before children).
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-restore-'));
  const batches = sqlBatches(dir, wrangler);
  const byName = new Map(tables.map((table) => [table.name, table]));
  const listed = new Map(manifest.tables.map((table) => [table.name, table]));
  const pages = new Map(manifest.tables.flatMap((table) => table.pages.map((page) => [page.entry, page])));
  const objects = new Map(manifest.objects.map((object) => [object.key, object]));
  const order = tables.map((table) => table.name);
  const others = catalogue.clearedOnRestore().filter((name) => !byName.has(name));
  let started = false;
  let rows = 0;
  let copied = 0;
  const puts = new Set();
  let putFailure = null;
  const changed = (name) =>
    new Refusal(
      `"${name}" changed since it was checked (is the archive file being written to?). The target may be partly restored.`,
      EXIT.archive,
    );

  try {
    for (const name of [...others, ...[...order].reverse()]) await batches.add(`DELETE FROM ${quote(name)}`);
    started = !target.dryRun;
    for await (const entry of reader.archiveEntries(openArchive(target.archive), options)) {
      if (entry.name.startsWith('objects/')) {
        const object = objects.get(entry.name.slice('objects/'.length));
        if (!object) throw changed(entry.name);
        const file = target.dryRun ? null : path.join(dir, `object-${copied}`);
        const written = await writeBody(entry.body, file);
        if (written.sha256 !== object.sha256 || written.size !== object.size) throw changed(entry.name);
        const put = wrangler
          .putObject(bucket, object.key, file ?? path.join(dir, `object-${copied}`))
          .then(() => file && rm(file, { force: true }))
          .catch((error) => {
            putFailure ??= error;
          })
          .finally(() => puts.delete(put));
        puts.add(put);
        copied++;
        while (puts.size >= (target.remote ? REMOTE_PUTS : 1)) await Promise.race(puts);
        if (putFailure) throw putFailure;
        if (!target.dryRun && copied % 10 === 0) console.log(`  ${copied} of ${manifest.objects.length} files copied`);
        continue;
      }
      if (entry.name.startsWith('tables/')) {
        const name = entry.name.split('/')[1];
        const table = byName.get(name);
        const archived = listed.get(name);
        const page = pages.get(entry.name);
        if (!table || !archived || !page) throw changed(entry.name);
        const hasher = nodeHasher();
        const bytes = await readAll(entry.body, hasher);
        if ((await hasher.digest()) !== page.sha256) throw changed(entry.name);
        for (const row of reader.parsePage(bytes)) {
          const keys = Object.keys(row);
          if (keys.length !== archived.columns.length || keys.some((key, k) => key !== archived.columns[k])) {
            throw new Refusal(`A row of ${name} does not have the columns its manifest lists.`, EXIT.archive);
          }
          for (const statement of rowStatements(table, archived.columns, row)) await batches.add(statement);
          rows++;
        }
        continue;
      }
      // The manifest, read by the first pass.
      await entry.body.cancel();
    }
    const details = JSON.stringify({ via: 'scripts/restore.mjs', rows, objects: copied });
    await batches.add(
      `INSERT INTO audit_log (id, at, action, outcome, actor_id, target_type, target_id, ip, user_agent, details) VALUES (${literal(newId())}, ${Date.now()}, 'backup.restored', 'success', NULL, 'backup', ${literal(manifest.backupId)}, NULL, 'scripts/restore.mjs', ${literal(details)})`,
    );
    await batches.flush();
    await Promise.all(puts);
    if (putFailure) throw putFailure;
  } catch (error) {
    await Promise.allSettled(puts);
    const message = error instanceof Error ? error.message : String(error);
    const again = started
      ? `\nThe target is partly restored. Fix the cause and run the restore again with --confirm "${CONFIRMATION}": it clears and applies everything again.`
      : '';
    if (!target.dryRun) await rm(dir, { recursive: true, force: true });
    const code = Number.isInteger(error?.code) ? error.code : refusedArchive(error) ? EXIT.archive : EXIT.failed;
    fail(`${refusedArchive(error) ? 'Refused: ' : ''}${message}${again}`, code);
  }

  if (target.dryRun) {
    console.log(
      `Dry run: the archive is intact and would restore ${rows} rows and ${copied} files into ${where} ` +
        `with the ${wrangler.calls} wrangler commands above. The SQL files are in ${dir}.`,
    );
    return;
  }
  await rm(dir, { recursive: true, force: true });

  // What arrived: rows whose parent the archive did not hold were left out, as in the app.
  const counts = await wrangler.query(
    `SELECT ${manifest.tables.map((table) => `(SELECT count(*) FROM ${quote(table.name)}) AS ${quote(table.name)}`).join(', ')}`,
  );
  const present = manifest.tables.reduce((sum, table) => sum + Number(counts?.[0]?.[table.name] ?? 0), 0);
  // The audit row written above is not in the archive.
  const dropped = rowsTotal - (present - (listed.has('audit_log') ? 1 : 0));
  console.log(
    `Restored ${rowsTotal - Math.max(0, dropped)} rows and ${copied} files into ${where}.` +
      (dropped > 0
        ? ` ${dropped} rows were left out: their parent row was created after its table was backed up.`
        : '') +
      '\nEveryone signs in again: sessions are not in archives.',
  );
}

main().catch((error) => {
  fail(
    error instanceof Error ? error.message : String(error),
    Number.isInteger(error?.code) ? error.code : EXIT.failed,
  );
});
