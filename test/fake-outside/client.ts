import { expect } from 'vitest';

/** One request the fake outside services received (test/fake-outside/index.ts). */
export interface Recorded {
  host: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** Everything `host` received so far, oldest first. The test worker's fetch reaches the fake through the outbound chain. */
export async function recordedAt(host: string): Promise<Recorded[]> {
  const res = await fetch(`https://outside.test/recorded?host=${encodeURIComponent(host)}`);
  return res.json();
}

/** Waits until `host` has received `count` requests that `match` accepts, and returns them. */
export async function waitForRecorded(
  host: string,
  match: (entry: Recorded) => boolean,
  count = 1,
  timeout = 10_000,
): Promise<Recorded[]> {
  let found: Recorded[] = [];
  await expect
    .poll(
      async () => {
        found = (await recordedAt(host)).filter(match);
        return found.length >= count;
      },
      { timeout, interval: 100 },
    )
    .toBe(true);
  return found;
}

/** Twilio's form fields of a recorded Messages API call. */
export function twilioForm(entry: Recorded): URLSearchParams {
  return new URLSearchParams(entry.body);
}
