// scripts/restore.mjs, run as a process the way `npm run restore` runs it. Not a vitest file: the
// worker tests run inside workerd, which cannot spawn wrangler. Run with
//   node_modules/.bin/node --test test/scripts/restore.test.mjs
// The archives are built here from the worker's own writers (tar.ts headers, manifest.ts names
// and hashes, seal.ts chunks), in the layout backup-job.ts writes: objects, then their files page,
// tables parents first, the manifest last.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { importSource } from '../../scripts/ts-source.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const node = process.execPath;
const wrangler = path.join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const tar = await importSource('src/features/backups/tar.ts');
const manifestFormat = await importSource('src/features/backups/manifest.ts');
const seal = await importSource('src/features/backups/seal.ts');
const { backedUpTables } = await importSource('src/features/backups/tables.ts');
const schema = await importSource('src/db/schema/index.ts');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const migrations = readdirSync(path.join(root, 'migrations'))
  .filter((name) => name.endsWith('.sql'))
  .sort();
const schemaTables = new Map(
  Object.values(schema)
    .filter((value) => is(value, SQLiteTable))
    .map((table) => [getTableConfig(table).name, getTableConfig(table)]),
);

/** A full row of `table`: the given values, and something that fits for every other NOT NULL column. */
function fullRow(table, values) {
  const config = schemaTables.get(table);
  assert.ok(config, `no table ${table}`);
  const row = {};
  for (const column of config.columns) {
    if (column.name in values) row[column.name] = values[column.name];
    else if (!column.notNull) row[column.name] = null;
    else if (column.getSQLType().includes('int')) row[column.name] = 1_700_000_000_000;
    else row[column.name] = column.name === 'settings' ? '{}' : `${column.name}-value`;
  }
  return row;
}

// One row of audit_log longer than a D1 statement, with everything SQL text must survive.
const LONG_DETAILS = JSON.stringify({ note: `it's; -- not /* a comment */ 'quoted' ✓ 🦊\n`.repeat(4000) });
const SMALL = new TextEncoder().encode('hello, restore\n');
const LARGE = randomBytes(300 * 1024);

/** The data: a user with a password, roles, a file of each size, and a grant of a role the archive lacks. */
function sampleData() {
  const userId = '01hzzzzzzzuser00000000000a';
  const files = [
    { id: 'file_small', key: `files/${userId}/file_small`, body: SMALL },
    { id: 'file_large', key: `files/${userId}/file_large`, body: LARGE },
  ];
  const rows = {
    roles: [fullRow('roles', { id: 'role_admin', name: 'admin', description: null, built_in: 1 })],
    users: [
      fullRow('users', {
        id: userId,
        email: 'ada@example.com',
        password_hash: '$scrypt$n=16384,r=8,p=1$c2FsdA$aGFzaA',
        name: "Ada O'Brien",
        status: 'active',
      }),
    ],
    user_roles: [
      fullRow('user_roles', { user_id: userId, role_id: 'role_admin', granted_by: null }),
      // Its role is not in the archive (created while a backup ran): the restore leaves it out.
      fullRow('user_roles', { user_id: userId, role_id: 'role_gone', granted_by: null }),
    ],
    files: files.map((file) =>
      fullRow('files', {
        id: file.id,
        owner_id: userId,
        name: `${file.id}.bin`,
        name_key: `${file.id}.bin`,
        size: file.body.length,
        content_type: 'application/octet-stream',
        sha256: sha256(file.body),
        r2_key: file.key,
        etag: sha256(file.body).slice(0, 32),
      }),
    ),
    audit_log: [
      fullRow('audit_log', {
        id: 'audit_one',
        action: 'user.login',
        outcome: 'success',
        actor_id: userId,
        target_type: null,
        target_id: null,
        ip: null,
        user_agent: null,
        details: LONG_DETAILS,
      }),
    ],
  };
  return { userId, files, rows };
}

