import { createRouter } from '../../lib/openapi';
import { currentUserId } from '../../middleware/auth';
import { aiProvider, unavailableReason } from './ai.provider';
import {
  chatRoute,
  deleteConversationRoute,
  getAiSettingsRoute,
  getConversationRoute,
  listConversationsRoute,
  modelsRoute,
  renameConversationRoute,
  updateAiSettingsRoute,
} from './ai.routes';
import {
  aiSettingsOf,
  deleteConversation,
  listConversations,
  readConversation,
  renameConversation,
  setDailyTokenBudget,
} from './ai.service';
import { chat } from './chat';

export const aiRoutes = createRouter()
  .openapi(chatRoute, async (c) => chat(c, c.req.valid('json')) as never)
  .openapi(modelsRoute, async (c) => {
    const provider = aiProvider(c.env, c.var.config.ai);
    return c.json(
      {
        available: provider !== null,
        detail: unavailableReason(c.env, c.var.config.ai),
        models: provider?.models ?? [],
        defaultModel: provider?.models[0] ?? null,
      },
      200,
    );
  })
  .openapi(listConversationsRoute, async (c) => {
    return c.json(await listConversations(c.var.db, currentUserId(c), c.req.valid('query')), 200);
  })
  .openapi(getConversationRoute, async (c) => {
    return c.json(await readConversation(c.var.db, currentUserId(c), c.req.valid('param').id), 200);
  })
  .openapi(renameConversationRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await renameConversation(c.var.db, currentUserId(c), id, c.req.valid('json').title), 200);
  })
  .openapi(deleteConversationRoute, async (c) => {
    await deleteConversation(c.var.db, currentUserId(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(getAiSettingsRoute, async (c) => {
    return c.json(await aiSettingsOf(c.var.db, c.var.config.ai), 200);
  })
  .openapi(updateAiSettingsRoute, async (c) => {
    await setDailyTokenBudget(c.var.db, currentUserId(c), c.req.valid('json').dailyTokenBudget);
    return c.json(await aiSettingsOf(c.var.db, c.var.config.ai), 200);
  });
