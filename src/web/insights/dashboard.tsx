import { type ApiError, asApiError } from '../api';
import { errorMessage } from '../components/form';
import { formatBytes } from '../files/format';
import { daysText, formatMinutes, minutesText } from '../focus/days';
import { dateTime, formatTime } from '../format';
import { useLiveState, useSingleEffect } from '../hooks';
import { Link } from '../router';
import { insightsApi } from './api';
import { BarChart, LineChart, longDay } from './charts';
import type { Dashboard as DashboardData } from './types';

type State = { kind: 'loading' } | { kind: 'loaded'; data: DashboardData } | { kind: 'error'; error: ApiError };
type Recent = DashboardData['recent'];

const PHASES: Record<Recent['sessions'][number]['phase'], string> = {
  lobby: 'Not started',
  running: 'Running',
  paused: 'Paused',
  ended: 'Ended',
};
const ROLES: Record<Recent['sessions'][number]['role'], string> = {
  host: 'Host',
  in_person: 'In person',
  remote: 'Remote',
};
const SPRINTS: Record<Recent['sprints'][number]['status'], string> = {
  running: 'Running',
  completed: 'Completed',
  abandoned: 'Abandoned',
  expired: 'Expired',
};

function When({ iso }: { iso: string }) {
  return (
    <time datetime={iso} title={dateTime(iso)}>
      {formatTime(iso, 'dayAndTime')}
    </time>
  );
}

function Cards({ cards }: { cards: DashboardData['cards'] }) {
  const quota = Math.max(cards.quotaBytes, 1);
  const used = Math.min(100, Math.round((cards.storageUsedBytes / quota) * 100));
  return (
    <ul class="dashboard-cards" data-testid="dashboard-cards">
      <li class="dashboard-card" data-testid="card-focus">
        <Link href="/focus" class="dashboard-card-link">
          <span class="dashboard-card-label">Focus this week</span>
          <span class="dashboard-card-value" data-testid="card-focus-value" data-minutes={cards.focusMinutesThisWeek}>
            {formatMinutes(cards.focusMinutesThisWeek)}
          </span>
        </Link>
      </li>
      <li class="dashboard-card" data-testid="card-streak">
        <Link href="/focus" class="dashboard-card-link">
          <span class="dashboard-card-label">Streak</span>
          <span class="dashboard-card-value" data-testid="card-streak-value" data-streak={cards.streak}>
            {daysText(cards.streak)}
          </span>
        </Link>
      </li>
      <li class="dashboard-card" data-testid="card-files">
        <Link href="/files" class="dashboard-card-link">
          <span class="dashboard-card-label">Files</span>
          <span class="dashboard-card-value" data-testid="card-files-value" data-count={cards.filesCount}>
            {cards.filesCount}
          </span>
          <meter
            class="usage-meter dashboard-meter"
            min={0}
            max={quota}
            value={cards.storageUsedBytes}
            high={cards.quotaBytes * 0.9}
            aria-label={`${used}% of your storage quota used`}
            data-testid="card-quota-meter"
          />
          <span class="dashboard-card-sub" data-testid="card-quota">
            {formatBytes(cards.storageUsedBytes)} of {formatBytes(cards.quotaBytes)} ({used}%)
          </span>
        </Link>
      </li>
      <li class="dashboard-card" data-testid="card-rooms">
        <Link href="/rooms" class="dashboard-card-link">
          <span class="dashboard-card-label">Rooms with new messages</span>
          <span class="dashboard-card-value" data-testid="card-rooms-value" data-count={cards.roomsWithNewMessages}>
            {cards.roomsWithNewMessages}
          </span>
        </Link>
      </li>
    </ul>
  );
}

function RecentList(props: { title: string; testid: string; empty: string; more: string; children: unknown[] }) {
  return (
    <section class="card dashboard-recent" aria-label={props.title} data-testid={props.testid}>
      <h3>{props.title}</h3>
      {props.children.length === 0 ? (
        <p class="muted empty">{props.empty}</p>
      ) : (
        <ul class="dashboard-list">{props.children}</ul>
      )}
      <p class="dashboard-more">
        <Link href={props.more}>See all</Link>
      </p>
    </section>
  );
}

