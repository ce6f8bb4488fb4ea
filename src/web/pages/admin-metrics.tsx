import { type ApiError, asApiError } from '../api';
import { AiSettingsCard } from '../assistant/ai-settings-card';
import { AdminTabs } from '../components/account-tabs';
import { errorMessage } from '../components/form';
import { useLiveState, useSingleEffect } from '../hooks';
import { insightsApi } from '../insights/api';
import { MetricsView } from '../insights/metrics-view';
import type { MetricsReport } from '../insights/types';
import { can, useSession } from '../session';

type Range = { from?: string; to?: string };
type State =
  | { kind: 'loading'; report: MetricsReport | null }
  | { kind: 'loaded'; report: MetricsReport }
  | { kind: 'error'; error: ApiError; report: MetricsReport | null };

/** `YYYY-MM-DD` of the UTC day `offset` days from today. */
const utcDay = (offset = 0) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

export function AdminMetricsPage() {
  const session = useSession();
  // Empty: the server's default, the last 30 days ending today.
  const [range, setRange] = useLiveState<Range>({});
  const [state, setState] = useLiveState<State>({ kind: 'loading', report: null });

  useSingleEffect(() => {
    setState((current) => ({ kind: 'loading', report: current.report }));
    insightsApi.metrics(range).then(
      (report) => setState({ kind: 'loaded', report }),
      (error: unknown) => setState((current) => ({ kind: 'error', error: asApiError(error), report: current.report })),
    );
    return undefined;
  }, [range.from, range.to]);

  const onSubmit = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(data.get(name) ?? '').trim() || undefined;
    setRange({ from: value('from'), to: value('to') });
  };

  const shown = state.report;
  const fieldErrors = state.kind === 'error' ? state.error.errors : [];
  return (
    <div class="page" data-testid="admin-metrics">
      <header class="page-header">
        <h1>Metrics</h1>
        <AdminTabs />
      </header>
      <form class="card metrics-range" onSubmit={onSubmit} noValidate data-testid="metrics-range">
        <h2 class="visually-hidden">Range</h2>
        <label class="field">
          <span>From</span>
          <input
            class="input"
            type="date"
            name="from"
            value={range.from ?? shown?.from ?? utcDay(-29)}
            max={utcDay()}
            aria-invalid={fieldErrors.some((item) => item.path === 'query.from') ? 'true' : undefined}
            data-testid="field-from"
          />
        </label>
        <label class="field">
          <span>To</span>
          <input
            class="input"
            type="date"
            name="to"
            value={range.to ?? shown?.to ?? utcDay()}
            max={utcDay()}
            aria-invalid={fieldErrors.some((item) => item.path === 'query.to') ? 'true' : undefined}
            data-testid="field-to"
          />
        </label>
        <button type="submit" class="button" disabled={state.kind === 'loading'} data-testid="metrics-show">
          Show
        </button>
        <p class="muted metrics-range-note">UTC days, at most 90, ending today at the latest.</p>
      </form>
      {state.kind === 'error' && (
        <p class="notice notice-fail" role="alert" data-testid="metrics-error">
          {errorMessage(state.error)}
          {fieldErrors.length > 0 &&
            !fieldErrors.some((item) => item.message === state.error.message) &&
            ` ${fieldErrors.map((item) => item.message).join(' ')}`}
        </p>
      )}
      {state.kind === 'loading' && !shown && (
        <p class="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {shown && <MetricsView report={shown} />}
      {can(session, 'ai.manage') && <AiSettingsCard />}
    </div>
  );
}
