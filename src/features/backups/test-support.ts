import { env } from 'cloudflare:workers';
import { unpackTar } from 'modern-tar';
import { expect } from 'vitest';
import { call, fetchUrl, makeAdmin, registerUser, type TestUser } from '../../../test/worker/helpers';
import type { Manifest } from './manifest';

// Shared by the backup tests (not a test file itself).

export interface PublicBackup {
  id: string;
  status: string;
  origin: string;
  encrypted: boolean;
  sizeBytes: number;
  error: string | null;
  progress: { rowsDone: number; rowsTotal: number; objectsDone: number; objectsTotal: number };
  restore: { status: string; error: string | null; rowsDone: number; objectsDone: number } | null;
}

export async function adminUser(): Promise<TestUser> {
  const user = await registerUser();
  await makeAdmin(user.id);
  return user;
}

/** Polls a backup until `done(b)` holds. */
export async function waitFor(
  token: string,
  id: string,
  done: (backup: PublicBackup) => boolean,
  timeout = 60_000,
): Promise<PublicBackup> {
  let last: PublicBackup | undefined;
  await expect
    .poll(
      async () => {
        const res = await call(`/api/backups/${id}`, { token });
        last = (await res.json()) as PublicBackup;
        return done(last);
      },
      { timeout, interval: 200 },
    )
    .toBe(true);
  return last as PublicBackup;
}

export const finished = (backup: PublicBackup) => backup.status === 'done' || backup.status === 'failed';
export const restored = (backup: PublicBackup) =>
  backup.restore?.status === 'done' || backup.restore?.status === 'failed';

/** Starts a backup through the API and waits for it to finish. */
export async function backUp(token: string): Promise<PublicBackup> {
  const res = await call('/api/backups', { method: 'POST', token });
  expect(res.status).toBe(202);
  const queued = (await res.json()) as PublicBackup;
  const done = await waitFor(token, queued.id, finished);
  expect(done).toMatchObject({ status: 'done', error: null });
  return done;
}

/** The archive bytes, fetched through the signed download URL. */
export async function downloadArchive(token: string, id: string): Promise<Uint8Array> {
  const link = (await (await call(`/api/backups/${id}/download`, { token })).json()) as { url: string };
  const res = await fetchUrl(link.url);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

/** The archive read with modern-tar, as any tar reader would. */
export async function readArchive(bytes: Uint8Array) {
  const entries = await unpackTar(bytes, { strict: true });
  const last = entries.at(-1);
  expect(last?.header.name).toBe('manifest.json');
  const manifest = JSON.parse(new TextDecoder().decode(last?.data)) as Manifest;
  const byName = new Map(entries.map((entry) => [entry.header.name, entry.data ?? new Uint8Array(0)]));
  return { entries, manifest, byName };
}

export function rowsOf(byName: Map<string, Uint8Array>, table: string): Record<string, unknown>[] {
  return [...byName.entries()]
    .filter(([name]) => name.startsWith(`tables/${table}/`))
    .flatMap(([, data]) =>
      new TextDecoder()
        .decode(data)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
}

export { env };
