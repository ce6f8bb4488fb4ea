import { z } from '@hono/zod-openapi';

const Iso = z.string().openapi({ format: 'date-time' });

/** Everything a chat request may carry in its messages, counted in characters. */
export const MAX_INPUT_CHARS = 32_000;

export const ChatMessageInputSchema = z
  .strictObject({
    role: z.enum(['user', 'assistant']).openapi({ description: 'System prompts are the server’s, not the client’s.' }),
    content: z.string().min(1).max(MAX_INPUT_CHARS),
  })
  .openapi('AiChatMessageInput');

export const ChatRequestSchema = z
  .strictObject({
    conversationId: z.string().min(1).max(64).optional().openapi({
      description: 'Continue this conversation: its stored history is the context and only the last message is new.',
    }),
    messages: z.array(ChatMessageInputSchema).min(1).max(100).optional(),
    message: z
      .string()
      .min(1)
      .max(MAX_INPUT_CHARS)
      .optional()
      .openapi({ description: 'Shorthand for one user message.' }),
    model: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'One of the allowed models; the default when left out.' }),
  })
  .refine((body) => (body.messages === undefined) !== (body.message === undefined), {
    message: 'Send either `messages` or `message`.',
    path: ['messages'],
  })
  .refine((body) => body.message !== undefined || body.messages?.at(-1)?.role === 'user', {
    message: 'The last message must be the user’s.',
    path: ['messages'],
  })
  .openapi('AiChatRequest');

export const AiMessageSchema = z
  .object({
    id: z.string(),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    partial: z.boolean().openapi({ description: 'The answer was cut short (stopped, or the provider failed).' }),
    error: z.string().nullable(),
    model: z.string().nullable(),
    inputTokens: z.number().int().nullable(),
    outputTokens: z.number().int().nullable(),
    createdAt: Iso,
  })
  .openapi('AiMessage');

export const ConversationSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    model: z.string(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .openapi('AiConversation');

export const ConversationDetailSchema = ConversationSchema.extend({ messages: z.array(AiMessageSchema) }).openapi(
  'AiConversationDetail',
);

export const RenameConversationSchema = z
  .strictObject({ title: z.string().trim().min(1).max(200) })
  .openapi('AiConversationRename');

export const AiModelsSchema = z
  .object({
    available: z.boolean(),
    detail: z.string().nullable().openapi({ description: 'How to configure a provider, when none is.' }),
    models: z.array(z.string()),
    defaultModel: z.string().nullable(),
  })
  .openapi('AiModels');

export const AiSettingsSchema = z
  .object({
    dailyTokenBudget: z.number().int().openapi({ description: 'Tokens per user per UTC day.' }),
    requestsPerMinute: z.number().int(),
    tokensToday: z.number().int().openapi({ description: 'Tokens used today by everyone.' }),
    requestsToday: z.number().int(),
  })
  .openapi('AiSettings');

export const UpdateAiSettingsSchema = z
  .strictObject({ dailyTokenBudget: z.number().int().min(1).max(1_000_000_000) })
  .openapi('AiSettingsUpdate');

/** The assistant's part of the account export. */
export const AiExportShape = {
  aiConversations: z.array(ConversationDetailSchema),
};

/** Token usage of one answer, as the `finish` event's metadata carries it. */
export interface AnswerUsage {
  inputTokens: number;
  outputTokens: number;
  /** True when the stream broke before the provider's final usage chunk: the counts are estimates. */
  estimated: boolean;
}

/** One `data:` event of `POST /api/ai/chat` (the AI SDK UI message stream), the fields Hearth fills. */
export interface AnswerChunk {
  type: string;
  delta?: string;
  errorText?: string;
  messageMetadata?: { conversationId?: string; model?: string; partial?: boolean; usage?: AnswerUsage };
}
