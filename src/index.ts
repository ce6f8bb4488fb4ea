import { createApp } from './app';
import type { Env, JobMessage } from './env';
import { queue, scheduled } from './jobs';

export { Limiter } from './limiter/limiter-object';
export { Room } from './realtime/room';

// Built once per isolate: the app holds no per-request state (isolates are shared by requests).
const app = createApp();

export default {
  fetch: app.fetch,
  scheduled,
  queue,
} satisfies ExportedHandler<Env, JobMessage>;
