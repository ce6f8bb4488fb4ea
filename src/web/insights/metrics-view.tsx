import { TableScroll } from '../components/table-scroll';
import { minutesText } from '../focus/days';
import { BarChart, LineChart, longDay } from './charts';
import type { MetricsCohort, MetricsReport } from './types';

const percent = (rate: number) => `${Math.round(rate * 100)}%`;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The day of the range with the highest value, in words; '' when every value is 0. */
function peakText(days: string[], values: number[], unit: (value: number) => string): string {
  let best = -1;
  values.forEach((value, index) => {
    if (value > 0 && (best < 0 || value > (values[best] ?? 0))) best = index;
  });
  return best < 0 ? '' : ` Highest on ${longDay(days[best] ?? '')}: ${unit(values[best] ?? 0)}.`;
}

/** Cohort cells are shaded in six steps by their rate (no inline styles: the CSP forbids them). */
const shadeOf = (rate: number | null) => (rate === null ? 'none' : String(Math.min(5, Math.ceil(rate * 5))));

function CohortTable({ cohorts }: { cohorts: MetricsCohort[] }) {
  if (cohorts.length === 0) return <p class="muted empty">Nobody signed up in these weeks.</p>;
  const weeks = Math.max(...cohorts.map((cohort) => cohort.retention.length));
  return (
    <TableScroll label="Weekly retention by sign-up cohort">
      <table class="table cohort-table" data-testid="cohort-table">
        <caption class="visually-hidden">
          Each row is the people who signed up in one week; each column the share of them active N weeks later.
        </caption>
        <thead>
          <tr>
            <th scope="col">Sign-up week</th>
            <th scope="col" class="num">
              People
            </th>
            {Array.from({ length: weeks }, (_, week) => (
              <th scope="col" class="num">
                Week {week}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cohorts.map((cohort) => (
            <tr data-testid="cohort-row" data-week={cohort.week}>
              <th scope="row">{longDay(cohort.week)}</th>
              <td class="num">{cohort.size}</td>
              {Array.from({ length: weeks }, (_, week) => {
                const cell = cohort.retention[week];
                if (!cell) return <td class="cohort-cell" data-shade="none" />;
                return (
                  <td
                    class="num cohort-cell"
                    data-shade={shadeOf(cell.rate)}
                    title={`${cell.active} of ${cohort.size} active in week ${week}`}
                    data-testid="cohort-cell"
                  >
                    {cell.rate === null ? '–' : percent(cell.rate)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function LifecycleTable({ report }: { report: MetricsReport }) {
  return (
    <details class="chart-details">
      <summary>Show the lifecycle table, dormant included</summary>
      <TableScroll label="Lifecycle by day">
        <table class="table" data-testid="lifecycle-table">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" class="num">
                New
              </th>
              <th scope="col" class="num">
                Returning
              </th>
              <th scope="col" class="num">
                Resurrecting
              </th>
              <th scope="col" class="num">
                Dormant
              </th>
            </tr>
          </thead>
          <tbody>
            {report.days.map((day) => (
              <tr>
                <th scope="row">{longDay(day.date)}</th>
                <td class="num">{day.lifecycle.new}</td>
                <td class="num">{day.lifecycle.returning}</td>
                <td class="num">{day.lifecycle.resurrecting}</td>
                <td class="num">{day.lifecycle.dormant}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </details>
  );
}

/** Every figure of one metrics report: totals, charts, cohorts, lifecycle and coworking. */
export function MetricsView({ report }: { report: MetricsReport }) {
  const { days: rows, coworking } = report;
  const days = rows.map((day) => day.date);
  const last = rows[rows.length - 1];
  const signups = rows.map((day) => day.signups);
  const minutes = rows.map((day) => day.focusedMinutes);
  const range = `${longDay(report.from)} to ${longDay(report.to)}`;
  const stickiness = rows.map((day) => day.stickiness);
  const known = stickiness.filter((rate): rate is number => rate !== null);
  const meanStickiness = known.length ? sum(known) / known.length : null;
  const active = sum(rows.map((day) => day.lifecycle.new + day.lifecycle.returning + day.lifecycle.resurrecting));
  const number = (value: number | null) => (value === null ? '–' : String(Math.round(value * 10) / 10));

  return (
    <div class="stack" data-testid="metrics-report" data-from={report.from} data-to={report.to}>
      <section class="card" aria-labelledby="metrics-totals">
        <h2 id="metrics-totals">In this range</h2>
        <p class="muted">{range}, UTC days.</p>
        <dl class="stats insight-stats" data-testid="metrics-totals">
          <div>
            <dt>Sign-ups</dt>
            <dd data-testid="total-signups">{report.signups}</dd>
          </div>
          <div>
            <dt>Focused minutes</dt>
            <dd data-testid="total-minutes">{report.focusedMinutes}</dd>
          </div>
          <div>
            <dt>DAU / WAU / MAU on {last ? longDay(last.date) : '–'}</dt>
            <dd data-testid="latest-active">{last ? `${last.dau} / ${last.wau} / ${last.mau}` : '–'}</dd>
          </div>
          <div>
            <dt>Stickiness (DAU/MAU)</dt>
            <dd>{last?.stickiness === null || !last ? '–' : percent(last.stickiness)}</dd>
          </div>
          <div>
            <dt>Assistant answers / tokens ({plural(report.ai.users, 'person', 'people')})</dt>
            <dd data-testid="total-ai">{`${report.ai.requests} / ${report.ai.tokens}`}</dd>
          </div>
        </dl>
      </section>

      <section class="card" aria-labelledby="metrics-signups">
        <h2 id="metrics-signups">Sign-ups per day</h2>
        <BarChart
          id="signups"
          title="Sign-ups per day"
          summary={`${plural(report.signups, 'sign-up')} from ${range}.${peakText(days, signups, (v) => plural(v, 'sign-up'))}`}
          days={days}
          series={[{ key: 'signups', label: 'Sign-ups', values: signups }]}
          yLabel="Sign-ups"
        />
      </section>

      <section class="card" aria-labelledby="metrics-active">
        <h2 id="metrics-active">Active users</h2>
        <p class="muted">
          Active means a credited sprint, a session attended, a message sent or a file uploaded. WAU and MAU count the 7
          and 30 days ending with each day.
        </p>
        <LineChart
          id="active"
          title="Daily, weekly and monthly active users"
          summary={
            last
              ? `On ${longDay(last.date)}: ${last.dau} daily, ${last.wau} weekly and ${last.mau} monthly active users.${peakText(
                  days,
                  rows.map((day) => day.dau),
                  (v) => `${v} daily active`,
                )}`
              : 'No days in this range.'
          }
          days={days}
          series={[
            { key: 'dau', label: 'DAU', values: rows.map((day) => day.dau) },
            { key: 'wau', label: 'WAU', values: rows.map((day) => day.wau) },
            { key: 'mau', label: 'MAU', values: rows.map((day) => day.mau) },
          ]}
          yLabel="People"
        />
        <h3>Stickiness</h3>
        <LineChart
          id="stickiness"
          title="Stickiness: DAU divided by MAU"
          summary={
            meanStickiness === null
              ? 'No monthly active users in this range, so no stickiness.'
              : `Stickiness averaged ${percent(meanStickiness)} over the days with monthly active users.`
          }
          days={days}
          series={[{ key: 'stickiness', label: 'Stickiness', values: stickiness }]}
          yLabel="DAU / MAU"
          format={percent}
          integer={false}
          minMax={0.1}
        />
      </section>

      <section class="card" aria-labelledby="metrics-focus">
        <h2 id="metrics-focus">Focused minutes per day</h2>
        <BarChart
          id="minutes"
          title="Focused minutes per day"
          summary={`${minutesText(report.focusedMinutes)} of credited focus from ${range}.${peakText(days, minutes, minutesText)}`}
          days={days}
          series={[{ key: 'minutes', label: 'Minutes', values: minutes }]}
          yLabel="Minutes"
        />
      </section>

      <section class="card" aria-labelledby="metrics-retention">
        <h2 id="metrics-retention">Retention by sign-up week</h2>
        <p class="muted">Weeks run Monday to Sunday (UTC); week 0 is the sign-up week, the last may be a part week.</p>
        <CohortTable cohorts={report.cohorts} />
      </section>

      <section class="card" aria-labelledby="metrics-lifecycle">
        <h2 id="metrics-lifecycle">Lifecycle</h2>
        <p class="muted">
          Who was active each day: new (signed up that day), returning (active the day before too), resurrecting (back
          after a day or more away). Dormant people (active the day before, not that day) are in the table.
        </p>
        <BarChart
          id="lifecycle"
          title="Active people per day by lifecycle"
          summary={`${active} active person-days from ${range}: ${sum(rows.map((d) => d.lifecycle.new))} new, ${sum(
            rows.map((d) => d.lifecycle.returning),
          )} returning, ${sum(rows.map((d) => d.lifecycle.resurrecting))} resurrecting; ${sum(
            rows.map((d) => d.lifecycle.dormant),
          )} went dormant.`}
          days={days}
          series={[
            { key: 'new', label: 'New', values: rows.map((day) => day.lifecycle.new) },
            { key: 'returning', label: 'Returning', values: rows.map((day) => day.lifecycle.returning) },
            { key: 'resurrecting', label: 'Resurrecting', values: rows.map((day) => day.lifecycle.resurrecting) },
          ]}
          yLabel="People"
        />
        <LifecycleTable report={report} />
      </section>

      <section class="card" aria-labelledby="metrics-coworking">
        <h2 id="metrics-coworking">Coworking</h2>
        <dl class="stats insight-stats" data-testid="metrics-coworking">
          <div>
            <dt>Sessions created</dt>
            <dd data-testid="sessions-created">{coworking.sessionsCreated}</dd>
          </div>
          <div>
            <dt>Sessions held</dt>
            <dd data-testid="sessions-held">{coworking.sessionsHeld}</dd>
          </div>
          <div>
            <dt>Sessions ended</dt>
            <dd>{coworking.sessionsEnded}</dd>
          </div>
          <div>
            <dt>Attendance, mean / median</dt>
            <dd data-testid="attendance">
              {number(coworking.attendance.mean)} / {number(coworking.attendance.median)}
            </dd>
          </div>
          <div>
            <dt>In person / remote</dt>
            <dd>
              {coworking.attendance.inPerson} / {coworking.attendance.remote}
            </dd>
          </div>
          <div>
            <dt>Invites sent</dt>
            <dd>{coworking.invitesSent}</dd>
          </div>
          <div>
            <dt>Joins</dt>
            <dd>{coworking.joins}</dd>
          </div>
        </dl>
        <p class="muted">
          Attendance, invites and joins are those of the {plural(coworking.sessionsEnded, 'session')} that ended in the
          range ({plural(coworking.attendance.hosts, 'host')}). Joins are not linked to invites.
        </p>
      </section>
    </div>
  );
}
