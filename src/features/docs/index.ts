import type { Context } from 'hono';
import { version } from '../../../package.json';
import type { AppEnv } from '../../env';
import type { Router } from '../../lib/openapi';

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

/** Mounts `/api/openapi.json` (generated from the route declarations) and `/api/docs`. */
export function mountDocs(app: Router) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Hearth API',
      version,
      description:
        'Accounts, realtime rooms, coworking sessions and file sharing. Errors are RFC 9457 problem+json with a stable `code`.',
    },
  });
  app.get('/api/docs', docsPage);
}