function RecentLists({ recent }: { recent: Recent }) {
  return (
    <div class="dashboard-recents">
      <RecentList title="Files" testid="recent-files" empty="No files yet." more="/files">
        {recent.files.map((file) => (
          <li data-testid="recent-file">
            <Link href="/files" class="dashboard-item-title">
              {file.name}
            </Link>
            <span class="muted">
              {formatBytes(file.size)} · <When iso={file.createdAt} />
            </span>
          </li>
        ))}
      </RecentList>
      <RecentList title="Messages" testid="recent-messages" empty="No messages in your rooms yet." more="/rooms">
        {recent.messages.map((message) => (
          <li data-testid="recent-message">
            <Link href={`/rooms/${encodeURIComponent(message.roomId)}`} class="dashboard-item-title">
              {message.roomName}
            </Link>
            <span class="dashboard-quote">
              <strong>{message.authorName ?? 'Someone'}:</strong> {message.text}
            </span>
            <span class="muted">
              <When iso={message.sentAt} />
            </span>
          </li>
        ))}
      </RecentList>
      <RecentList title="Sessions" testid="recent-sessions" empty="No coworking sessions yet." more="/sessions">
        {recent.sessions.map((session) => (
          <li data-testid="recent-session">
            <Link href={`/sessions/${encodeURIComponent(session.id)}`} class="dashboard-item-title">
              {session.title}
            </Link>
            <span class="muted">
              {PHASES[session.phase]} · {ROLES[session.role]}
              {session.minutesPresent > 0 && ` · ${minutesText(session.minutesPresent)}`}
              {(session.startedAt ?? session.startsAt) && (
                <>
                  {' · '}
                  <When iso={(session.startedAt ?? session.startsAt) as string} />
                </>
              )}
            </span>
          </li>
        ))}
      </RecentList>
      <RecentList title="Sprints" testid="recent-sprints" empty="No sprints yet." more="/focus">
        {recent.sprints.map((sprint) => (
          <li data-testid="recent-sprint">
            <Link
              href={sprint.kind === 'solo' ? '/focus' : '/sessions'}
              class="dashboard-item-title"
              data-testid="recent-sprint-link"
            >
              {sprint.goal || (sprint.kind === 'solo' ? 'Solo sprint' : 'Session sprint')}
            </Link>
            <span class="muted">
              {SPRINTS[sprint.status]} · {minutesText(sprint.creditedMinutes)} of {sprint.plannedMinutes} ·{' '}
              <When iso={sprint.startedAt} />
            </span>
          </li>
        ))}
      </RecentList>
    </div>
  );
}

function Charts({ charts }: { charts: DashboardData['charts'] }) {
  const minutes = charts.minutesByDay.map((day) => day.minutes);
  const total = minutes.reduce((sum, value) => sum + value, 0);
  const activeDays = minutes.filter((value) => value > 0).length;
  const storage = charts.storageByDay;
  const first = storage[0];
  const last = storage[storage.length - 1];
  return (
    <div class="dashboard-charts">
      <section class="card" aria-labelledby="dashboard-minutes">
        <h3 id="dashboard-minutes">Focus, last 14 days</h3>
        <BarChart
          id="dash-minutes"
          title="Focused minutes per day, last 14 days"
          summary={
            total === 0
              ? 'No focused time in the last 14 days yet.'
              : `${minutesText(total)} over ${daysText(activeDays)} in the last 14 days.`
          }
          days={charts.minutesByDay.map((day) => day.date)}
          series={[{ key: 'minutes', label: 'Minutes', values: minutes }]}
          yLabel="Minutes"
          xLabel="Day (your time zone)"
        />
      </section>
      <section class="card" aria-labelledby="dashboard-storage">
        <h3 id="dashboard-storage">Storage, last 30 days</h3>
        <LineChart
          id="dash-storage"
          title="Storage used at the end of each day, last 30 days"
          summary={
            first && last
              ? `${formatBytes(last.bytes)} on ${longDay(last.date)}, from ${formatBytes(first.bytes)} on ${longDay(first.date)}.`
              : 'No days to show.'
          }
          days={storage.map((day) => day.date)}
          series={[{ key: 'bytes', label: 'Stored', values: storage.map((day) => day.bytes) }]}
          yLabel="Stored"
          format={formatBytes}
        />
      </section>
    </div>
  );
}

/** The signed-in home page: this week's figures, what happened lately and two charts (`GET /api/dashboard`). */
export function Dashboard() {
  const [state, setState] = useLiveState<State>({ kind: 'loading' });
  useSingleEffect(() => {
    insightsApi.dashboard().then(
      (data) => setState({ kind: 'loaded', data }),
      (error: unknown) => setState({ kind: 'error', error: asApiError(error) }),
    );
    return undefined;
  }, []);

  return (
    <div class="page dashboard" data-testid="dashboard">
      <header class="page-header">
        <h1>Your dashboard</h1>
      </header>
      {state.kind === 'loading' && (
        <p class="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {state.kind === 'error' && (
        <p class="notice notice-fail" role="alert" data-testid="dashboard-error">
          {errorMessage(state.error)}
        </p>
      )}
      {state.kind === 'loaded' && (
        <div class="stack">
          <section aria-label="This week">
            <Cards cards={state.data.cards} />
          </section>
          <section aria-labelledby="dashboard-recent-heading">
            <h2 id="dashboard-recent-heading">Recently</h2>
            <RecentLists recent={state.data.recent} />
          </section>
          <section aria-labelledby="dashboard-charts-heading">
            <h2 id="dashboard-charts-heading">Over time</h2>
            <Charts charts={state.data.charts} />
          </section>
        </div>
      )}
    </div>
  );
}
