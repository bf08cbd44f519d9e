/**
 * What members write to a room's timeline (DESIGN.md, "Delivery path"; issue 11): messages, edits,
 * deletions and reactions. One pipeline for every transport and for batches:
 * rate limit → size limit → content policy (plaintext rooms: word filter; e2ee rooms untouched,
 * `content-policy.ts`) → append with dedupe by clientId and the room's next seq → ack → publish once,
 * encoded once. Who may write is decided from durable state where the event is appended: the store
 * checks membership, role and mute inside the appending transaction (persistent rooms); relay
 * rooms are checked by the caller (Chat) before.
 * The ack is returned only after the store committed (rule 1) or the relay buffer took the event.
 * A duplicate returns the first ack and publishes nothing.
 */
import { randomUUID } from 'node:crypto';
import { ParleyError, type Ack, type TimelineEvent } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { RoomRecord } from './ports/store.ts';
import type { Peer } from './ports/peer.ts';
import type { Metrics } from './ports/metrics.ts';
import type { ContentPolicy } from './content-policy.ts';
import type { RateLimits } from './rate-limits.ts';
import type { AuditLog } from './audit.ts';
import type { Timelines, Written } from './timeline/timelines.ts';
import { requireOutranks, roomNotFound } from './permissions.ts';

/** The window of the per-room message limit, in ms: limits are per minute. */
const MESSAGE_WINDOW_MS = 60_000;

/** Options of {@link Messages}, in the units their names carry. */
export interface MessagesOptions {
  readonly timelines: Timelines;
  readonly rateLimits: RateLimits;
  readonly contentPolicy: ContentPolicy;
  readonly audit: AuditLog;
  /** Largest body in UTF-8 bytes (PARLEY_MESSAGE_MAX_BYTES). */
  readonly messageMaxBytes: number;
  /** Writes one user may make per minute in a room whose policy sets none (PARLEY_MESSAGES_PER_MINUTE). */
  readonly messagesPerMinute: number;
  readonly metrics: Metrics;
  /** Clock in Unix ms. */
  readonly now: () => number;
}

/** A message to send: `clientId` is the idempotency key (per sender and room); `replyTo` the seq it answers. */
export interface SendInput {
  readonly clientId: string;
  readonly body: string;
  readonly replyTo?: number | undefined;
}

/** How a moderator's deletion is checked: the actor's role in the room (undefined for an admin without membership). */
export interface ModeratorCheck {
  readonly actorRole: 'owner' | 'moderator' | 'member' | 'guest' | undefined;
  /** The role of the message's author now, or undefined when they are no longer a member. */
  readonly authorRole: (senderId: string) => Promise<'owner' | 'moderator' | 'member' | 'guest' | undefined>;
}

export class Messages {
  readonly #o: MessagesOptions;

  constructor(options: MessagesOptions) {
    this.#o = options;
  }

  /**
   * Send a message to `room` as `principal` (the sender is always the principal, never a client
   * field). `sender`, the sending connection's peer if any, coalesces what it is sent between the
   * publish and the ack (its copy of the message, then the ack) into one write.
   * Throws RATE_LIMITED (`details.retryAfterMs`), MESSAGE_TOO_LARGE, MESSAGE_REFUSED (word filter;
   * recorded in the audit log first), ROOM_NOT_FOUND (also: not a member), FORBIDDEN (a guest),
   * MEMBER_MUTED (recorded), ROOM_CLOSED, NOT_FOUND (`replyTo`), STORE_UNAVAILABLE or (relay rooms)
   * BROKER_UNAVAILABLE: nothing was stored, retry with the same clientId. Once stored, the message
   * is acked even if its publish fails: every node finds it by its position check (DESIGN.md rule 3).
   */
  async send(principal: Principal, room: RoomRecord, input: SendInput, sender?: Peer): Promise<Ack> {
    await this.#limit(principal, room);
    const body = await this.#body(principal, room, input.clientId, input.body);
    const message = {
      id: randomUUID(),
      roomId: room.id,
      senderId: principal.userId,
      senderName: principal.name,
      clientId: input.clientId,
      type: 'message' as const,
      body,
      ...(input.replyTo === undefined ? {} : { replyTo: input.replyTo }),
      createdAt: this.#o.now(),
    };
    const result = await this.#refusing(principal, room, input.clientId, () => this.#o.timelines.appendMessage(room, message));
    sender?.coalesce();
    this.#o.metrics.acked(room.kind, result.duplicate);
    return toAck(result.event, result.duplicate);
  }

  /**
   * Replace the body of the principal's own message `target` within the edit window. Throws what
   * {@link send} throws, and NOT_FOUND (no such message, or deleted), FORBIDDEN (not the author),
   * EDIT_WINDOW_CLOSED.
   */
  async edit(principal: Principal, room: RoomRecord, clientId: string, target: number, text: string): Promise<Ack> {
    await this.#limit(principal, room);
    const body = await this.#body(principal, room, clientId, text);
    return this.#commit(principal, room, clientId, { type: 'message_edited', target, body }, 'member');
  }

