// Starts Swagger UI on /api/docs. A file rather than an inline script so the page's CSP
// can keep script-src 'self'; swagger-ui-bundle.js is vendored by scripts/build-web.mjs.
SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui' });
