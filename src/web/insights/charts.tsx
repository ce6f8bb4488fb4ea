import type { Child } from 'hono/jsx';
import { TableScroll } from '../components/table-scroll';

/**
 * Small plain-SVG charts over days, drawn in the style of the focus heatmap:
 * a viewBox that scales to its box (so a phone shows the whole chart), a
 * <title> and <desc> for screen readers, axis labels, a <title> on every point
 * or bar for hovering, and the same figures as a table beside it.
 */

export interface Series {
  key: string;
  label: string;
  /** One value per label; null is a gap (a rate with nothing to divide by). */
  values: (number | null)[];
}

interface ChartProps {
  /** Unique on the page: the ids of the SVG's <title> and <desc> derive from it. */
  id: string;
  title: string;
  /** What the chart shows, said in words: the SVG's <desc> and the caption. */
  summary: string;
  /** `YYYY-MM-DD` days, oldest first. */
  days: string[];
  series: Series[];
  yLabel: string;
  xLabel?: string;
  format?: (value: number) => string;
  /** For rates: the top of the scale when no value goes above it. */
  minMax?: number;
  /** Table column header for the days. */
  dayHeader?: string;
  /** Whole numbers on the scale; false for rates. Default: whether every value is whole. */
  integer?: boolean;
}

const WIDTH = 480;
const HEIGHT = 230;
const LEFT = 80;
const RIGHT = 14;
const TOP = 12;
const BOTTOM = 42;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

const shortFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** "Mar 8": a calendar day as the server names it, never moved through a time zone. */
export const shortDay = (date: string) => shortFormat.format(new Date(`${date}T00:00:00Z`));
/** "Mar 8, 2026". */
export const longDay = (date: string) => longFormat.format(new Date(`${date}T00:00:00Z`));

const plain = (value: number) => String(Math.round(value * 100) / 100);

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const mantissa = raw / power;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power;
}

/** The top of the scale and its ticks: 0 and up to 4 steps above it. */
export function scaleOf(max: number, minMax = 0, integer = true): { top: number; ticks: number[] } {
  const highest = Math.max(max, minMax);
  if (highest <= 0) return { top: integer ? 4 : 1, ticks: integer ? [0, 1, 2, 3, 4] : [0, 0.25, 0.5, 0.75, 1] };
  let step = niceStep(highest / 4);
  if (integer) step = Math.max(1, Math.ceil(step));
  const top = Math.ceil(highest / step) * step;
  const ticks: number[] = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) ticks.push(Math.round(tick * 1e6) / 1e6);
  return { top, ticks };
}

/** Which days get a label under the axis: the first, the last and a few evenly between. */
function labelledDays(count: number): number[] {
  if (count <= 1) return [0];
  const wanted = Math.min(count, 5);
  const picked = new Set<number>();
  for (let i = 0; i < wanted; i++) picked.add(Math.round((i * (count - 1)) / (wanted - 1)));
  return [...picked];
}

function Axes(props: { ticks: number[]; top: number; format: (v: number) => string; yLabel: string; xLabel: string }) {
  const { ticks, top, format, yLabel, xLabel } = props;
  return (
    <g class="chart-axes">
      {ticks.map((tick) => {
        const y = TOP + PLOT_H - (tick / top) * PLOT_H;
        return (
          <g>
            <line class="chart-grid" x1={LEFT} x2={LEFT + PLOT_W} y1={y} y2={y} />
            <text class="chart-tick" x={LEFT - 6} y={y + 4} text-anchor="end">
              {format(tick)}
            </text>
          </g>
        );
      })}
      <line class="chart-axis" x1={LEFT} x2={LEFT + PLOT_W} y1={TOP + PLOT_H} y2={TOP + PLOT_H} />
      <line class="chart-axis" x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + PLOT_H} />
      <text
        class="chart-axis-label"
        x={-(TOP + PLOT_H / 2)}
        y={12}
        transform="rotate(-90)"
        text-anchor="middle"
        data-testid="chart-y-label"
      >
        {yLabel}
      </text>
      <text class="chart-axis-label" x={LEFT + PLOT_W / 2} y={HEIGHT - 4} text-anchor="middle">
        {xLabel}
      </text>
    </g>
  );
}

function DayLabels({ days, xOf }: { days: string[]; xOf: (index: number) => number }) {
  return (
    <g>
      {labelledDays(days.length).map((index) => {
        const x = xOf(index);
        const anchor = days.length > 1 && index === 0 ? 'start' : index === days.length - 1 ? 'end' : 'middle';
        return (
          <text class="chart-tick" x={x} y={TOP + PLOT_H + 16} text-anchor={days.length === 1 ? 'middle' : anchor}>
            {shortDay(days[index] ?? '')}
          </text>
        );
      })}
    </g>
  );
}

