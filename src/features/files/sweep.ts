import { inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { files, uploads } from '../../db/schema';
import { now } from '../../lib/clock';

const CURSOR_KEY = 'sweep:files:cursor';
const BATCH = 500;
/** Objects this young may belong to an upload whose row is being written right now. */
const GRACE_MS = 60 * 60 * 1000;

/**
 * Deletes R2 objects under `files/` that no file or upload row points at:
 * left behind when a worker died between writing an object and its row, or
 * when an object delete failed after its row was removed. Walks the bucket a
 * page per run, resuming from a cursor kept in KV (a flag-like value that
 * tolerates KV's eventual consistency: a repeated page is harmless).
 */
export async function sweepOrphanObjects(
  db: Database,
  bucket: R2Bucket,
  kv: KVNamespace,
  graceMs = GRACE_MS,
): Promise<number> {
  const cursor = (await kv.get(CURSOR_KEY)) ?? undefined;
  const listing = await bucket.list({ prefix: 'files/', cursor, limit: BATCH });
  const candidates = listing.objects.filter((object) => now().getTime() - object.uploaded.getTime() > graceMs);
  let deleted = 0;
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < candidates.length; i += 100) {
    const keys = candidates.slice(i, i + 100).map((object) => object.key);
    const [known, pending] = await Promise.all([
      db.select({ key: files.r2Key }).from(files).where(inArray(files.r2Key, keys)),
      db.select({ key: uploads.r2Key }).from(uploads).where(inArray(uploads.r2Key, keys)),
    ]);
    const referenced = new Set([...known, ...pending].map((row) => row.key));
    const orphans = keys.filter((key) => !referenced.has(key));
    if (orphans.length > 0) await bucket.delete(orphans);
    deleted += orphans.length;
  }
  if (listing.truncated) await kv.put(CURSOR_KEY, listing.cursor);
  else await kv.delete(CURSOR_KEY);
  return deleted;
}
