import { useEffect, useRef } from 'hono/jsx/dom';
import { type ApiError, asApiError } from '../api';
import { useConfirm } from '../components/confirm';
import { errorMessage } from '../components/form';
import { Confetti } from '../coworking/reactions';
import { runningSolo, serverOffset, sprintsApi } from '../focus/api';
import { minutesText } from '../focus/days';
import { SprintTimer, StartSprint } from '../focus/sprint-timer';
import { FocusStats } from '../focus/stats';
import { useLiveState, useSingleEffect } from '../hooks';
import type { EarnedBadge, Sprint, SprintStats } from '../types';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'failed'; error: ApiError }
  | { kind: 'ready'; running: Sprint | null; stats: SprintStats };

/** What the last Done or Abandon did, said once above the timer. */
type Outcome =
  | { kind: 'completed'; minutes: number; badges: EarnedBadge[] }
  | { kind: 'abandoned' }
  | { kind: 'already-running' };

const NO_BADGES: ReadonlySet<string> = new Set();

function OutcomeNotice({ outcome }: { outcome: Outcome }) {
  const ref = useRef<HTMLDivElement>(null);
  // Where a keyboard or screen-reader user lands once the timer they were on is gone.
  useEffect(() => ref.current?.focus(), [outcome]);
  return (
    <div ref={ref} class="focus-outcome" tabindex={-1} data-testid="sprint-outcome" data-kind={outcome.kind}>
      {outcome.kind === 'completed' && (
        <p class="notice notice-ok" role="status">
          Sprint done: {minutesText(outcome.minutes)} credited to today.
        </p>
      )}
      {outcome.kind === 'completed' && outcome.badges.length > 0 && (
        <p class="notice notice-ok focus-celebration" role="status" data-testid="new-badges">
          <span aria-hidden="true">🎉 </span>
          {outcome.badges.length === 1 ? 'New badge: ' : 'New badges: '}
          {outcome.badges.map((badge) => badge.name).join(', ')}!
        </p>
      )}
      {outcome.kind === 'abandoned' && (
        <p class="notice notice-info" role="status">
          Sprint abandoned. Nothing was credited.
        </p>
      )}
      {outcome.kind === 'already-running' && (
        <p class="notice notice-info" role="status">
          A sprint was already running (started elsewhere): here it is.
        </p>
      )}
    </div>
  );
}

/**
 * `/focus`: a solo sprint timer, and the streak, calendar and badges it feeds.
 * The running sprint lives on the server, so a reload (or another tab) finds it
 * again from `GET /api/sprints` and counts down from its `plannedEndAt`.
 */
export function FocusPage() {
  const [loaded, setLoaded] = useLiveState<Loaded>({ kind: 'loading' });
  const [offset, setOffset] = useLiveState(0);
  const [outcome, setOutcome] = useLiveState<Outcome | null>(null);
  const [busy, setBusy] = useLiveState(false);
  const [problem, setProblem] = useLiveState<string | null>(null);
  const [bursts, setBursts] = useLiveState(0);
  const confirm = useConfirm();

  const load = async () => {
    try {
      const [page, stats] = await Promise.all([sprintsApi.mine(), sprintsApi.stats()]);
      const running = runningSolo(page);
      // How far this device's clock is from the server's: the countdown is the server's, not the device's.
      if (running) setOffset(serverOffset(running));
      setLoaded({ kind: 'ready', running, stats });
    } catch (error) {
      setLoaded({ kind: 'failed', error: asApiError(error) });
    }
  };

  useSingleEffect(() => {
    void load();
    // A tab brought back (or a device woken) asks again: the sprint may have ended elsewhere,
    // and the clock offset is measured afresh.
    const onVisible = () => {
      if (document.visibilityState === 'visible') void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, []);

  if (loaded.kind === 'loading') {
    return (
      <div class="page focus-page" aria-busy="true" data-testid="focus-page">
        <header class="page-header">
          <h1>Focus</h1>
        </header>
        <p class="muted">Loading…</p>
      </div>
    );
  }
  if (loaded.kind === 'failed') {
    return (
      <div class="page focus-page" data-testid="focus-page">
        <header class="page-header">
          <h1>Focus</h1>
        </header>
        <p class="notice notice-fail" role="alert" data-testid="focus-problem">
          Could not load your sprints: {errorMessage(loaded.error)}
        </p>
      </div>
    );
  }

  const { running, stats } = loaded;
  // The problem a Done or Abandon ran into; a sprint closed elsewhere meanwhile is shown as it now is.
  const act = async (action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (thrown) {
      const error = asApiError(thrown);
      if (error.code === 'conflict' || error.code === 'not_found') await load();
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  const onDone = (sprint: Sprint) =>
    act(async () => {
      const result = await sprintsApi.complete(sprint.id, true);
      setOutcome({ kind: 'completed', minutes: result.sprint.creditedMinutes, badges: result.newBadges });
      if (result.newBadges.length > 0) setBursts((n) => n + 1);
      await load();
    });

  const onAbandon = async (sprint: Sprint) => {
    if (!(await confirm.ask('Abandon this sprint? Nothing is credited for it.', 'Abandon sprint'))) return;
    await act(async () => {
      await sprintsApi.abandon(sprint.id);
      setOutcome({ kind: 'abandoned' });
      await load();
    });
  };

  const fresh = outcome?.kind === 'completed' ? new Set(outcome.badges.map((badge) => badge.id)) : NO_BADGES;

  return (
    <div class="page focus-page" data-testid="focus-page">
      <header class="page-header">
        <div>
          <h1>Focus</h1>
          <p class="muted">A sprint of focused time, on your own. Every day with one keeps your streak going.</p>
        </div>
      </header>
      {outcome && <OutcomeNotice outcome={outcome} />}
      {!running && problem && (
        <p class="notice notice-fail" role="alert" data-testid="sprint-problem">
          {problem}
        </p>
      )}
      <div class="focus-layout">
        <div class="focus-main">
          {running ? (
            <SprintTimer
              key={running.id}
              sprint={running}
              offset={offset}
              busy={busy}
              problem={problem}
              onDone={() => void onDone(running)}
              onAbandon={() => void onAbandon(running)}
            />
          ) : (
            <StartSprint
              onStarted={(sprint, measured) => {
                setOutcome(null);
                setProblem(null);
                setOffset(measured);
                setLoaded({ kind: 'ready', running: sprint, stats });
              }}
              onConflict={async () => {
                setOffset(0);
                await load();
                setOutcome({ kind: 'already-running' });
              }}
            />
          )}
        </div>
        <div class="focus-side">
          <FocusStats stats={stats} fresh={fresh} />
        </div>
      </div>
      <Confetti bursts={bursts} />
      {confirm.dialog}
    </div>
  );
}
