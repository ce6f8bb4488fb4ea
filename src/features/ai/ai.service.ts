import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { aiConversations, aiMessages, aiSettings, aiUsage } from '../../db/schema';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { keyset, type Page, type PageQuery, toPage } from '../../lib/pagination';
import { utcDay } from '../metrics/activity';
import type { AiConfig } from './ai.config';

type ConversationRow = typeof aiConversations.$inferSelect;
type MessageRow = typeof aiMessages.$inferSelect;

export function toPublicConversation(row: ConversationRow) {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toPublicMessage(row: MessageRow) {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    partial: row.partial,
    error: row.error,
    model: row.model,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The user's conversation, or 404 (another user's is not found either). */
export async function findConversation(db: Database, userId: string, id: string): Promise<ConversationRow> {
  const [row] = await db
    .select()
    .from(aiConversations)
    .where(and(eq(aiConversations.id, id), eq(aiConversations.userId, userId)));
  if (!row) throw new AppError('not_found', 'No such conversation.');
  return row;
}

export async function listConversations(db: Database, userId: string, page: PageQuery) {
  const keys = keyset(aiConversations.id, page);
  const rows = await db
    .select()
    .from(aiConversations)
    .where(and(eq(aiConversations.userId, userId), keys.where))
    .orderBy(keys.orderBy)
    .limit(keys.limit);
  const result: Page<ConversationRow> = toPage(rows, page, (row) => row.id);
  return { items: result.items.map(toPublicConversation), nextCursor: result.nextCursor };
}

export async function messagesOf(db: Database, conversationId: string): Promise<MessageRow[]> {
  return db
    .select()
    .from(aiMessages)
    .where(eq(aiMessages.conversationId, conversationId))
    .orderBy(asc(aiMessages.position), asc(aiMessages.id));
}

export async function readConversation(db: Database, userId: string, id: string) {
  const conversation = await findConversation(db, userId, id);
  return { ...toPublicConversation(conversation), messages: (await messagesOf(db, id)).map(toPublicMessage) };
}

export async function renameConversation(db: Database, userId: string, id: string, title: string) {
  const [row] = await db
    .update(aiConversations)
    .set({ title, updatedAt: now() })
    .where(and(eq(aiConversations.id, id), eq(aiConversations.userId, userId)))
    .returning();
  if (!row) throw new AppError('not_found', 'No such conversation.');
  return toPublicConversation(row);
}

export async function deleteConversation(db: Database, userId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(aiConversations)
    .where(and(eq(aiConversations.id, id), eq(aiConversations.userId, userId)))
    .returning({ id: aiConversations.id });
  if (deleted.length === 0) throw new AppError('not_found', 'No such conversation.');
}

/** A new conversation holding the messages the client sent, in one atomic batch. */
export async function startConversation(
  db: Database,
  userId: string,
  model: string,
  messages: { role: 'user' | 'assistant'; content: string }[],
): Promise<ConversationRow> {
  const at = now();
  const first = messages.find((m) => m.role === 'user')?.content ?? 'Conversation';
  const title = first.replace(/\s+/g, ' ').trim().slice(0, 80) || 'Conversation';
  const conversation: ConversationRow = {
    id: newId(),
    userId,
    title,
    model,
    inputTokens: 0,
    outputTokens: 0,
    createdAt: at,
    updatedAt: at,
  };
  await db.batch([
    db.insert(aiConversations).values(conversation),
    ...messages.map((message, position) =>
      db
        .insert(aiMessages)
        .values({ id: newId(), conversationId: conversation.id, position, ...message, createdAt: at }),
    ),
  ]);
  return conversation;
}

export async function appendUserMessage(
  db: Database,
  conversationId: string,
  position: number,
  content: string,
): Promise<void> {
  await db
    .insert(aiMessages)
    .values({ id: newId(), conversationId, position, role: 'user', content, createdAt: now() });
}

export interface Answer {
  content: string;
  partial: boolean;
  error: string | null;
  model: string;
  inputTokens: number;
  outputTokens: number;
  usageEstimated: boolean;
}

/** Stores the answer (whole or partial) and adds its tokens to the conversation. */
export async function saveAnswer(
  db: Database,
  conversationId: string,
  position: number,
  answer: Answer,
): Promise<string> {
  const id = newId();
  const at = now();
  await db.batch([
    db.insert(aiMessages).values({ id, conversationId, position, role: 'assistant', ...answer, createdAt: at }),
    db
      .update(aiConversations)
      .set({
        model: answer.model,
        updatedAt: at,
        inputTokens: sql`${aiConversations.inputTokens} + ${answer.inputTokens}`,
        outputTokens: sql`${aiConversations.outputTokens} + ${answer.outputTokens}`,
      })
      .where(eq(aiConversations.id, conversationId)),
  ]);
  return id;
}

/** Tokens as the providers roughly count them, for when a stream broke before its usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export async function dailyTokenBudget(db: Database, fallback: number): Promise<number> {
  const [row] = await db
    .select({ budget: aiSettings.dailyTokenBudget })
    .from(aiSettings)
    .where(eq(aiSettings.id, 'global'));
  return row?.budget ?? fallback;
}

export async function setDailyTokenBudget(db: Database, actorId: string, budget: number): Promise<void> {
  await db
    .insert(aiSettings)
    .values({ id: 'global', dailyTokenBudget: budget, updatedAt: now(), updatedBy: actorId })
    .onConflictDoUpdate({
      target: aiSettings.id,
      set: { dailyTokenBudget: budget, updatedAt: now(), updatedBy: actorId },
    });
}

/** Adds an answer's cost to the user's day, for admin metrics (the limits are the Limiter's, ai.limits.ts). */
export async function recordUsage(db: Database, userId: string, day: string, tokens: number): Promise<void> {
  await db
    .insert(aiUsage)
    .values({ userId, day, tokens, requests: 1 })
    .onConflictDoUpdate({
      target: [aiUsage.userId, aiUsage.day],
      set: { tokens: sql`${aiUsage.tokens} + ${tokens}`, requests: sql`${aiUsage.requests} + 1` },
    });
}

/** The admin view of the assistant's limits, with today's use by everyone. */
export async function aiSettingsOf(db: Database, config: AiConfig) {
  const today = utcDay(now());
  const [budget, usage] = await Promise.all([dailyTokenBudget(db, config.dailyTokens), usageBetween(db, today, today)]);
  return {
    dailyTokenBudget: budget,
    requestsPerMinute: config.requestsPerMinute,
    tokensToday: usage.tokens,
    requestsToday: usage.requests,
  };
}

/** Answers and tokens from `from` to `to` (UTC days, inclusive), and how many people asked. */
export async function usageBetween(db: Database, from: string, to: string) {
  const [row] = await db
    .select({
      tokens: sql<number>`coalesce(sum(${aiUsage.tokens}), 0)`,
      requests: sql<number>`coalesce(sum(${aiUsage.requests}), 0)`,
      users: sql<number>`count(distinct ${aiUsage.userId})`,
    })
    .from(aiUsage)
    .where(and(gte(aiUsage.day, from), lte(aiUsage.day, to)));
  return { tokens: Number(row?.tokens ?? 0), requests: Number(row?.requests ?? 0), users: Number(row?.users ?? 0) };
}

/** The assistant's part of the account export: every conversation with its messages. */
export async function aiExportOf(db: Database, userId: string) {
  const conversations = await db
    .select()
    .from(aiConversations)
    .where(eq(aiConversations.userId, userId))
    .orderBy(asc(aiConversations.id));
  const detail = [];
  for (const conversation of conversations) {
    detail.push({
      ...toPublicConversation(conversation),
      messages: (await messagesOf(db, conversation.id)).map(toPublicMessage),
    });
  }
  return { aiConversations: detail };
}
