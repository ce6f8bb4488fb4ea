import { and, eq, sql } from 'drizzle-orm';
import { createDb } from '../db/client';
import { messages as archive, roomMembers, rooms } from '../db/schema';
import type { Env } from '../env';
import { ActivityMemory } from '../features/metrics/activity';
import { type LogRow, MessageLog, view } from './message-log';
import type { ClientFrame, MembersFrame, MessageView } from './protocol';
import { type Identity, RoomBase } from './room-base';

/** `excluded.<column>`: the value an upsert tried to insert. */
const excluded = (column: string) => sql.raw(`excluded.${column}`);

/** How many messages stay in the object once archived; older history is read from D1. */
const KEEP_RECENT = 1000;
const TYPING_TTL_MS = 5000;
const TYPING_THROTTLE_MS = 2000;
const ARCHIVE_DELAY_MS = 1000;
/** 9 values per archived row: 11 rows keep a statement under D1's 100 bound parameters. */
const ARCHIVE_ROWS_PER_STATEMENT = 11;

export interface RoomInfo {
  id: string;
  ownerId: string;
}

export interface HistoryPage {
  items: (MessageView & { deleted: boolean })[];
  nextCursor: string | null;
}

/**
 * A chat room. Its message log (shared with coworking sessions, see
 * message-log.ts) in the object's SQLite storage is the source of truth for
 * recent history. Every message is also copied to D1 in batches; a failed
 * copy is retried and nothing is marked archived until D1 has it.
 */
export class ChatRoom extends RoomBase {
  protected readonly kind = 'chat' as const;
  private readonly lastTyping = new Map<string, number>();
  /** Who this object has already marked active today: one D1 write per sender and day, not per message. */
  private readonly activity = new ActivityMemory();

