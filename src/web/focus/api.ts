import { request } from '../api';
import type { CompletedSprint, Page, Sprint, SprintStart, SprintStats } from '../types';

const sprintPath = (id: string) => `/api/sprints/${encodeURIComponent(id)}`;
const noStore = { auth: true, cache: 'no-store' } as const;

/** The sprint routes of SPEC §3, typed by their answers. */
export const sprintsApi = {
  start: (body: SprintStart) => request<Sprint>('/api/sprints/solo', { method: 'POST', json: body, auth: true }),
  /** Newest first: the running solo sprint, when there is one, is among the first. */
  mine: () => request<Page<Sprint>>('/api/sprints', noStore),
  stats: () => request<SprintStats>('/api/sprints/stats', noStore),
  complete: (id: string, done: boolean) =>
    request<CompletedSprint>(`${sprintPath(id)}/complete`, { method: 'POST', json: { done }, auth: true }),
  abandon: (id: string) => request<Sprint>(`${sprintPath(id)}/abandon`, { method: 'POST', auth: true }),
};

/** The solo sprint still running, if any: at most one runs at a time. */
export const runningSolo = (page: Page<Sprint>): Sprint | null =>
  page.items.find((sprint) => sprint.kind === 'solo' && sprint.status === 'running') ?? null;

/** How far the server's clock is ahead of this device's, from the `now` an answer just carried. */
export const serverOffset = (sprint: Sprint): number => Date.parse(sprint.now) - Date.now();
