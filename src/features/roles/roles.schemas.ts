import { z } from '@hono/zod-openapi';
import { type Permission, permissionNames } from './permissions';

const PermissionNameSchema = z.enum(permissionNames as readonly Permission[] as [Permission, ...Permission[]]);

export const RoleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    builtIn: z.boolean(),
    permissions: z.array(PermissionNameSchema).openapi({
      description: 'What holders of the role may do, in catalogue order. The built-in `admin` role holds all of them.',
    }),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Role');

export const PermissionSchema = z
  .object({
    name: PermissionNameSchema,
    description: z.string(),
  })
  .openapi('Permission');

export const UserRolesSchema = z.object({ userId: z.string(), roles: z.array(z.string()) }).openapi('UserRoles');

/** Every role: few enough for one page, so no cursor. */
export const RoleListSchema = z.object({ items: z.array(RoleSchema), nextCursor: z.null() });

export const PermissionCatalogueSchema = z.object({ items: z.array(PermissionSchema) });
