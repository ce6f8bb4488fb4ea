import { formatTime } from '../format';
import type { SprintStats } from '../types';
import { daysText, formatDay, formatMinutes } from './days';
import { Heatmap } from './heatmap';

function Fact({ label, value, testid }: { label: string; value: string; testid: string }) {
  return (
    <div class="focus-fact">
      <dt>{label}</dt>
      <dd data-testid={testid}>{value}</dd>
    </div>
  );
}

type BadgeEntry = SprintStats['allBadges'][number];

/**
 * Every badge there is: the ones earned (with when; a fresh one celebrated)
 * and, greyed, the ones still ahead with what earns them.
 */
function Badges({ all, fresh }: { all: BadgeEntry[]; fresh: ReadonlySet<string> }) {
  const earned = all.filter((badge) => badge.awardedAt !== null);
  const ahead = all.filter((badge) => badge.awardedAt === null);
  return (
    <>
      {earned.length === 0 && (
        <p class="muted" data-testid="badges-empty">
          No badges yet: your first sprint earns one.
        </p>
      )}
      <ul class="focus-badges" data-testid="badges">
        {earned.map((badge) => (
          <li
            key={badge.id}
            class={`focus-badge${fresh.has(badge.id) ? ' focus-badge-new' : ''}`}
            data-testid="badge"
            data-badge-id={badge.id}
            data-new={String(fresh.has(badge.id))}
          >
            <span class="focus-badge-icon" aria-hidden="true">
              ★
            </span>
            <span class="focus-badge-name">{badge.name}</span>
            <span class="muted focus-badge-when">Earned {formatTime(badge.awardedAt ?? '', 'date')}</span>
          </li>
        ))}
        {ahead.map((badge) => (
          <li key={badge.id} class="focus-badge focus-badge-locked" data-testid="badge-locked" data-badge-id={badge.id}>
            <span class="focus-badge-icon" aria-hidden="true">
              ☆
            </span>
            <span class="focus-badge-name">{badge.name}</span>
            <span class="muted focus-badge-when">{badge.description}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

/** Streaks, today, freezes, the 90-day calendar and the badges, all in the user's time zone. */
export function FocusStats({ stats, fresh }: { stats: SprintStats; fresh: ReadonlySet<string> }) {
  const { freezes } = stats;
  return (
    <>
      <section class="card" aria-labelledby="streak-heading" data-testid="focus-stats">
        <h2 id="streak-heading">Your streak</h2>
        <dl class="focus-facts">
          <Fact label="Current streak" value={daysText(stats.currentStreak)} testid="current-streak" />
          <Fact label="Longest streak" value={daysText(stats.longestStreak)} testid="longest-streak" />
          <Fact label="Today" value={formatMinutes(stats.todayMinutes)} testid="today-minutes" />
          <Fact label="Freezes held" value={`${freezes.held} of 2`} testid="freezes-held" />
        </dl>
        {stats.needsSprintToday && (
          <p class="notice notice-info" data-testid="needs-sprint-today">
            You still need a sprint today to keep your {daysText(stats.currentStreak)} streak.
          </p>
        )}
        {freezes.used.length > 0 && (
          <p class="muted" data-testid="freezes-used">
            Freezes kept your streak on {freezes.used.map(formatDay).join(', ')}.
          </p>
        )}
        <p class="muted focus-note">
          Every 7 days in a row earn a freeze (you hold at most 2): a missed day spends one instead of your streak. Days
          are counted in your time zone, {stats.timezone}.
        </p>
      </section>
      <section class="card" aria-labelledby="calendar-heading" data-testid="focus-calendar">
        <h2 id="calendar-heading">Last 90 days</h2>
        <Heatmap days={stats.minutesByDay} today={stats.today} />
      </section>
      <section class="card" aria-labelledby="badges-heading" data-testid="focus-badges">
        <h2 id="badges-heading">Badges</h2>
        <Badges all={stats.allBadges} fresh={fresh} />
      </section>
    </>
  );
}
