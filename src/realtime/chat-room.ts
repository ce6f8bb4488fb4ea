import { and, eq, sql } from 'drizzle-orm';
import { createDb } from '../db/client';
import { messages as archive, roomMembers, rooms } from '../db/schema';
import type { Env } from '../env';
import type { ClientFrame, MessageView } from './protocol';
import { type Identity, RoomBase } from './room-base';

/** `excluded.<column>`: the value an upsert tried to insert. */
const excluded = (column: string) => sql.raw(`excluded.${column}`);

/** Messages a (re)connecting client is sent at most; the rest it pages from the REST history. */
const WELCOME_HISTORY = 50;
const CATCH_UP_LIMIT = 500;
/** How many messages stay in the object once archived; older history is read from D1. */
const KEEP_RECENT = 1000;
const EDIT_WINDOW_MS = 15 * 60 * 1000;
const TYPING_TTL_MS = 5000;
const TYPING_THROTTLE_MS = 2000;
const ARCHIVE_DELAY_MS = 1000;
/** 9 values per archived row: 11 rows keep a statement under D1's 100 bound parameters. */
const ARCHIVE_ROWS_PER_STATEMENT = 11;

export interface RoomInfo {
  id: string;
  ownerId: string;
}

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  client_id: string;
  author_id: string;
  author_name: string;
  text: string;
  sent_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  version: number;
  archived_version: number;
}

function view(row: Row): MessageView {
  return {
    id: row.id,
    seq: row.seq,
    clientId: row.client_id,
    author: { id: row.author_id, name: row.author_name },
    text: row.text,
    sentAt: new Date(row.sent_at).toISOString(),
    editedAt: row.edited_at === null ? null : new Date(row.edited_at).toISOString(),
  };
}

export interface HistoryPage {
  items: (MessageView & { deleted: boolean })[];
  nextCursor: string | null;
}

/**
 * A chat room. Its SQLite storage holds the recent history and is the source
 * of truth: a message is acknowledged only after its row is written (the
 * runtime's output gate holds the ack until the write is durable), `seq`
 * rises by one per room, and (author, clientId) is unique, so a resend is
 * acknowledged again rather than stored twice. Every message is also copied
 * to D1 in batches; a failed copy is retried and nothing is marked archived
 * until D1 has it.
 */
