/**
 * The one clock. Everything that compares against "now" calls this, so a test
 * can reason about expiry without sleeping.
 */
export function now(): Date {
  return new Date();
}

export function secondsFromNow(seconds: number): Date {
  return new Date(now().getTime() + seconds * 1000);
}
