import { createApp } from './app';
import type { Env, JobMessage } from './env';
import { handleRoomUpgrade } from './features/rooms/upgrade';
import { queue, scheduled } from './jobs';

export { Limiter } from './limiter/limiter-object';
export { ChatRoom } from './realtime/chat-room';
export { CoworkingRoom } from './realtime/coworking-room';

// Built once per isolate: the app holds no per-request state (isolates are shared by requests).
const app = createApp();

export default {
  async fetch(request, env, ctx) {
    return (await handleRoomUpgrade(request, env)) ?? app.fetch(request, env, ctx);
  },
  scheduled,
  queue,
} satisfies ExportedHandler<Env, JobMessage>;
