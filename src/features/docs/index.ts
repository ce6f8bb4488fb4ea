import type { Context } from 'hono';
import { version } from '../../../package.json';
import type { AppEnv } from '../../env';
import { completeDocument, type OpenApiDocument, ProblemSchema, type Router } from '../../lib/openapi';

// Swagger UI is copied from the swagger-ui-dist package into public/docs/vendor
// by the web build, so the docs work offline and load nothing from a CDN.
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearth API</title>
<link rel="stylesheet" href="/docs/vendor/swagger-ui.css">
<link rel="icon" href="/favicon.svg">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/vendor/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>`;

// Swagger UI styles elements inline, so this page allows inline styles; scripts stay same-origin only.
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function docsPage(c: Context<AppEnv>) {
  c.header('Content-Security-Policy', DOCS_CSP);
  return c.html(DOCS_HTML);
}

/** Every tag a route may use, with what it groups; the contract test refuses an undeclared tag. */
export const API_TAGS = [
  { name: 'Health', description: 'Whether this deployment works, and what it is.' },
  { name: 'Auth', description: 'Accounts, sign-in (password, one-time code, OpenID Connect), sessions and tokens.' },
  { name: 'Users', description: 'Profiles, account deletion and export, and the user directory.' },
  { name: 'Roles', description: 'Roles, their permissions, and who holds them.' },
  { name: 'Files', description: 'Uploads (single and resumable), files, downloads and their access logs.' },
  { name: 'Sharing', description: 'Share links to files, with optional password, expiry and download cap.' },
  { name: 'Rooms', description: 'Realtime rooms: membership, message history and socket tickets.' },
  {
    name: 'Coworking',
    description: 'Shared focus sessions: creating, finding nearby, joining in person or remotely, invites, passes.',
  },
  {
    name: 'Sprints',
    description: 'Solo focus sprints, streaks with freezes, minutes per day and badges, in your time zone.',
  },
  {
    name: 'Dashboard',
    description: 'The signed-in home page: focus this week, streak, storage, recent files, messages, sessions.',
  },
  { name: 'Friends', description: 'Friend requests and friendships.' },
  { name: 'Reports', description: 'Reporting people to the moderators.' },
  { name: 'AI', description: 'The assistant: streamed answers from the configured model, conversations, limits.' },
  {
    name: 'Backups',
    description: 'Archives of every table and file: on demand and on a schedule, download, import and restore.',
  },
  {
    name: 'Admin',
    description: 'Operating the deployment: users, storage, access logs, the audit log and usage metrics.',
  },
  { name: 'Development', description: 'Only in development: the mail and SMS outbox.' },
];

const DOCUMENT_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Hearth API',
    version,
    description:
      'Accounts, realtime rooms, coworking sessions and file sharing. Errors are RFC 9457 problem+json with a stable `code`.',
  },
  tags: API_TAGS,
};

/**
 * The OpenAPI document of `app`, generated from its route declarations and completed
 * (`completeDocument`) so every operation has an id, a security entry and its error responses.
 * `serverUrl` is where the API is served: APP_URL when served, `/` (this origin) otherwise.
 */
export function openApiDocument(app: Router, serverUrl = '/'): OpenApiDocument {
  return completeDocument(app.getOpenAPI31Document(DOCUMENT_CONFIG), { serverUrl });
}

/** Mounts `/api/openapi.json` (generated from the route declarations) and `/api/docs`. */
export function mountDocs(app: Router) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  // Defaults added by `completeDocument` refer to it, whether or not a route did.
  app.openAPIRegistry.register('Problem', ProblemSchema);
  app.get('/api/openapi.json', (c) => c.json(openApiDocument(app, c.var.config.appUrl)));
  app.get('/api/docs', docsPage);
}
