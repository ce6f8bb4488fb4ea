import { createTarDecoder } from 'modern-tar';
import {
  FORMAT,
  FORMAT_VERSION,
  MANIFEST_ENTRY,
  type Manifest,
  objectEntry,
  pageEntry,
  tableHashInput,
} from './manifest';
import { isSealed, unsealStream } from './seal';

/**
 * Reads archives, in the worker (restore, import) and on a workstation (scripts/restore.mjs):
 * nothing here needs more than web streams and WebCrypto, and hashing is passed in.
 */

/** Why an archive is refused; the message is for the admin. */
export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

export interface Hasher {
  update(bytes: Uint8Array): void | Promise<void>;
  /** Hex SHA-256 of everything updated. */
  digest(): Promise<string>;
}

export interface ReadOptions {
  /** The key for sealed archives; null when none is configured. */
  key: CryptoKey | null;
  /** When set, a sealed archive must have been sealed for this backup id. */
  backupId?: string;
  newHasher: () => Hasher;
}

export interface ArchiveEntry {
  name: string;
  size: number;
  body: ReadableStream<Uint8Array>;
}

/** The archive's bytes, decrypted when they are sealed. */
async function plainArchive(stream: ReadableStream<Uint8Array>, options: ReadOptions) {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array(0);
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  if (!isSealed(head)) return rest;
  if (!options.key) {
    await rest.cancel();
    throw new ArchiveError('The archive is encrypted and BACKUP_ENCRYPTION_KEY is not set here.');
  }
  return rest.pipeThrough(unsealStream(options.key, options.backupId));
}

/**
 * The archive's entries in order. Each entry's body must be read to its end (or cancelled)
 * before the next entry arrives: the archive is never held in memory.
 */
export async function* archiveEntries(
  stream: ReadableStream<Uint8Array>,
  options: ReadOptions,
): AsyncGenerator<ArchiveEntry> {
  const plain = await plainArchive(stream, options);
  const decoder = createTarDecoder({ strict: true });
  const piping = plain.pipeTo(decoder.writable).catch((error: unknown) => error);
  const reader = decoder.readable.getReader();
  try {
    for (;;) {
      let next: ReadableStreamReadResult<{
        header: { name: string; size: number; type?: string };
        body: ReadableStream<Uint8Array>;
      }>;
      try {
        next = await reader.read();
      } catch (error) {
        throw toArchiveError(error, await piping);
      }
      if (next.done) break;
      const { header, body } = next.value;
      if (header.type && header.type !== 'file') {
        await body.cancel();
        throw new ArchiveError(`The archive holds "${header.name}", which is not a regular file.`);
      }
      yield { name: header.name, size: header.size, body };
    }
    const failed = await piping;
    if (failed) throw toArchiveError(failed, failed);
  } finally {
    reader.releaseLock();
  }
}

function toArchiveError(error: unknown, cause: unknown): ArchiveError {
  const source = cause instanceof Error ? cause : error;
  if (source instanceof ArchiveError) return source;
  const message = source instanceof Error ? source.message : String(source);
  if (source instanceof Error && source.name === 'SealError') return new ArchiveError(message);
  return new ArchiveError(`The archive is damaged: ${message}`);
}

/** Reads a body to its end, hashing it, counting its bytes and its newlines. */
export async function digestBody(body: ReadableStream<Uint8Array>, hasher: Hasher, keep = false) {
  const reader = body.getReader();
  let bytes = 0;
  let lines = 0;
  const kept: Uint8Array[] = [];
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw toArchiveError(error, error);
    }
    if (result.done) break;
    const chunk = result.value;
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines++;
    await hasher.update(chunk);
    if (keep) kept.push(chunk);
  }
  return { sha256: await hasher.digest(), bytes, lines, kept: keep ? concat(kept) : null };
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export interface Deployment {
  /** Migrations applied here, in order. */
  migrations: string[];
  /** Tables a restore may write, with their columns. */
  tables: Map<string, string[]>;
}

