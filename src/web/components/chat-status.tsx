import { useEffect } from 'hono/jsx/dom';
import type { ConnectionStatus } from '../chat/client';
import { useLiveState } from '../hooks';

/** Seconds until `at`, re-rendered every second while waiting. */
function useCountdown(at: number | null): number {
  const [now, setNow] = useLiveState(Date.now());
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? 0 : Math.max(0, Math.ceil((at - now) / 1000));
}

const LABELS: Record<ConnectionStatus['kind'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  waiting: 'Reconnecting',
  offline: 'Offline: waiting for the network',
  ended: 'Disconnected',
};

/** Connected, reconnecting (in N s, or now), offline, or why the connection ended; with a way to retry. */
export function ChatStatus({ status, onRetry }: { status: ConnectionStatus; onRetry: () => void }) {
  const seconds = useCountdown(status.kind === 'waiting' ? status.retryAt : null);
  let label = LABELS[status.kind];
  if (status.kind === 'connecting' && status.attempt > 0) label = 'Reconnecting…';
  if (status.kind === 'waiting' && seconds === 0) label = 'Reconnecting…';
  const tone = status.kind === 'connected' ? 'ok' : status.kind === 'ended' ? 'fail' : 'pending';
  return (
    <div class={`chat-status chat-status-${tone}`} data-testid="chat-status" data-state={status.kind}>
      <span class={`dot dot-${tone}`} aria-hidden="true" />
      {/* Announced politely, so a screen reader hears when the connection drops and comes back (not every second). */}
      <span role="status">{status.kind === 'ended' ? status.reason : label}</span>
      {status.kind === 'waiting' && seconds > 0 && <span aria-hidden="true">in {seconds} s</span>}
      {(status.kind === 'waiting' || status.kind === 'ended') && (
        <button type="button" class="link-button" onClick={onRetry} data-testid="chat-retry">
          {status.kind === 'ended' ? 'Reconnect' : 'Retry now'}
        </button>
      )}
    </div>
  );
}
