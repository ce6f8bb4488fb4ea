import { useEffect, useState } from 'hono/jsx/dom';
import { asApiError } from '../api';
import { Field, FormError, SubmitButton, textOf, useForm } from '../components/form';
import { Countdown } from '../coworking/countdown';
import type { TimerView } from '../coworking/session-client';
import { formatTime } from '../format';
import type { Sprint, SprintStart } from '../types';
import { serverOffset, sprintsApi } from './api';

export const PRESETS = [25, 50, 90] as const;

/** The running sprint as the session countdown takes it: it counts down from `plannedEndAt`. */
function timerOf(sprint: Sprint, offset: number): TimerView {
  const durationMs = sprint.plannedMinutes * 60_000;
  return {
    phase: 'running',
    endsAt: Date.parse(sprint.plannedEndAt),
    remainingMs: durationMs,
    durationMs,
    version: 1,
    offset,
  };
}

/** True from the moment the sprint's planned end passes on the server's clock, as far as this browser knows it. */
function useTimeUp(sprint: Sprint, offset: number): boolean {
  const endsAt = Date.parse(sprint.plannedEndAt);
  const [up, setUp] = useState(() => Date.now() + offset >= endsAt);
  useEffect(() => {
    const left = endsAt - (Date.now() + offset);
    if (left <= 0) {
      setUp(true);
      return;
    }
    setUp(false);
    // setTimeout caps at about 24.8 days; a sprint is at most 3 hours.
    const timeout = setTimeout(() => setUp(true), left + 50);
    return () => clearTimeout(timeout);
  }, [endsAt, offset]);
  return up;
}

interface SprintTimerProps {
  sprint: Sprint;
  /** Server clock minus this browser's, when measured (at the start); 0 otherwise. */
  offset: number;
  busy: boolean;
  problem: string | null;
  onDone: () => void;
  onAbandon: () => void;
}

/** The running sprint: its goal, the large countdown, Done and Abandon. */
export function SprintTimer({ sprint, offset, busy, problem, onDone, onAbandon }: SprintTimerProps) {
  const up = useTimeUp(sprint, offset);
  return (
    <section
      class="card focus-timer"
      aria-labelledby="timer-heading"
      data-testid="sprint-timer"
      data-sprint-id={sprint.id}
    >
      <h2 id="timer-heading" class="visually-hidden">
        Sprint running
      </h2>
      {sprint.goal && (
        <p class="focus-goal" data-testid="sprint-goal">
          {sprint.goal}
        </p>
      )}
      <Countdown timer={timerOf(sprint, offset)} />
      <p class="muted" data-testid="sprint-times">
        {sprint.plannedMinutes} minutes, started {formatTime(sprint.startedAt, 'time')}, ends{' '}
        {formatTime(sprint.plannedEndAt, 'time')}
      </p>
      {up && (
        <p class="notice notice-ok" role="status" data-testid="time-up">
          Time’s up. Press Done to bank your {sprint.plannedMinutes} minutes.
        </p>
      )}
      {problem && (
        <p class="notice notice-fail" role="alert" data-testid="sprint-problem">
          {problem}
        </p>
      )}
      <div class="focus-actions">
        <button type="button" class="button" onClick={onDone} disabled={busy} data-testid="sprint-done">
          Done
        </button>
        <button
          type="button"
          class="button button-quiet button-quiet-danger"
          onClick={onAbandon}
          disabled={busy}
          data-testid="sprint-abandon"
        >
          Abandon
        </button>
      </div>
      {!up && <p class="muted focus-note">Done before the end credits the whole minutes spent so far.</p>}
    </section>
  );
}

/**
 * Minutes (a preset or any number from 5 to 180) and an optional goal. The
 * server checks both; its field errors show next to the field. A sprint
 * already running (another tab started one) is handed to `onConflict`.
 */
export function StartSprint({
  onStarted,
  onConflict,
}: {
  onStarted: (sprint: Sprint, offset: number) => void;
  onConflict: () => Promise<void>;
}) {
  const [minutes, setMinutes] = useState('25');
  const form = useForm(async (data) => {
    const body: SprintStart = { durationMinutes: Number(textOf(data, 'durationMinutes')) };
    const goal = textOf(data, 'goal');
    if (goal) body.goal = goal;
    try {
      const sprint = await sprintsApi.start(body);
      onStarted(sprint, serverOffset(sprint));
    } catch (error) {
      if (asApiError(error).code !== 'conflict') throw error;
      await onConflict();
    }
  });

  return (
    <section class="card" aria-labelledby="start-heading" data-testid="sprint-start">
      <h2 id="start-heading">Start a sprint</h2>
      <form ref={form.ref} class="form" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} />
        <fieldset class="focus-presets">
          <legend>Minutes</legend>
          <div class="focus-preset-buttons">
            {PRESETS.map((preset) => (
              <button
                type="button"
                class="button button-secondary"
                aria-pressed={String(minutes === String(preset))}
                onClick={() => setMinutes(String(preset))}
                data-testid={`preset-${preset}`}
              >
                {preset} min
              </button>
            ))}
          </div>
          <Field
            label="Or any number of minutes"
            name="durationMinutes"
            type="number"
            inputmode="numeric"
            min={5}
            max={180}
            step={1}
            required
            value={minutes}
            onInput={(event: Event) => setMinutes((event.target as HTMLInputElement).value)}
            hint="From 5 to 180."
            error={form.fields.durationMinutes}
          />
        </fieldset>
        <Field
          label="Goal (optional)"
          name="goal"
          maxlength={200}
          autocomplete="off"
          placeholder="What will you get done?"
          error={form.fields.goal}
        />
        <SubmitButton busy={form.busy} testid="sprint-start-submit">
          Start
        </SubmitButton>
      </form>
    </section>
  );
}