/** Parses one NDJSON page into rows. */
export function parsePage(bytes: Uint8Array): Record<string, unknown>[] {
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The first pass of every restore: reads the whole archive and checks, before anything is
 * written, that it is complete and unchanged (every entry's size and SHA-256 against the
 * manifest, every table's hash, nothing missing or extra, the manifest last), that it comes
 * from a format and migrations this deployment knows, and that every file row has its object
 * and every object its row. Returns the manifest.
 */
export async function validateArchive(
  stream: ReadableStream<Uint8Array>,
  options: ReadOptions,
  deployment: Deployment,
): Promise<Manifest> {
  const seen = new Map<string, { sha256: string; bytes: number; lines: number }>();
  const fileKeys = new Map<string, string>();
  let manifest: Manifest | null = null;
  for await (const entry of archiveEntries(stream, options)) {
    if (manifest) {
      await entry.body.cancel();
      throw new ArchiveError(`The archive has "${entry.name}" after its manifest.`);
    }
    if (seen.has(entry.name)) {
      await entry.body.cancel();
      throw new ArchiveError(`The archive holds "${entry.name}" twice.`);
    }
    const isManifest = entry.name === MANIFEST_ENTRY;
    const isFilesPage = entry.name.startsWith('tables/files/');
    if (!isManifest && !entry.name.startsWith('tables/') && !entry.name.startsWith('objects/')) {
      await entry.body.cancel();
      throw new ArchiveError(`The archive holds "${entry.name}", which no Hearth backup writes.`);
    }
    if (isManifest && entry.size > 256 * 1024 * 1024) throw new ArchiveError('The manifest is too large.');
    const digest = await digestBody(entry.body, options.newHasher(), isManifest || isFilesPage);
    if (digest.bytes !== entry.size) throw new ArchiveError(`"${entry.name}" is cut off.`);
    if (isManifest) {
      try {
        manifest = JSON.parse(
          new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(digest.kept ?? undefined),
        ) as Manifest;
      } catch {
        throw new ArchiveError('The manifest is not valid JSON.');
      }
      continue;
    }
    if (isFilesPage && digest.kept) {
      try {
        for (const row of parsePage(digest.kept)) fileKeys.set(String(row.r2_key), String(row.id));
      } catch {
        throw new ArchiveError(`"${entry.name}" is not valid NDJSON.`);
      }
    }
    seen.set(entry.name, digest);
  }
  if (!manifest) throw new ArchiveError('The archive has no manifest: it is not a Hearth backup, or it is cut off.');
  checkManifest(manifest, deployment);

  const listed = new Set<string>();
  for (const table of manifest.tables) {
    const pageHashes: string[] = [];
    let rows = 0;
    for (const page of table.pages) {
      const found = seen.get(page.entry);
      if (!found) throw new ArchiveError(`"${page.entry}" is missing from the archive.`);
      if (found.sha256 !== page.sha256 || found.bytes !== page.bytes) {
        throw new ArchiveError(`"${page.entry}" does not match its SHA-256 in the manifest: the archive was changed.`);
      }
      if (found.lines !== page.rows) throw new ArchiveError(`"${page.entry}" does not hold ${page.rows} rows.`);
      if (page.entry !== pageEntry(table.name, pageHashes.length)) {
        throw new ArchiveError(`"${page.entry}" is out of order in the manifest.`);
      }
      pageHashes.push(page.sha256);
      rows += page.rows;
      listed.add(page.entry);
    }
    if (rows !== table.rows) throw new ArchiveError(`Table ${table.name} does not hold ${table.rows} rows.`);
    const tableHash = options.newHasher();
    await tableHash.update(tableHashInput(pageHashes));
    if ((await tableHash.digest()) !== table.sha256) {
      throw new ArchiveError(`The hash of table ${table.name} does not match the manifest.`);
    }
  }
  const objectKeys = new Set<string>();
  for (const object of manifest.objects) {
    const name = objectEntry(object.key);
    const found = seen.get(name);
    if (!found) throw new ArchiveError(`Object ${object.key} is missing from the archive.`);
    if (found.sha256 !== object.sha256 || found.bytes !== object.size) {
      throw new ArchiveError(
        `Object ${object.key} does not match its SHA-256 in the manifest: the archive was changed.`,
      );
    }
    if (fileKeys.get(object.key) !== object.fileId) {
      throw new ArchiveError(`Object ${object.key} has no file row in the archive.`);
    }
    objectKeys.add(object.key);
    listed.add(name);
  }
  for (const key of fileKeys.keys()) {
    if (!objectKeys.has(key)) throw new ArchiveError(`A file row points at ${key}, which the archive does not hold.`);
  }
  for (const name of seen.keys()) {
    if (!listed.has(name)) throw new ArchiveError(`"${name}" is in the archive but not in its manifest.`);
  }
  return manifest;
}

function checkManifest(manifest: Manifest, deployment: Deployment) {
  if (manifest.format !== FORMAT) throw new ArchiveError('This is not a Hearth backup archive.');
  if (!Number.isInteger(manifest.formatVersion) || manifest.formatVersion > FORMAT_VERSION) {
    throw new ArchiveError(
      `The archive is format ${manifest.formatVersion}; this deployment reads up to format ${FORMAT_VERSION}. Update Hearth first.`,
    );
  }
  if (!Array.isArray(manifest.migrations) || !Array.isArray(manifest.tables) || !Array.isArray(manifest.objects)) {
    throw new ArchiveError('The manifest is incomplete.');
  }
  const known = new Set(deployment.migrations);
  const unknown = manifest.migrations.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new ArchiveError(
      `The archive comes from a database with migrations this deployment does not have (${unknown.join(', ')}). Update Hearth first.`,
    );
  }
  for (const table of manifest.tables) {
    const columns = deployment.tables.get(table.name);
    if (!columns)
      throw new ArchiveError(`The archive holds table ${table.name}, which this deployment does not restore.`);
    const missing = table.columns.filter((column) => !columns.includes(column));
    if (missing.length > 0) {
      throw new ArchiveError(
        `Table ${table.name} in the archive has columns this deployment lacks: ${missing.join(', ')}.`,
      );
    }
  }
}
