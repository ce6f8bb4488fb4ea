import { cors } from 'hono/cors';
import { createDb } from './db/client';
import { adminRoutes } from './features/admin';
import { aiRoutes } from './features/ai';
import { auditLogRoutes } from './features/audit';
import { authRoutes } from './features/auth';
import { oauthRoutes } from './features/auth/oauth';
import { otpRoutes } from './features/auth/otp';
import { recoveryRoutes } from './features/auth/recovery';
import { backupDownloadRoutes, backupRoutes } from './features/backups';
import { coworkingRoutes } from './features/coworking';
import { coworkingControls } from './features/coworking/controls';
import { dashboardRoutes } from './features/dashboard';
import { devRoutes } from './features/dev';
import { mountDocs } from './features/docs';
import { fileRoutes } from './features/files';
import { adminStorageRoutes } from './features/files/admin-storage';
import { downloadRoutes } from './features/files/downloads';
import { publicShareRoutes } from './features/files/public-share';
import { shareRoutes } from './features/files/shares';
import { uploadRoutes } from './features/files/uploads';
import { healthRoutes } from './features/health';
import { metaRoutes } from './features/meta';
import { metricsRoutes } from './features/metrics';
import { requestMetrics } from './features/ops/metrics';
import { reportingErrors } from './features/ops/request-errors';
import { rolesRoutes } from './features/roles';
import { roomRoutes } from './features/rooms';
import { socialRoutes } from './features/social';
import { sprintRoutes } from './features/sprints';
import { systemRoutes } from './features/system';
import { usersRoutes } from './features/users';
import { readConfig } from './lib/config';
import { createRouter } from './lib/openapi';
import { configGuard } from './middleware/config-guard';
import { jsonBody } from './middleware/json-body';
import { handleError, handleNotFound } from './middleware/problem';
import { requestLog } from './middleware/request-log';
import { responseHeaders } from './middleware/response-headers';

/** Routes whose bodies are not JSON; they stream and enforce their own limits. */
const isStreamingUpload = (path: string) =>
  path === '/api/files' || /^\/api\/files\/uploads\/[^/]+\/parts\/[^/]+$/.test(path);

/**
 * The middleware every request meets, in order, and the one error handler.
 * Features are mounted on top of this by `createApp`.
 */
export function createBaseApp() {
  const app = createRouter();

  app.use(responseHeaders());
  app.use(async function config(c, next) {
    c.set('config', readConfig(c.env));
    await next();
  });
  app.use(requestLog());
  app.use(requestMetrics());
  app.use('/api/*', async function credentialsOnlyForAllowedOrigins(c, next) {
    await next();
    // Hono's cors sends Allow-Credentials on every response once enabled; it means
    // something only beside an allowed origin, so it goes out only with one.
    if (!c.res.headers.has('Access-Control-Allow-Origin')) c.res.headers.delete('Access-Control-Allow-Credentials');
  });
  app.use(
    '/api/*',
    cors({
      origin: (origin, c) => (c.var.config.allowedOrigins.includes(origin) ? origin : null),
      credentials: true,
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposeHeaders: ['X-Request-Id', 'Retry-After', 'Content-Disposition'],
      maxAge: 600,
    }),
  );
  app.use(configGuard({ allow: ['/api/health'] }));
  app.use('/api/*', jsonBody({ maxBytes: (c) => c.var.config.maxJsonBytes, except: isStreamingUpload }));
  app.use(async function database(c, next) {
    c.set('db', createDb(c.env.DB));
    await next();
  });

  app.notFound(handleNotFound);
  app.onError(reportingErrors(handleError));
  return app;
}

/** Every feature's routes, mounted at the root in this order. */
const features = [
  healthRoutes,
  metaRoutes,
  authRoutes,
  recoveryRoutes,
  otpRoutes,
  oauthRoutes,
  devRoutes,
  uploadRoutes,
  fileRoutes,
  shareRoutes,
  adminStorageRoutes,
  downloadRoutes,
  publicShareRoutes,
  roomRoutes,
  coworkingRoutes,
  sprintRoutes,
  coworkingControls,
  socialRoutes,
  usersRoutes,
  rolesRoutes,
  adminRoutes,
  metricsRoutes,
  dashboardRoutes,
  auditLogRoutes,
  aiRoutes,
  backupRoutes,
  backupDownloadRoutes,
  systemRoutes,
];

/**
 * The whole API: base middleware, every feature's routes, the OpenAPI document generated from them.
 * Mounted in a loop rather than one `.route()` chain: the chain's inferred type of every route of
 * every feature grew past what TypeScript can represent (TS2590). Clients type routes per feature.
 */
export function createApp() {
  const app = createBaseApp();
  for (const routes of features) app.route('/', routes);
  mountDocs(app);
  return app;
}
