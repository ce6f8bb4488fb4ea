import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('API documentation', () => {
  it('should generate an OpenAPI 3.1 document from the route declarations', async () => {
    const res = await exports.default.fetch('http://hearth.test/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = await res.json<{
      openapi: string;
      info: { title: string };
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Hearth API');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/meta']));
    expect(doc.paths['/api/health']).toHaveProperty('get');
    expect(doc.components.schemas).toHaveProperty('Health');
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
  });

  it('should serve a docs page that loads nothing from another origin', async () => {
    const res = await exports.default.fetch('http://hearth.test/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/docs/vendor/swagger-ui-bundle.js');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