/** A plain tar archive in the backup's layout, or its manifest changed by `edit`. */
function buildArchive({ rows, files }, { backupId = 'backup_test', edit = (manifest) => manifest } = {}) {
  const parts = [];
  const mtime = Date.UTC(2026, 0, 1);
  const entry = (name, bytes) => {
    parts.push(tar.entryHeader(name, bytes.length, mtime), bytes, new Uint8Array(tar.paddingFor(bytes.length)));
  };
  const tables = [];
  const objects = [];
  for (const table of backedUpTables()) {
    const tableRows = rows[table.name];
    if (!tableRows) continue;
    if (table.name === 'files') {
      for (const file of files) {
        entry(manifestFormat.objectEntry(file.key), file.body);
        objects.push({ key: file.key, fileId: file.id, size: file.body.length, sha256: sha256(file.body) });
      }
    }
    const bytes = new TextEncoder().encode(tableRows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const page = { entry: manifestFormat.pageEntry(table.name, 0), rows: tableRows.length, bytes: bytes.length };
    entry(page.entry, bytes);
    const pageHash = sha256(bytes);
    tables.push({
      name: table.name,
      columns: table.columns,
      primaryKey: table.primaryKey,
      rows: tableRows.length,
      pages: [{ ...page, sha256: pageHash }],
      sha256: sha256(manifestFormat.tableHashInput([pageHash])),
    });
  }
  const manifest = edit({
    format: manifestFormat.FORMAT,
    formatVersion: manifestFormat.FORMAT_VERSION,
    backupId,
    appVersion: '0.1.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    migrations,
    tables,
    objects,
    excluded: [],
    droppedFileRows: 0,
    consistency: manifestFormat.CONSISTENCY,
  });
  entry(manifestFormat.MANIFEST_ENTRY, new TextEncoder().encode(JSON.stringify(manifest)));
  parts.push(tar.END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** The archive sealed as archive-sink.ts seals it: the header, then 64 KiB chunks, the last one flagged. */
async function sealArchive(plain, rawKey, backupId = 'backup_test') {
  const key = await seal.backupKey(rawKey);
  const parts = [seal.sealHeader(backupId)];
  const chunks = Math.max(1, Math.ceil(plain.length / seal.CHUNK));
  for (let i = 0; i < chunks; i++) {
    const chunk = plain.subarray(i * seal.CHUNK, (i + 1) * seal.CHUNK);
    parts.push(await seal.sealChunk(key, backupId, i, i === chunks - 1, chunk));
  }
  return Buffer.concat(parts);
}

let dir;
const write = (name, bytes) => {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
};

function restore(args, env = {}) {
  const { BACKUP_ENCRYPTION_KEY: _, ...rest } = process.env;
  const result = spawnSync(node, [path.join(root, 'scripts', 'restore.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...rest, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const wranglerLines = (output) => output.split('\n').filter((line) => line.startsWith('$ wrangler'));

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-restore-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('validation, before any wrangler command', () => {
  test('an intact archive passes and the dry run lists the commands: check, SQL files, one put per object', () => {
    const data = sampleData();
    const result = restore([write('good.tar', buildArchive(data)), '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /The archive is intact: backup backup_test/);
    const commands = wranglerLines(result.stdout);
    assert.match(commands[0] ?? '', /^\$ wrangler d1 execute DB --json --yes --command .*d1_migrations.* --local$/);
    const puts = commands.filter((line) => line.includes(' r2 object put '));
    assert.deepEqual(
      puts.map((line) => line.split(' ')[5]),
      data.files.map((file) => `hearth-files/${file.key}`),
    );
    const sqlFiles = commands
      .filter((line) => line.startsWith('$ wrangler d1 execute DB --yes --file '))
      .map((line) => line.split(' --file ')[1]);
    assert.ok(sqlFiles.length >= 1);
    const sql = readFileSync(sqlFiles[0].split(' ')[0], 'utf8');
    // Cleared first (sessions too), then parents before children.
    assert.ok(sql.indexOf('DELETE FROM "sessions"') < sql.indexOf('INSERT INTO "users"'));
    assert.ok(sql.indexOf('INSERT INTO "users"') < sql.indexOf('INSERT INTO "user_roles"'));
    assert.ok(sql.indexOf('INSERT INTO "roles"') < sql.indexOf('INSERT INTO "user_roles"'));
    for (const statement of sql.split(';\n')) assert.ok(Buffer.byteLength(statement) < 100_000);
    assert.match(sql, /UPDATE "audit_log" SET "details" = "details" \|\| /);
  });

  test('one changed byte in a file is refused, and no wrangler command is listed', () => {
    const archive = buildArchive(sampleData());
    const at = archive.indexOf(Buffer.from('hello, restore'));
    assert.ok(at > 0);
    archive[at] ^= 0x01;
    const result = restore([write('tampered.tar', archive), '--dry-run']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /Object files\/.*file_small does not match its SHA-256 in the manifest/);
    assert.match(result.stderr, /Nothing was written/);
    assert.deepEqual(wranglerLines(result.stdout), []);
  });

  test('one changed byte in a table page is refused', () => {
    const archive = buildArchive(sampleData());
    const at = archive.indexOf(Buffer.from('ada@example.com'));
    archive[at] = 'b'.charCodeAt(0);
    const result = restore([write('tampered-row.tar', archive), '--dry-run']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /tables\/users\/0\.ndjson" does not match its SHA-256/);
    assert.deepEqual(wranglerLines(result.stdout), []);
  });

  test('a cut-off archive is refused', () => {
    const archive = buildArchive(sampleData());
    const result = restore([write('cut.tar', archive.subarray(0, archive.length - 4096)), '--dry-run']);
    assert.equal(result.code, 3);
    assert.deepEqual(wranglerLines(result.stdout), []);
  });

  test('a newer format and unknown migrations are refused', () => {
    const data = sampleData();
    const newer = restore([
      write('newer.tar', buildArchive(data, { edit: (m) => ({ ...m, formatVersion: m.formatVersion + 1 }) })),
      '--dry-run',
    ]);
    assert.equal(newer.code, 3);
    assert.match(newer.stderr, /format 2; this deployment reads up to format 1/);
    const unknown = restore([
      write(
        'unknown.tar',
        buildArchive(data, { edit: (m) => ({ ...m, migrations: [...m.migrations, '9999_from_the_future.sql'] }) }),
      ),
      '--dry-run',
    ]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /migrations this deployment does not have \(9999_from_the_future\.sql\)/);
    assert.deepEqual(wranglerLines(newer.stdout + unknown.stdout), []);
  });

  test('a sealed archive needs its key: right key passes, none or another is refused, a changed chunk too', async () => {
    const rawKey = randomBytes(32).toString('base64');
    const sealed = await sealArchive(buildArchive(sampleData()), rawKey);
    const file = write('sealed.tar.enc', sealed);
    const withEnv = restore([file, '--dry-run'], { BACKUP_ENCRYPTION_KEY: rawKey });
    assert.equal(withEnv.code, 0, withEnv.stderr);
    assert.equal(restore([file, '--dry-run', '--key', rawKey]).code, 0);

    const none = restore([file, '--dry-run']);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /encrypted and BACKUP_ENCRYPTION_KEY is not set/);
    const wrong = restore([file, '--dry-run', '--key', randomBytes(32).toString('base64')]);
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /cannot be decrypted/);

    const tampered = Buffer.from(sealed);
    tampered[seal.sealHeader('backup_test').length + seal.FRAME + 100] ^= 0x80;
    const changed = restore([write('sealed-tampered.tar.enc', tampered), '--dry-run', '--key', rawKey]);
    assert.equal(changed.code, 3);
    assert.match(changed.stderr, /Encrypted chunk 1 is damaged/);
    assert.deepEqual(wranglerLines(none.stdout + wrong.stdout + changed.stdout), []);
  });

  test('bad usage', () => {
    assert.equal(restore([]).code, 2);
    assert.equal(restore([path.join(dir, 'missing.tar')]).code, 2);
    const confirm = restore([write('any.tar', buildArchive(sampleData())), '--confirm', 'yes']);
    assert.equal(confirm.code, 2);
    assert.match(confirm.stderr, /exactly "replace everything"/);
    const key = restore([path.join(dir, 'any.tar'), '--dry-run', '--key', 'bm90IDMyIGJ5dGVz']);
    assert.equal(key.code, 2);
    assert.match(key.stderr, /must be 32 bytes/);
    const help = restore(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--remote/);
  });
});

describe('into a local D1 and R2 through wrangler', () => {
  let state;
  const target = () => ['--local', '--persist-to', state];
  const run = (args) => {
    const result = spawnSync(node, [wrangler, ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  const query = (sql) => JSON.parse(run(['d1', 'execute', 'DB', '--json', '--command', sql, ...target()]))[0].results;
  const object = (key) =>
    spawnSync(node, [wrangler, 'r2', 'object', 'get', `hearth-files/${key}`, '--pipe', ...target()], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      maxBuffer: 64 * 1024 * 1024,
    }).stdout;

  before(() => {
    state = mkdtempSync(path.join(os.tmpdir(), 'hearth-restore-state-'));
    run(['d1', 'migrations', 'apply', 'DB', ...target()]);
  });
  after(() => rmSync(state, { recursive: true, force: true }));

  test('restores every row and object byte for byte; refuses a target with data unless confirmed', () => {
    const data = sampleData();
    const file = write('local.tar', buildArchive(data));
    // A migrated deployment has its seeded roles and nothing else: it counts as empty.
    const first = restore([file, ...target()]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /Restored 6 rows and 2 files/);
    assert.match(first.stdout, /1 rows were left out/);

    const [restored] = query(
      `SELECT (SELECT json_group_array(json_object('id', id, 'email', email, 'password_hash', password_hash, 'name', name)) FROM users) AS users,
              (SELECT json_group_array(role_id) FROM user_roles) AS grants,
              (SELECT json_group_array(id) FROM roles) AS roles,
              (SELECT details FROM audit_log WHERE id = 'audit_one') AS details,
              (SELECT count(*) FROM audit_log WHERE action = 'backup.restored') AS restores`,
    );
    assert.deepEqual(JSON.parse(restored.users), [
      {
        id: data.userId,
        email: 'ada@example.com',
        password_hash: data.rows.users[0].password_hash,
        name: "Ada O'Brien",
      },
    ]);
    assert.deepEqual(JSON.parse(restored.grants), ['role_admin']);
    assert.deepEqual(JSON.parse(restored.roles), ['role_admin']);
    assert.equal(restored.details, LONG_DETAILS);
    assert.equal(restored.restores, 1);
    for (const stored of data.files) assert.equal(sha256(object(stored.key)), sha256(stored.body));

    const again = restore([file, ...target()]);
    assert.equal(again.code, 4);
    assert.match(again.stderr, /already hold data.*--confirm "replace everything"/s);

    // A tampered archive, even confirmed, changes nothing.
    const tampered = Buffer.from(readFileSync(file));
    tampered[tampered.indexOf(Buffer.from('hello, restore'))] ^= 0x01;
    const refused = restore([write('local-tampered.tar', tampered), ...target(), '--confirm', 'replace everything']);
    assert.equal(refused.code, 3);
    assert.equal(query('SELECT count(*) AS n FROM users')[0].n, 1);
    assert.equal(sha256(object(data.files[0].key)), sha256(SMALL));

    const replaced = restore([file, ...target(), '--confirm', 'replace everything']);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.deepEqual(query('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM files) AS files'), [
      { users: 1, files: 2 },
    ]);
  });
});
