import type { Child } from 'hono/jsx';
import { useEffect } from 'hono/jsx/dom';
import { type ApiError, api, asApiError } from '../api';
import { errorMessage } from '../components/form';
import { formatTime, timeAgo } from '../format';
import { useLiveState } from '../hooks';
import type { OutboxMessage } from '../types';

// Asked once per page load: the environment changes only with a deployment.
let environmentRequest: Promise<boolean> | null = null;

/** True when this deployment runs in development, where mail and texts land in the outbox instead of being sent. */
export function useDevelopment(): boolean {
  const [development, setDevelopment] = useLiveState(false);
  useEffect(() => {
    environmentRequest ??= api.meta().then(
      (meta) => meta.environment === 'development',
      () => {
        environmentRequest = null;
        return false;
      },
    );
    let live = true;
    environmentRequest.then((value) => live && setDevelopment(value));
    return () => {
      live = false;
    };
  }, []);
  return development;
}

const LINK = /(https?:\/\/[^\s<>"']+)/;
/** The app screens mail links to (SPEC §3). */
const APP_LINK_PATHS = new Set(['/verify-email', '/reset-password']);

/**
 * Where a link in a message goes. Mail links name APP_URL, but a development
 * server is often reached at another address (another port, 127.0.0.1), so a
 * link to one of the app's own screens opens on this one.
 */
function hrefOf(link: string): string {
  try {
    const url = new URL(link);
    return APP_LINK_PATHS.has(url.pathname) ? `${url.pathname}${url.search}` : link;
  } catch {
    return link;
  }
}

/** The message text with every URL a link, so a verification or reset link is one click away. */
function withLinks(text: string): Child[] {
  return text.split(LINK).map((part, i) =>
    i % 2 === 1 ? (
      <a href={hrefOf(part)} data-testid="outbox-link">
        {part}
      </a>
    ) : (
      part
    ),
  );
}

function OutboxItem({ message }: { message: OutboxMessage }) {
  return (
    <li class="outbox-message" data-testid="outbox-message" data-channel={message.channel}>
      <p class="outbox-meta">
        <span class="badge">{message.channel === 'email' ? 'Email' : 'Text'}</span>{' '}
        <strong data-testid="outbox-to">{message.to}</strong>{' '}
        <time class="muted" datetime={message.createdAt} title={formatTime(message.createdAt, 'full')}>
          {timeAgo(message.createdAt)}
        </time>
      </p>
      {message.subject && <p class="outbox-subject">{message.subject}</p>}
      <pre class="outbox-body" data-testid="outbox-body">
        {withLinks(message.body)}
      </pre>
    </li>
  );
}

type State = { kind: 'loading' } | { kind: 'loaded'; items: OutboxMessage[] } | { kind: 'error'; error: ApiError };

/** `/dev/outbox`: what Hearth would have mailed or texted, newest first. The API answers 404 outside development. */
export function DevOutboxPage() {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });
  const [version, setVersion] = useLiveState(0);

  useEffect(() => {
    api.devOutbox().then(
      ({ items }) => setState({ kind: 'loaded', items: [...items].reverse() }),
      (error: unknown) => setState({ kind: 'error', error: asApiError(error) }),
    );
  }, [version]);

  return (
    <div class="page" data-testid="dev-outbox">
      <header class="page-header">
        <h1>Development outbox</h1>
        <button type="button" class="button button-quiet" onClick={() => setVersion((n) => n + 1)}>
          Refresh
        </button>
      </header>
      <section class="card" aria-busy={String(state.kind === 'loading')}>
        <p class="muted">
          With no email or SMS provider configured, messages land here instead of being sent. Newest first.
        </p>
        {state.kind === 'loading' && <p class="muted">Loading…</p>}
        {state.kind === 'error' && (
          <p class="notice notice-fail" role="alert" data-testid="outbox-error">
            {state.error.status === 404
              ? 'The outbox exists only in development (ENVIRONMENT=development).'
              : errorMessage(state.error)}
          </p>
        )}
        {state.kind === 'loaded' &&
          (state.items.length === 0 ? (
            <p class="muted" data-testid="outbox-empty">
              No messages yet.
            </p>
          ) : (
            <ul class="outbox" data-testid="outbox-list">
              {state.items.map((message) => (
                <OutboxItem key={message.id} message={message} />
              ))}
            </ul>
          ))}
      </section>
    </div>
  );
}
