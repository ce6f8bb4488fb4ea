import { z } from '@hono/zod-openapi';

export const MetaSchema = z
  .object({
    name: z.literal('Hearth'),
    version: z.string(),
    environment: z.enum(['development', 'production', 'test']),
    providers: z
      .array(z.object({ id: z.string(), name: z.string() }))
      .openapi({ description: 'Configured OpenID Connect sign-in providers: `GET /api/auth/oauth/{id}` starts one.' }),
  })
  .openapi('Meta');
