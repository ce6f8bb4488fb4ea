import { z } from '@hono/zod-openapi';

// The shapes the rooms routes answer with. The web app's types are inferred
// from these (type-only imports), so this module stays free of Workers types.

export const RoomSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    visibility: z.enum(['public', 'private']),
    ownerId: z.string(),
    role: z.enum(['owner', 'member']).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Room');

export const MessageSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    clientId: z.string(),
    author: z.object({ id: z.string(), name: z.string() }),
    text: z.string(),
    sentAt: z.string(),
    editedAt: z.string().nullable(),
    deleted: z.boolean(),
  })
  .openapi('Message');

export const RoomMemberSchema = z
  .object({
    userId: z.string(),
    name: z.string(),
    role: z.enum(['owner', 'member']),
    joinedAt: z.string(),
  })
  .openapi('RoomMember');

export const RoomInviteSchema = z
  .object({
    url: z.string().openapi({ description: 'The link to share: it opens the room for whoever is signed in.' }),
    token: z.string(),
    expiresAt: z.string(),
  })
  .openapi('RoomInvite');

export const EmailInviteSchema = z.object({ invited: z.string(), expiresAt: z.string() }).openapi('RoomEmailInvite', {
  description: 'An invite link was emailed. The answer is the same whether or not the address has an account.',
});

export const RoomTicketSchema = z.object({ ticket: z.string(), url: z.string() }).openapi('Ticket');

export type Room = z.output<typeof RoomSchema>;
export type RoomMember = z.output<typeof RoomMemberSchema>;
export type RoomInvite = z.output<typeof RoomInviteSchema>;
export type RoomEmailInvite = z.output<typeof EmailInviteSchema>;
export type RoomTicket = z.output<typeof RoomTicketSchema>;
