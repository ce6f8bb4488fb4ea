import { useCallback, useEffect } from 'hono/jsx/dom';
import { type ApiError, api, asApiError } from '../api';
import { useLiveState } from '../hooks';
import type { Health, HealthCheckName } from '../types';

const CHECK_LABELS: Record<HealthCheckName, string> = {
  db: 'Database (D1)',
  kv: 'Key-value (KV)',
  storage: 'File storage (R2)',
  config: 'Configuration',
};

type State = { kind: 'loading' } | { kind: 'loaded'; health: Health } | { kind: 'error'; error: ApiError };

/** Asks `GET /api/health` and shows each check, the version, and why anything failed. */
export function HealthPanel() {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });

  const load = useCallback((signal?: AbortSignal) => {
    setState({ kind: 'loading' });
    api.health(signal).then(
      (health) => setState({ kind: 'loaded', health }),
      (error: unknown) => {
        if (signal?.aborted) return;
        setState({ kind: 'error', error: asApiError(error) });
      },
    );
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const status = state.kind === 'loaded' ? state.health.status : state.kind === 'error' ? 'fail' : 'loading';

  return (
    <section
      class="card"
      aria-labelledby="health-heading"
      aria-busy={String(state.kind === 'loading')}
      data-testid="health"
    >
      <div class="card-header">
        <h2 id="health-heading">System health</h2>
        <span class={`badge badge-${status}`} data-testid="health-status" data-state={status}>
          {status}
        </span>
      </div>

      {state.kind === 'loading' && <p class="muted">Checking…</p>}

      {state.kind === 'error' && (
        <p class="notice notice-fail" role="alert" data-testid="health-error">
          {state.error.message}
          {state.error.requestId && <span class="muted"> (request {state.error.requestId})</span>}
        </p>
      )}

      {state.kind === 'loaded' && (
        <>
          <ul class="checks">
            {(Object.keys(CHECK_LABELS) as HealthCheckName[]).map((name) => {
              const check = state.health.checks[name];
              return (
                <li class="check" data-testid={`health-check-${name}`} data-state={check}>
                  <span class={`dot dot-${check}`} aria-hidden="true" />
                  <span class="check-name">{CHECK_LABELS[name]}</span>
                  <span class={`check-state state-${check}`}>{check}</span>
                </li>
              );
            })}
          </ul>
          {state.health.problems.length > 0 && (
            <ul class="problems" data-testid="health-problems">
              {state.health.problems.map((problem) => (
                <li>{problem}</li>
              ))}
            </ul>
          )}
          {state.health.warnings.length > 0 && (
            <ul class="problems problems-warning" data-testid="health-warnings">
              {state.health.warnings.map((warning) => (
                <li>{warning}</li>
              ))}
            </ul>
          )}
        </>
      )}

      <div class="card-footer">
        <span class="muted">
          Version <span data-testid="health-version">{state.kind === 'loaded' ? state.health.version : '—'}</span>
        </span>
        <button type="button" class="button button-quiet" onClick={() => load()} disabled={state.kind === 'loading'}>
          Check again
        </button>
      </div>
    </section>
  );
}