  /**
   * Delete message `target`: the principal's own, or — with `moderator` given — one whose author's
   * role is lower than the actor's (admins: anyone's). Leaves a tombstone. Throws ROOM_NOT_FOUND,
   * NOT_FOUND (no such message, or already deleted), FORBIDDEN, ROOM_CLOSED.
   */
  async delete(principal: Principal, room: RoomRecord, clientId: string, target: number, moderator?: ModeratorCheck): Promise<Ack> {
    if (moderator === undefined) return this.#commit(principal, room, clientId, { type: 'message_deleted', target }, 'member');
    const message = await this.#message(room, target);
    if (message.senderId === principal.userId) return this.#commit(principal, room, clientId, { type: 'message_deleted', target }, 'member');
    const authorRole = await moderator.authorRole(message.senderId);
    if (authorRole !== undefined) requireOutranks(principal, moderator.actorRole, authorRole);
    // A deleted target goes on to the timeline too: a retry (same clientId) answers the first ack there, anything else NOT_FOUND.
    const ack = await this.#commit(principal, room, clientId, { type: 'message_deleted', target }, 'checked');
    if (!ack.duplicate) await this.#o.audit.record({ roomId: room.id, actor: principal, action: 'message_deleted', targetId: message.senderId, details: { seq: target } });
    return ack;
  }

  /**
   * Add (`active`) or take back the principal's reaction `key` on message `target`. Adding one
   * already given answers `duplicate: true` with the seq that gave it. Throws what {@link send}
   * throws (but MESSAGE_TOO_LARGE), and NOT_FOUND (no such message, deleted, or no such reaction to take back).
   */
  async react(principal: Principal, room: RoomRecord, clientId: string, target: number, key: string, active: boolean): Promise<Ack> {
    await this.#limit(principal, room);
    return this.#commit(principal, room, clientId, { type: active ? 'reaction_added' : 'reaction_removed', target, key }, 'member');
  }

  /**
   * Post a system notice as `principal`, whose authority (the room's owner, an admin) the caller
   * checked: size-limited, stored as given, idempotent by `clientId`. Throws MESSAGE_TOO_LARGE,
   * ROOM_CLOSED, ROOM_NOT_FOUND.
   */
  async notice(principal: Principal, room: RoomRecord, clientId: string, body: string): Promise<Ack> {
    this.#sized(body);
    return this.#commit(principal, room, clientId, { type: 'system', body }, 'checked');
  }

  /** Message `seq` of the room as it stands now (deleted or not). Throws NOT_FOUND. */
  async #message(room: RoomRecord, seq: number) {
    const read = await this.#o.timelines.sourceFor(room).since(room.id, seq - 1, 1);
    const found = read.events[0];
    if (found === undefined || found.seq !== seq || found.type !== 'message') throw new ParleyError('NOT_FOUND', `Room ${room.id} has no message ${seq}`);
    return found;
  }

  async #commit(principal: Principal, room: RoomRecord, clientId: string, change: Parameters<Timelines['commit']>[2], authority: 'member' | 'checked'): Promise<Ack> {
    const actor = { userId: principal.userId, name: principal.name };
    const result: Written = await this.#refusing(principal, room, clientId, () => this.#o.timelines.commit(room, actor, change, { authority, clientId }));
    if (result.event === undefined) throw new ParleyError('INTERNAL', `A ${change.type} committed no event`);
    return toAck(result.event, result.duplicate);
  }

  /** Throw MESSAGE_TOO_LARGE when `body` is over `messageMaxBytes` UTF-8 bytes. */
  #sized(body: string): void {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.#o.messageMaxBytes) {
      throw new ParleyError('MESSAGE_TOO_LARGE', `Message is ${bytes} bytes; the limit is ${this.#o.messageMaxBytes}`, { details: { bytes, maxBytes: this.#o.messageMaxBytes } });
    }
  }

  /** The per-room write rate, shared by every node. Throws RATE_LIMITED. */
  /** Messages one member may send per minute in `room`: its policy's `messagesPerMinute`, else PARLEY_MESSAGES_PER_MINUTE. */
  perMinute(room: RoomRecord): number {
    return room.messagesPerMinute ?? this.#o.messagesPerMinute;
  }

  async #limit(principal: Principal, room: RoomRecord): Promise<void> {
    const rule = { name: 'messages', counts: 'messages', limit: this.perMinute(room), windowMs: MESSAGE_WINDOW_MS };
    await this.#o.rateLimits.take(rule, `${room.id}:${principal.userId}`);
  }

  /** The body to store: size-checked as sent, then through the content policy (refusals recorded). */
  async #body(principal: Principal, room: RoomRecord, clientId: string, body: string): Promise<string> {
    this.#sized(body);
    try {
      return this.#o.contentPolicy.clean(room, body);
    } catch (err) {
      await this.#o.contentPolicy.recordRefusal(principal, room, clientId, err);
      throw err;
    }
  }

  /**
   * Run a write, turning the store's refusals into the core's answers: NOT_MEMBER (the principal is
   * not a member) becomes ROOM_NOT_FOUND, and a MEMBER_MUTED refusal is recorded in the audit log
   * (never the body) before it is thrown.
   */
  async #refusing<T>(principal: Principal, room: RoomRecord, clientId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof ParleyError && err.code === 'NOT_MEMBER') throw roomNotFound(room.id);
      if (err instanceof ParleyError && err.code === 'MEMBER_MUTED') {
        await this.#o.audit.record({ roomId: room.id, actor: principal, action: 'message_refused', details: { reason: 'muted', clientId, mutedUntil: err.details?.mutedUntil } });
      }
      throw err;
    }
  }
}

/** The ack of a written event. */
function toAck(event: TimelineEvent, duplicate: boolean): Ack {
  return { roomId: event.roomId, clientId: event.clientId, id: event.id, seq: event.seq, createdAt: event.createdAt, duplicate };
}
