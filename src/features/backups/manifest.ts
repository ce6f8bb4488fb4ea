/** What `manifest.json`, the last entry of every archive, holds. Import-free: the restore script reads it too. */

export const FORMAT = 'hearth-backup';
export const FORMAT_VERSION = 1;

export interface ManifestPage {
  /** The tar entry, `tables/<table>/<n>.ndjson`. */
  entry: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ManifestTable {
  name: string;
  columns: string[];
  primaryKey: string[];
  rows: number;
  pages: ManifestPage[];
  /** SHA-256 (hex) of the table's page hashes, each in hex and followed by a newline, in page order. */
  sha256: string;
}

export interface ManifestObject {
  /** The R2 key; the entry is `objects/<key>`. */
  key: string;
  fileId: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  backupId: string;
  appVersion: string;
  createdAt: string;
  finishedAt: string;
  /** Migrations applied to the database the archive was taken from, in order. */
  migrations: string[];
  tables: ManifestTable[];
  objects: ManifestObject[];
  excluded: { name: string; reason: string }[];
  /** File rows whose object was gone when the backup came to it (deleted while it ran). */
  droppedFileRows: number;
  consistency: string;
}

export const CONSISTENCY =
  'Tables are read one after another, parents before children, each paged by primary key; there is no snapshot across tables. ' +
  'Every file row in the archive has its object in the archive, with the size and SHA-256 listed here, and every object has its row: ' +
  'the files table is read a page at a time, each row’s object is streamed in, and only then is the page of rows written, without the rows whose object had been deleted. ' +
  'A row created while the backup ran, pointing at a parent row read before it existed, is left out on restore as its foreign key’s ON DELETE rule says (cascade: dropped; set null: cleared).';

/** The table hash from page hashes (see ManifestTable.sha256); `digest` is the platform's SHA-256 to hex. */
export function tableHashInput(pageHashes: readonly string[]): Uint8Array {
  return new TextEncoder().encode(pageHashes.map((hash) => `${hash}\n`).join(''));
}

export const pageEntry = (table: string, page: number) => `tables/${table}/${page}.ndjson`;
export const objectEntry = (key: string) => `objects/${key}`;
export const MANIFEST_ENTRY = 'manifest.json';
