import { z } from '@hono/zod-openapi';

const Check = z.enum(['ok', 'fail']);

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'fail']),
    checks: z.object({ db: Check, kv: Check, storage: Check, config: Check }),
    problems: z.array(z.string()).openapi({ description: 'Why each failing check failed.' }),
    warnings: z
      .array(z.string())
      .openapi({ description: 'What degrades one feature without failing the app, e.g. an unreachable AI provider.' }),
    version: z.string(),
  })
  .openapi('Health');
