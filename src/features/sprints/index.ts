import { createRouter } from '../../lib/openapi';
import { currentUserId } from '../../middleware/auth';
import {
  abandonSprintRoute,
  completeSprintRoute,
  listSprintsRoute,
  startSoloRoute,
  statsRoute,
} from './sprints.routes';
import { abandonSolo, completeSolo, listSprints, startSolo, statsOf, toPublicSprint } from './sprints.service';

export const sprintRoutes = createRouter()
  .openapi(startSoloRoute, async (c) => {
    return c.json(toPublicSprint(await startSolo(c.var.db, currentUserId(c), c.req.valid('json'))), 201);
  })
  .openapi(listSprintsRoute, async (c) => {
    return c.json(await listSprints(c.var.db, currentUserId(c), c.req.valid('query')), 200);
  })
  .openapi(statsRoute, async (c) => {
    return c.json(await statsOf(c.var.db, currentUserId(c)), 200);
  })
  .openapi(completeSprintRoute, async (c) => {
    const { sprint, newBadges } = await completeSolo(
      c.var.db,
      currentUserId(c),
      c.req.valid('param').id,
      c.req.valid('json') ?? {},
    );
    return c.json({ sprint: toPublicSprint(sprint), newBadges }, 200);
  })
  .openapi(abandonSprintRoute, async (c) => {
    return c.json(toPublicSprint(await abandonSolo(c.var.db, currentUserId(c), c.req.valid('param').id)), 200);
  });
