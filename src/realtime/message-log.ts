import type { MessageView } from './protocol';
import type { Authored, Identity } from './room-base';

/** Messages a (re)connecting client is sent at most; the rest it pages from the REST history. */
const WELCOME_HISTORY = 50;
const CATCH_UP_LIMIT = 500;
const EDIT_WINDOW_MS = 15 * 60 * 1000;

export interface LogRow extends Record<string, SqlStorageValue> {
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

export function view(row: LogRow): MessageView {
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

export interface Welcome {
  history: MessageView[];
  /** True when more was missed than `history` holds. */
  truncated: boolean;
  seq: number;
}

/** What a change to the log did: the frame to broadcast, or why it was refused (an `error` frame's code and message). */
export type LogChange = Authored | { refused: { code: string; message: string } };

/**
 * The message log every room shares (chat rooms and coworking sessions), in
 * the room object's own SQLite storage: `seq` rises by one per room, a message
 * is stored before it is acknowledged (the runtime's output gate holds the
 * ack until the write is durable), and (author, clientId) is unique, so a
 * resend is acknowledged again rather than stored twice. `version` counts
 * changes, so a room that copies the log elsewhere (the chat archive in D1)
 * can tell which rows changed since its last copy; a room that does not
 * (a coworking session, whose chat is ephemeral) simply never reads it.
 */
export class MessageLog {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
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

  lastSeq(): number {
    return this.sql.exec<{ seq: number | null }>('SELECT max(seq) AS seq FROM messages').one().seq ?? 0;
  }

  /** The history a welcome carries: what was missed after `since`, else the latest messages. */
  welcome(since: number | null): Welcome {
    let rows: LogRow[];
    let truncated = false;
    if (since !== null) {
      rows = this.sql
        .exec<LogRow>(
          'SELECT * FROM messages WHERE seq > ? AND deleted_at IS NULL ORDER BY seq LIMIT ?',
          since,
          CATCH_UP_LIMIT + 1,
        )
        .toArray();
      truncated = rows.length > CATCH_UP_LIMIT;
      rows = rows.slice(0, CATCH_UP_LIMIT);
    } else {
      rows = this.sql
        .exec<LogRow>('SELECT * FROM messages WHERE deleted_at IS NULL ORDER BY seq DESC LIMIT ?', WELCOME_HISTORY)
        .toArray()
        .reverse();
    }
    return { history: rows.map(view), truncated, seq: this.lastSeq() };
  }

  /**
   * What changed, while a client was away, in messages it had already seen:
   * edits and deletions made after the last message it saw was sent. Some may
   * be ones it saw before it dropped; applying an edit or delete twice is
   * harmless. Each names its message's author, so the room leaves out the
   * changes of anyone hidden from the client (see RoomBase.replay).
   */
  changesSince(since: number): Authored[] {
    const seen = this.sql.exec<{ sent_at: number }>('SELECT sent_at FROM messages WHERE seq = ?', since).toArray()[0];
    if (!seen) return [];
    const changed = this.sql
      .exec<LogRow>(
        'SELECT * FROM messages WHERE seq <= ? AND (edited_at > ? OR deleted_at > ?) ORDER BY seq',
        since,
        seen.sent_at,
        seen.sent_at,
      )
      .toArray();
    const changes: Authored[] = [];
    for (const row of changed) {
      // An erased account's tombstones lead back to nobody.
      const authorId = row.author_id === '' ? null : row.author_id;
      if (row.deleted_at !== null) changes.push({ frame: { type: 'deleted', id: row.id, seq: row.seq }, authorId });
      else if (row.edited_at !== null) {
        const editedAt = new Date(row.edited_at).toISOString();
        changes.push({ frame: { type: 'edited', id: row.id, seq: row.seq, text: row.text, editedAt }, authorId });
      }
    }
    return changes;
  }

  /** Stores a message (or finds the one this client already sent under `clientId`). */
  append(identity: Identity, clientId: string, text: string): { message: MessageView; duplicate: boolean } {
    const existing = this.sql
      .exec<LogRow>('SELECT * FROM messages WHERE author_id = ? AND client_id = ?', identity.userId, clientId)
      .toArray()[0];
    if (existing) return { message: view(existing), duplicate: true };
    const row = this.sql
      .exec<LogRow>(
        'INSERT INTO messages (seq, id, client_id, author_id, author_name, text, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
        this.lastSeq() + 1,
        crypto.randomUUID(),
        clientId,
        identity.userId,
        identity.name,
        text,
        Date.now(),
      )
      .one();
    return { message: view(row), duplicate: false };
  }

  /** Authors edit their own messages, for 15 minutes. */
  edit(identity: Identity, messageId: string, text: string): LogChange {
    const row = this.sql.exec<LogRow>('SELECT * FROM messages WHERE id = ?', messageId).toArray()[0];
    if (!row || row.deleted_at !== null || row.author_id !== identity.userId) {
      return { refused: { code: 'forbidden', message: 'You can edit only your own messages.' } };
    }
    if (Date.now() - row.sent_at > EDIT_WINDOW_MS) {
      return { refused: { code: 'forbidden', message: 'Messages can be edited for 15 minutes.' } };
    }
    const editedAt = Date.now();
    this.sql.exec(
      'UPDATE messages SET text = ?, edited_at = ?, version = version + 1 WHERE id = ?',
      text,
      editedAt,
      messageId,
    );
    return {
      frame: { type: 'edited', id: row.id, seq: row.seq, text, editedAt: new Date(editedAt).toISOString() },
      authorId: row.author_id,
    };
  }

  /** The author may delete, and whoever `moderates` says. The text is erased, not just hidden. */
  remove(
    identity: Identity,
    messageId: string,
    moderates: (identity: Identity) => boolean,
  ): Authored | 'not_found' | 'forbidden' {
    const row = this.sql
      .exec<LogRow>('SELECT * FROM messages WHERE id = ? AND deleted_at IS NULL', messageId)
      .toArray()[0];
    if (!row) return 'not_found';
    if (row.author_id !== identity.userId && !moderates(identity)) return 'forbidden';
    this.sql.exec(
      "UPDATE messages SET text = '', deleted_at = ?, version = version + 1 WHERE id = ?",
      Date.now(),
      messageId,
    );
    return { frame: { type: 'deleted', id: row.id, seq: row.seq }, authorId: row.author_id };
  }

  /**
   * An account was deleted: its messages are erased like any deleted message,
   * and the tombstones keep nothing that leads back to it (no text, author id
   * or name; the client id becomes the message id, which is unique).
   */
  eraseAuthor(userId: string): Authored[] {
    return this.sql
      .exec<{ id: string; seq: number }>(
        `UPDATE messages SET text = '', author_id = '', author_name = '', client_id = id,
           deleted_at = coalesce(deleted_at, ?), version = version + 1
         WHERE author_id = ? RETURNING id, seq`,
        Date.now(),
        userId,
      )
      .toArray()
      .map(({ id, seq }) => ({ frame: { type: 'deleted', id, seq }, authorId: userId }));
  }

  /** One message by id, for a report to copy; null when it is not here or was deleted (its text is gone). */
  find(messageId: string): { authorId: string; text: string } | null {
    const row = this.sql
      .exec<LogRow>('SELECT * FROM messages WHERE id = ? AND deleted_at IS NULL', messageId)
      .toArray()[0];
    return row ? { authorId: row.author_id, text: row.text } : null;
  }

  /** Newest first below `before`, when this log still holds that whole range; null when older rows were pruned. */
  page(before: number | null, limit: number): (MessageView & { deleted: boolean })[] | null {
    const upper = before ?? Number.MAX_SAFE_INTEGER;
    const oldestHere = this.sql.exec<{ seq: number | null }>('SELECT min(seq) AS seq FROM messages').one().seq;
    if (oldestHere === null || (oldestHere !== 1 && upper - 1 - limit < oldestHere)) return null;
    return this.sql
      .exec<LogRow>('SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?', upper, limit)
      .toArray()
      .map((row) => ({ ...view(row), deleted: row.deleted_at !== null }));
  }

  /** Rows changed since they were last copied out, oldest first. */
  unarchived(limit: number): LogRow[] {
    return this.sql
      .exec<LogRow>('SELECT * FROM messages WHERE archived_version < version ORDER BY seq LIMIT ?', limit)
      .toArray();
  }

  hasUnarchived(): boolean {
    return (
      this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM messages WHERE archived_version < version').one().n > 0
    );
  }

  /** Marks the copied versions archived (an edit made meanwhile stays due), and drops archived rows beyond `keep`. */
  markArchived(rows: LogRow[], keep: number): void {
    for (const row of rows) {
      this.sql.exec(
        'UPDATE messages SET archived_version = ? WHERE seq = ? AND version = ?',
        row.version,
        row.seq,
        row.version,
      );
    }
    this.sql.exec('DELETE FROM messages WHERE seq <= ? AND archived_version = version', this.lastSeq() - keep);
  }

  /** Forgets every message: a coworking session's chat when the session ends. */
  clear(): void {
    this.sql.exec('DELETE FROM messages');
  }

  count(): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM messages').one().n;
  }
}
