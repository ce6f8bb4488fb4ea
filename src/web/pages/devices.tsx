import { useEffect } from 'hono/jsx/dom';
import { type ApiError, api, asApiError } from '../api';
import { AccountTabs } from '../components/account-tabs';
import { errorMessage, FormError, useAction } from '../components/form';
import { dateTime, timeAgo } from '../format';

/** "Active now" for the device making this request; otherwise how long ago it was last used. */
function lastActive(device: DeviceSession): string {
  if (device.current) return 'Active now';
  const ago = timeAgo(device.lastUsedAt);
  return ago === 'just now' ? 'Active just now' : `Last active ${ago}`;
}

import { useLiveState } from '../hooks';
import { signOut } from '../session';
import type { DeviceSession } from '../types';

type State = { kind: 'loading' } | { kind: 'loaded'; items: DeviceSession[] } | { kind: 'error'; error: ApiError };

function DeviceRow({ device, onRevoked }: { device: DeviceSession; onRevoked: (id: string) => void }) {
  const action = useAction();
  const revoke = () =>
    action.run(async () => {
      if (device.current) {
        await signOut('/sign-in');
        return;
      }
      await api.revokeSession(device.id);
      onRevoked(device.id);
    });

  const label = device.deviceLabel ?? (device.client === 'native' ? 'Mobile app' : 'Unknown browser');
  return (
    <li
      class="device"
      data-testid="device"
      data-current={device.current ? 'true' : 'false'}
      data-session-id={device.id}
    >
      <div class="device-main">
        <p class="device-name">
          {label}
          {device.current && (
            <span class="badge badge-ok" data-testid="this-device">
              This device
            </span>
          )}
        </p>
        <p class="device-meta muted">
          <time datetime={device.lastUsedAt} title={dateTime(device.lastUsedAt)} data-testid="device-last-active">
            {lastActive(device)}
          </time>
          <span>
            Signed in <time datetime={device.createdAt}>{dateTime(device.createdAt)}</time>
          </span>
          {device.ip && <span>IP {device.ip}</span>}
        </p>
        <FormError error={action.error} />
      </div>
      <button
        type="button"
        class="button button-quiet"
        onClick={revoke}
        disabled={action.busy}
        aria-label={device.current ? 'Sign out on this device' : `Revoke ${label}, ${lastActive(device).toLowerCase()}`}
        data-testid={device.current ? 'sign-out-this-device' : 'revoke'}
      >
        {device.current ? 'Sign out' : 'Revoke'}
      </button>
    </li>
  );
}

export function DevicesPage() {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });

  useEffect(() => {
    let live = true;
    api.sessions().then(
      (page) => live && setState({ kind: 'loaded', items: page.items }),
      (error: unknown) => live && setState({ kind: 'error', error: asApiError(error) }),
    );
    return () => {
      live = false;
    };
  }, []);

  const removeDevice = (id: string) =>
    setState((current) =>
      current.kind === 'loaded' ? { kind: 'loaded', items: current.items.filter((item) => item.id !== id) } : current,
    );

  return (
    <div class="page" data-testid="devices">
      <header class="page-header">
        <h1>Your devices</h1>
        <AccountTabs />
      </header>
      <section class="card" aria-labelledby="devices-heading" aria-busy={String(state.kind === 'loading')}>
        <h2 id="devices-heading">Where you are signed in</h2>
        <p class="muted">Revoke a device you do not recognise: it is signed out at its next request.</p>
        {state.kind === 'loading' && <p class="muted">Loading…</p>}
        {state.kind === 'error' && (
          <p class="notice notice-fail" role="alert">
            {errorMessage(state.error)}
          </p>
        )}
        {state.kind === 'loaded' && (
          <ul class="devices" data-testid="device-list">
            {state.items.map((device) => (
              <DeviceRow key={device.id} device={device} onRevoked={removeDevice} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