export class ChatRoom extends RoomBase {
  private readonly lastTyping = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        edited_at INTEGER,
        deleted_at INTEGER,
        version INTEGER NOT NULL DEFAULT 1,
        archived_version INTEGER NOT NULL DEFAULT 0,
        UNIQUE (author_id, client_id)
      );
      CREATE INDEX IF NOT EXISTS messages_unarchived ON messages (archived_version, version);
    `);
  }

  /** Remembers which room this object is, as the worker read it at the latest admission. */
  protected override onAdmit(room: RoomInfo): void {
    this.sql.exec(
      "INSERT INTO room_meta (key, value) VALUES ('room', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(room),
    );
  }

  /** The worker changed the room (a new owner): later checks over the socket use it at once. */
  updateRoom(room: RoomInfo): void {
    this.onAdmit(room);
  }

  private room(): RoomInfo | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM room_meta WHERE key = 'room'").toArray()[0];
    return row ? (JSON.parse(row.value) as RoomInfo) : null;
  }

  private lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>('SELECT max(seq) AS seq FROM messages').one().seq ?? 0;
  }

  protected onConnect(ws: WebSocket, identity: Identity, since: number | null): void {
    let rows: Row[];
    let truncated = false;
    if (since !== null) {
      rows = this.sql
        .exec<Row>(
          'SELECT * FROM messages WHERE seq > ? AND deleted_at IS NULL ORDER BY seq LIMIT ?',
          since,
          CATCH_UP_LIMIT + 1,
        )
        .toArray();
      truncated = rows.length > CATCH_UP_LIMIT;
      rows = rows.slice(0, CATCH_UP_LIMIT);
    } else {
      rows = this.sql
        .exec<Row>('SELECT * FROM messages WHERE deleted_at IS NULL ORDER BY seq DESC LIMIT ?', WELCOME_HISTORY)
        .toArray()
        .reverse();
    }
    const connection = this.connectionOf(ws);
    this.send(ws, {
      type: 'welcome',
      you: { userId: identity.userId, name: identity.name, connectionId: connection?.connectionId ?? '' },
      members: this.members(),
      history: rows.map(view),
      truncated,
      seq: this.lastSeq(),
      now: new Date().toISOString(),
    });
    if (since !== null) this.replayChanges(ws, since);
  }

  /**
   * What changed, while a client was away, in messages it had already seen:
   * edits and deletions made after the last message it saw was sent. Some may
   * be ones it saw before it dropped; applying an edit or delete twice is
   * harmless.
   */
  private replayChanges(ws: WebSocket, since: number): void {
    const seen = this.sql.exec<{ sent_at: number }>('SELECT sent_at FROM messages WHERE seq = ?', since).toArray()[0];
    if (!seen) return;
    const changed = this.sql
      .exec<Row>(
        'SELECT * FROM messages WHERE seq <= ? AND (edited_at > ? OR deleted_at > ?) ORDER BY seq',
        since,
        seen.sent_at,
        seen.sent_at,
      )
      .toArray();
    for (const row of changed) {
      if (row.deleted_at !== null) this.send(ws, { type: 'deleted', id: row.id, seq: row.seq });
      else if (row.edited_at !== null) {
        this.send(ws, {
          type: 'edited',
          id: row.id,
          seq: row.seq,
          text: row.text,
          editedAt: new Date(row.edited_at).toISOString(),
        });
      }
    }
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
    }
  }

  private async post(ws: WebSocket, identity: Identity, clientId: string, text: string): Promise<void> {
    const existing = this.sql
      .exec<Row>('SELECT * FROM messages WHERE author_id = ? AND client_id = ?', identity.userId, clientId)
      .toArray()[0];
    if (existing) {
      this.send(ws, { type: 'ack', clientId, id: existing.id, seq: existing.seq });
      return;
    }
    const seq = this.lastSeq() + 1;
    const row = this.sql
      .exec<Row>(
        'INSERT INTO messages (seq, id, client_id, author_id, author_name, text, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
        seq,
        crypto.randomUUID(),
        clientId,
        identity.userId,
        identity.name,
        text,
        Date.now(),
      )
      .one();
    this.lastTyping.delete(identity.userId);
    this.send(ws, { type: 'ack', clientId, id: row.id, seq: row.seq });
    this.broadcast({ type: 'message', ...view(row) });
    await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
  }

  private async edit(ws: WebSocket, identity: Identity, messageId: string, text: string): Promise<void> {
    const row = this.sql.exec<Row>('SELECT * FROM messages WHERE id = ?', messageId).toArray()[0];
    if (!row || row.deleted_at !== null || row.author_id !== identity.userId) {
      this.send(ws, { type: 'error', code: 'forbidden', message: 'You can edit only your own messages.' });
      return;
    }
    if (Date.now() - row.sent_at > EDIT_WINDOW_MS) {
      this.send(ws, { type: 'error', code: 'forbidden', message: 'Messages can be edited for 15 minutes.' });
      return;
    }
    const editedAt = Date.now();
    this.sql.exec(
      'UPDATE messages SET text = ?, edited_at = ?, version = version + 1 WHERE id = ?',
      text,
      editedAt,
      messageId,
    );
    this.broadcast({ type: 'edited', id: row.id, seq: row.seq, text, editedAt: new Date(editedAt).toISOString() });
    await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
  }

  /**
   * The author, the room's owner or an admin may delete; everyone connected is
   * told. The text is erased, not just hidden.
   */
  deleteMessage(identity: Identity, messageId: string): 'deleted' | 'not_found' | 'forbidden' {
    const row = this.sql
      .exec<Row>('SELECT * FROM messages WHERE id = ? AND deleted_at IS NULL', messageId)
      .toArray()[0];
    if (!row) return 'not_found';
    const allowed = row.author_id === identity.userId || this.room()?.ownerId === identity.userId || identity.isAdmin;
    if (!allowed) return 'forbidden';
    this.sql.exec(
      "UPDATE messages SET text = '', deleted_at = ?, version = version + 1 WHERE id = ?",
      Date.now(),
      messageId,
    );
    this.broadcast({ type: 'deleted', id: row.id, seq: row.seq });
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
    const erased = this.sql
      .exec<{ id: string; seq: number }>(
        `UPDATE messages SET text = '', author_id = '', author_name = '', client_id = id,
           deleted_at = coalesce(deleted_at, ?), version = version + 1
         WHERE author_id = ? RETURNING id, seq`,
        Date.now(),
        userId,
      )
      .toArray();
    for (const { id, seq } of erased) this.broadcast({ type: 'deleted', id, seq });
    this.disconnectUser(userId, 'This account was deleted');
    if (erased.length > 0) await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
    return erased.length;
  }

  /**
   * History newest first, `before` a seq. Served from this object while it
   * holds the range, else from the D1 archive (older messages are pruned here
   * once archived).
   */
  async history(before: number | null, limit: number): Promise<HistoryPage> {
    const upper = before ?? Number.MAX_SAFE_INTEGER;
    const oldestHere = this.sql.exec<{ seq: number | null }>('SELECT min(seq) AS seq FROM messages').one().seq;
    let items: HistoryPage['items'];
    if (oldestHere !== null && (oldestHere === 1 || upper - 1 - limit >= oldestHere)) {
      items = this.sql
        .exec<Row>('SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?', upper, limit)
        .toArray()
        .map((row) => ({ ...view(row), deleted: row.deleted_at !== null }));
    } else {
      const room = this.room();
      if (!room) return { items: [], nextCursor: null };
      const { results } = await this.env.DB.prepare(
        'SELECT * FROM messages WHERE room_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3',
      )
        .bind(room.id, upper, limit)
        .all<Row>();
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
    const rows = this.sql
      .exec<Row>('SELECT * FROM messages WHERE archived_version < version ORDER BY seq LIMIT 220')
      .toArray();
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
    for (const row of rows) {
      // Only the version that was copied counts as archived; an edit made meanwhile is copied next time.
      this.sql.exec(
        'UPDATE messages SET archived_version = ? WHERE seq = ? AND version = ?',
        row.version,
        row.seq,
        row.version,
      );
    }
    this.sql.exec('DELETE FROM messages WHERE seq <= ? AND archived_version = version', this.lastSeq() - KEEP_RECENT);
    const more = this.sql
      .exec<{ n: number }>('SELECT count(*) AS n FROM messages WHERE archived_version < version')
      .one().n;
    if (more > 0) await this.schedule('archive', Date.now() + ARCHIVE_DELAY_MS);
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
