import type { SprintStats } from '../types';
import { daysText, formatDay, formatMonth, minutesText, weekdayName, weekdayRow } from './days';

type Day = SprintStats['minutesByDay'][number];

const CELL = 11;
const STEP = 14;
/** Room for the weekday names on the left and the month names on top. */
const LEFT = 28;
const TOP = 14;
/** Room on the right for a month's name that starts in the last week. */
const RIGHT = 14;

/** Colour steps, lightest first: nothing, under a pomodoro, up to an hour, up to two, more. */
const LEVELS = [
  { level: 0, from: 0, label: 'No focus' },
  { level: 1, from: 1, label: '1–24 minutes' },
  { level: 2, from: 25, label: '25–59 minutes' },
  { level: 3, from: 60, label: '1–2 hours' },
  { level: 4, from: 120, label: '2 hours or more' },
] as const;

export function levelOf(minutes: number): number {
  let level = 0;
  for (const step of LEVELS) if (minutes >= step.from) level = step.level;
  return level;
}

/** What the calendar shows, said in words: for screen readers, and for anyone who would rather read. */
export function summaryOf(days: Day[]): string {
  const active = days.filter((day) => day.minutes > 0);
  if (active.length === 0) return `No focused time in the last ${days.length} days yet.`;
  const total = active.reduce((sum, day) => sum + day.minutes, 0);
  const best = active.reduce((top, day) => (day.minutes > top.minutes ? day : top));
  return `Last ${days.length} days: focused on ${daysText(active.length)}, ${minutesText(total)} in all. Best day: ${formatDay(best.date)}, ${minutesText(best.minutes)}.`;
}

/**
 * The last 90 days as a contribution calendar: one column per week (Monday on
 * top), one square per day coloured by its minutes, today at the bottom of the
 * right-hand column. Plain SVG that scales to its box; each square's <title>
 * names its day and minutes on hover, and the text summary says it all in words.
 */
export function Heatmap({ days, today }: { days: Day[]; today: string }) {
  const first = days[0];
  if (!first) return null;
  const offset = weekdayRow(first.date);
  const columns = Math.ceil((offset + days.length) / 7);
  const width = LEFT + columns * STEP - (STEP - CELL) + RIGHT;
  const height = TOP + 7 * STEP - (STEP - CELL);
  const summary = summaryOf(days);

  // A month's name over the week its first day falls in, and the first month's over the first week when there is room.
  const months = days.flatMap((day, index) =>
    day.date.endsWith('-01') ? [{ column: Math.floor((offset + index) / 7), label: formatMonth(day.date) }] : [],
  );
  if ((months[0]?.column ?? columns) >= 3) months.unshift({ column: 0, label: formatMonth(first.date) });

  return (
    <figure class="heatmap" data-testid="heatmap">
      <svg
        class="heatmap-svg"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={summary}
        data-testid="heatmap-svg"
        data-columns={columns}
      >
        {months.map((month) => (
          <text class="heatmap-label" x={LEFT + month.column * STEP} y={TOP - 4}>
            {month.label}
          </text>
        ))}
        {[0, 2, 4].map((row) => (
          <text class="heatmap-label" x={0} y={TOP + row * STEP + CELL - 2}>
            {weekdayName(row)}
          </text>
        ))}
        {days.map((day, index) => {
          const slot = offset + index;
          const level = levelOf(day.minutes);
          return (
            <rect
              class={`heatmap-cell heat-${level}${day.date === today ? ' heatmap-today' : ''}`}
              x={LEFT + Math.floor(slot / 7) * STEP}
              y={TOP + (slot % 7) * STEP}
              width={CELL}
              height={CELL}
              rx={2}
              data-testid="heatmap-cell"
              data-date={day.date}
              data-minutes={day.minutes}
              data-level={level}
              data-today={String(day.date === today)}
            >
              <title>{`${formatDay(day.date)}: ${minutesText(day.minutes)}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption class="heatmap-caption">
        <p class="heatmap-summary" data-testid="heatmap-summary">
          {summary}
        </p>
        <p class="heatmap-legend" aria-hidden="true">
          <span>Less</span>
          {LEVELS.map((step) => (
            <svg class="heatmap-key" viewBox={`0 0 ${CELL} ${CELL}`} width={CELL} height={CELL}>
              <title>{step.label}</title>
              <rect class={`heatmap-cell heat-${step.level}`} width={CELL} height={CELL} rx={2} />
            </svg>
          ))}
          <span>More</span>
        </p>
      </figcaption>
    </figure>
  );
}