function Legend({ series }: { series: Series[] }) {
  if (series.length < 2) return null;
  return (
    <ul class="chart-legend" aria-hidden="true">
      {series.map((item, index) => (
        <li>
          <svg class="chart-key" viewBox="0 0 12 12" width={12} height={12}>
            <title>{item.label}</title>
            <rect class={`chart-fill-${index}`} width={12} height={12} rx={2} />
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

/** The figures as a table, folded under the chart: for screen readers and for anyone who would rather read. */
function FiguresTable(props: {
  title: string;
  days: string[];
  series: Series[];
  format: (v: number) => string;
  dayHeader: string;
}) {
  const { title, days, series, format, dayHeader } = props;
  return (
    <details class="chart-details">
      <summary>Show the figures</summary>
      <TableScroll label={title}>
        <table class="table chart-table" data-testid="chart-table">
          <thead>
            <tr>
              <th scope="col">{dayHeader}</th>
              {series.map((item) => (
                <th scope="col" class="num">
                  {item.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((day, index) => (
              <tr>
                <th scope="row">{longDay(day)}</th>
                {series.map((item) => {
                  const value = item.values[index];
                  return <td class="num">{value === null || value === undefined ? '–' : format(value)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </details>
  );
}

function ChartFrame(props: ChartProps & { kind: 'line' | 'bar'; children?: Child }) {
  const { id, title, summary, series, days, kind, children } = props;
  return (
    <figure class="chart" data-testid={`chart-${id}`} data-kind={kind}>
      <svg
        class="chart-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        data-testid="chart-svg"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        {children}
      </svg>
      <Legend series={series} />
      <figcaption class="chart-caption">
        <p class="chart-summary" data-testid="chart-summary">
          {summary}
        </p>
        <FiguresTable
          title={title}
          days={days}
          series={series}
          format={props.format ?? plain}
          dayHeader={props.dayHeader ?? 'Day'}
        />
      </figcaption>
    </figure>
  );
}

/** One line per series over the days, a dot on every value. */
export function LineChart(props: ChartProps) {
  const { days, series, format = plain, minMax } = props;
  const values = series.flatMap((item) => item.values.filter((value): value is number => value !== null));
  const integer = props.integer ?? values.every((value) => Number.isInteger(value));
  const { top, ticks } = scaleOf(Math.max(0, ...values), minMax, integer);
  const xOf = (index: number) => (days.length <= 1 ? LEFT + PLOT_W / 2 : LEFT + (index / (days.length - 1)) * PLOT_W);
  const yOf = (value: number) => TOP + PLOT_H - (value / top) * PLOT_H;
  return (
    <ChartFrame {...props} kind="line">
      <Axes ticks={ticks} top={top} format={format} yLabel={props.yLabel} xLabel={props.xLabel ?? 'Day (UTC)'} />
      <DayLabels days={days} xOf={xOf} />
      {series.map((item, s) => {
        // Runs of values between gaps, each its own polyline.
        const runs: string[][] = [[]];
        item.values.forEach((value, index) => {
          if (value === null) runs.push([]);
          else runs[runs.length - 1]?.push(`${xOf(index).toFixed(1)},${yOf(value).toFixed(1)}`);
        });
        return (
          <g class={`chart-series chart-series-${s}`} data-series={item.key}>
            {runs
              .filter((run) => run.length > 1)
              .map((run) => (
                <polyline class="chart-line" points={run.join(' ')} />
              ))}
            {item.values.map((value, index) =>
              value === null ? null : (
                <circle
                  class="chart-dot"
                  cx={xOf(index)}
                  cy={yOf(value)}
                  r={days.length > 45 ? 2 : 3}
                  data-testid="chart-point"
                  data-date={days[index]}
                  data-value={value}
                >
                  <title>{`${item.label}, ${longDay(days[index] ?? '')}: ${format(value)}`}</title>
                </circle>
              ),
            )}
          </g>
        );
      })}
    </ChartFrame>
  );
}

/** One bar per day; several series stack, the first at the bottom. */
export function BarChart(props: ChartProps) {
  const { days, series, format = plain } = props;
  const totals = days.map((_, index) => series.reduce((sum, item) => sum + (item.values[index] ?? 0), 0));
  const { top, ticks } = scaleOf(Math.max(0, ...totals), props.minMax, true);
  const slot = PLOT_W / Math.max(days.length, 1);
  const barWidth = Math.max(1, slot * 0.72);
  const xOf = (index: number) => LEFT + slot * index + slot / 2;
  const heightOf = (value: number) => (value / top) * PLOT_H;
  return (
    <ChartFrame {...props} kind="bar">
      <Axes ticks={ticks} top={top} format={format} yLabel={props.yLabel} xLabel={props.xLabel ?? 'Day (UTC)'} />
      <DayLabels days={days} xOf={xOf} />
      {days.map((day, index) => {
        let base = TOP + PLOT_H;
        return (
          <g data-date={day}>
            {series.map((item, s) => {
              const value = item.values[index] ?? 0;
              const height = heightOf(value);
              base -= height;
              return (
                <rect
                  class={`chart-bar chart-fill-${s}`}
                  x={xOf(index) - barWidth / 2}
                  y={base}
                  width={barWidth}
                  height={Math.max(height, 0)}
                  data-testid="chart-bar"
                  data-series={item.key}
                  data-value={value}
                >
                  <title>{`${item.label}, ${longDay(day)}: ${format(value)}`}</title>
                </rect>
              );
            })}
          </g>
        );
      })}
    </ChartFrame>
  );
}