  private readonly log: MessageLog;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.log = new MessageLog(this.sql);
  }

  /** Remembers which room this object is, as the worker read it at the latest admission. */
  protected override onAdmit(room: RoomInfo): void {
    this.sql.exec(
      "INSERT INTO room_meta (key, value) VALUES ('room', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(room),
    );
  }

  /**
   * The worker changed the room (a new owner, handed over by `previousOwnerId`):
   * later checks over the socket use it at once, and open member lists hear of it.
   */
  updateRoom(room: RoomInfo, previousOwnerId?: string): void {
    this.onAdmit(room);
    if (previousOwnerId !== undefined && previousOwnerId !== room.ownerId) {
      this.membersChanged({ type: 'members', change: 'owner', ownerId: room.ownerId, previousOwnerId });
    }
  }

  /** Someone was added to the room or left it: everyone connected hears it (a member list is everyone's). */
  membersChanged(frame: MembersFrame): void {
    this.broadcast(frame);
  }

  private room(): RoomInfo | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'room'").toArray()[0];
    return row ? (JSON.parse(row.value) as RoomInfo) : null;
  }

  protected onConnect(ws: WebSocket, identity: Identity, since: number | null): void {
    const connection = this.connectionOf(ws);
    const welcome = this.log.welcome(since);
    this.send(ws, {
      type: 'welcome',
      you: { userId: identity.userId, name: identity.name, connectionId: connection?.connectionId ?? '' },
      members: this.members(),
      ...welcome,
      history: this.visibleHistory(identity.userId, welcome.history),
      now: new Date().toISOString(),
    });
    if (since !== null) this.replay(ws, identity.userId, this.log.changesSince(since));
  }

  protected async onFrame(ws: WebSocket, identity: Identity, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'send':
        return this.post(ws, identity, frame.clientId, frame.text);
      case 'edit':
        return this.edit(ws, identity, frame.messageId, frame.text);
      case 'delete': {
        const result = this.deleteMessage(identity, frame.messageId);
        if (result !== 'deleted')
          this.send(ws, { type: 'error', code: result, message: 'You cannot delete that message.' });
        return;
      }
      case 'typing': {
        const now = Date.now();
        if (now - (this.lastTyping.get(identity.userId) ?? 0) < TYPING_THROTTLE_MS) return;
        this.lastTyping.set(identity.userId, now);
        this.broadcast(
          {
            type: 'typing',
            userId: identity.userId,
            name: identity.name,
            expiresAt: new Date(now + TYPING_TTL_MS).toISOString(),
          },
          ws,
        );
        return;
      }
      case 'stop-typing':
        this.lastTyping.delete(identity.userId);
        this.broadcast({ type: 'stop-typing', userId: identity.userId }, ws);
        return;
      case 'leave':
        this.closeSocket(ws, 1000, 'Left the room');
        return;
      case 'react':
        this.broadcast({ type: 'reaction', userId: identity.userId, emoji: frame.emoji });
        return;
      case 'control':
        this.send(ws, { type: 'error', code: 'bad_request', message: 'A chat room has no timer.' });
        return;
    }
  }

  private async post(ws: WebSocket, identity: Identity, clientId: string, text: string): Promise<void> {
    const { message, duplicate } = this.log.append(identity, clientId, text);
    this.send(ws, { type: 'ack', clientId, id: message.id, seq: message.seq });
    if (duplicate) return;
    this.lastTyping.delete(identity.userId);
    this.broadcast({ type: 'message', ...message });
    await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
    await this.activity.record(createDb(this.env.DB), identity.userId, 'message');
  }

  private async edit(ws: WebSocket, identity: Identity, messageId: string, text: string): Promise<void> {
    const change = this.log.edit(identity, messageId, text);
    if ('refused' in change) {
      this.send(ws, { type: 'error', ...change.refused });
      return;
    }
    this.broadcastChange(change);
    await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
  }

  /**
   * The author, the room's owner or an admin may delete; everyone connected is
   * told. The text is erased, not just hidden.
   */
  deleteMessage(identity: Identity, messageId: string): 'deleted' | 'not_found' | 'forbidden' {
    const ownerId = this.room()?.ownerId;
    const result = this.log.remove(identity, messageId, (who) => who.userId === ownerId || who.isAdmin);
    if (typeof result === 'string') return result;
    this.broadcastChange(result);
    void this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
    return 'deleted';
  }

  /**
   * An account was deleted: its messages here are erased like any deleted
   * message, and the tombstones keep nothing that leads back to it (no text,
   * author id or name; the client id becomes the message id, which is unique).
   * Everyone connected is told, its sockets close, and the archive follows.
   */
  async eraseAuthor(userId: string): Promise<number> {
    const erased = this.log.eraseAuthor(userId);
    for (const change of erased) this.broadcastChange(change);
    this.disconnectUser(userId, 'This account was deleted');
    if (erased.length > 0) await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
    return erased.length;
  }

  /** A message as a report copies it (author and text); null when it is not here or was deleted. */
  reportedMessage(messageId: string): { authorId: string; text: string } | null {
    return this.log.find(messageId);
  }

  /**
   * History newest first, `before` a seq. Served from this object while it
   * holds the range, else from the D1 archive (older messages are pruned here
   * once archived).
   */
  async history(before: number | null, limit: number): Promise<HistoryPage> {
    let items = this.log.page(before, limit);
    if (items === null) {
      const room = this.room();
      if (!room) return { items: [], nextCursor: null };
      const { results } = await this.env.DB.prepare(
        'SELECT * FROM messages WHERE room_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3',
      )
        .bind(room.id, before ?? Number.MAX_SAFE_INTEGER, limit)
        .all<LogRow>();
      items = results.map((row) => ({ ...view({ ...row, client_id: '' }), deleted: row.deleted_at !== null }));
    }
    const last = items.at(-1);
    return { items, nextCursor: items.length === limit && last && last.seq > 1 ? String(last.seq) : null };
  }

  protected override async onTask(name: string): Promise<void> {
    if (name === 'archive') await this.archive();
  }

  /** Copies new and changed messages to D1; marks them archived only once D1 has them. */
  private async archive(): Promise<void> {
    const room = this.room();
    if (!room) return;
    const rows = this.log.unarchived(220);
    if (rows.length === 0) return;
    const db = createDb(this.env.DB);
    const statements = [];
    for (let i = 0; i < rows.length; i += ARCHIVE_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ARCHIVE_ROWS_PER_STATEMENT);
      statements.push(
        db
          .insert(archive)
          .values(
            chunk.map((row) => ({
              roomId: room.id,
              seq: row.seq,
              id: row.id,
              authorId: row.author_id,
              authorName: row.author_name,
              text: row.text,
              sentAt: new Date(row.sent_at),
              editedAt: row.edited_at === null ? null : new Date(row.edited_at),
              deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
            })),
          )
          .onConflictDoUpdate({
            target: [archive.roomId, archive.seq],
            set: {
              // Author fields change only when an account is erased; they must follow then too.
              authorId: excluded('author_id'),
              authorName: excluded('author_name'),
              text: excluded('text'),
              editedAt: excluded('edited_at'),
              deletedAt: excluded('deleted_at'),
            },
          }),
      );
    }
    try {
      await db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', msg: 'archive failed', room: room.id, error: String(error) }));
      await this.schedule('archive', Date.now() + 30_000);
      return;
    }
    // Only the version that was copied counts as archived; an edit made meanwhile is copied next time.
    this.log.markArchived(rows, KEEP_RECENT);
    if (this.log.hasUnarchived()) await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
  }

  protected async stillAllowed(identity: Identity): Promise<boolean> {
    const room = this.room();
    if (!room) return false;
    const db = createDb(this.env.DB);
    const [member] = await db
      .select({ userId: roomMembers.userId })
      .from(roomMembers)
      .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
      .where(and(eq(roomMembers.roomId, room.id), eq(roomMembers.userId, identity.userId)))
      .limit(1);
    return member !== undefined;
  }
}
