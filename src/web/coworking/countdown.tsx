import { useEffect, useState } from 'hono/jsx/dom';
import { remainingOf, type TimerView } from './session-client';

/** Redrawn this often while running: a second boundary is shown within a quarter second. */
const TICK_MS = 250;

/** "24:59", "1:05:00" past an hour; whole seconds rounded up, so a fresh 25-minute timer reads 25:00. */
export function formatRemaining(ms: number): string {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
}

export const PHASE_LABELS: Record<TimerView['phase'], string> = {
  lobby: 'Not started yet',
  running: 'Focus time',
  paused: 'Paused',
  ended: 'Session ended',
};

/** What a screen reader hears when the phase changes: once per change, never each second. */
function announcement(timer: TimerView): string {
  const left = formatRemaining(remainingOf(timer));
  switch (timer.phase) {
    case 'lobby':
      return `Waiting for the host to start. ${left} planned.`;
    case 'running':
      return `Timer running: ${left} left.`;
    case 'paused':
      return `Timer paused with ${left} left.`;
    case 'ended':
      return 'The session has ended.';
  }
}

/**
 * The session's large countdown. It never counts on its own: every tick
 * recomputes the time left from the server's `endsAt` and the measured clock
 * offset, so a throttled background tab shows the right time the moment it
 * draws again. Only a running timer ticks; a paused one shows its frozen
 * remainder, the lobby the full duration.
 */
export function Countdown({ timer }: { timer: TimerView }) {
  const [, setTick] = useState(0);
  const running = timer.phase === 'running';
  useEffect(() => {
    if (!running) return;
    const interval = setInterval(() => setTick((n) => n + 1), TICK_MS);
    return () => clearInterval(interval);
  }, [running, timer.version]);

  const remaining = remainingOf(timer);
  // A phase change is announced with the time as it stood then (the key is the version, not the second).
  const [spoken, setSpoken] = useState<{ version: number; text: string } | null>(null);
  useEffect(() => {
    if (spoken?.version !== timer.version) setSpoken({ version: timer.version, text: announcement(timer) });
  }, [timer.version, timer.phase]);

  return (
    <div class={`countdown countdown-${timer.phase}`} data-testid="countdown-frame">
      <p class="countdown-phase" data-testid="session-phase" data-phase={timer.phase}>
        {PHASE_LABELS[timer.phase]}
      </p>
      {/* role=timer is not announced as it changes; the live region below speaks only at phase changes. */}
      <p class="countdown-time" role="timer" aria-label="Time left" data-testid="countdown" data-remaining={remaining}>
        {formatRemaining(remaining)}
      </p>
      <p class="visually-hidden" aria-live="polite" data-testid="countdown-announcer">
        {spoken?.text ?? ''}
      </p>
    </div>
  );
}
