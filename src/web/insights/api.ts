import { request } from '../api';
import type { Dashboard, MetricsQuery, MetricsReport } from './types';

const noStore = { auth: true, cache: 'no-store' } as const;

/** The insight routes: the admin's metrics (`metrics.read`) and the signed-in user's dashboard. */
export const insightsApi = {
  metrics: (query: MetricsQuery) => {
    const params = new URLSearchParams();
    if (query.from) params.set('from', query.from);
    if (query.to) params.set('to', query.to);
    const search = params.toString();
    return request<MetricsReport>(`/api/admin/metrics${search ? `?${search}` : ''}`, noStore);
  },
  dashboard: () => request<Dashboard>('/api/dashboard', noStore),
};
