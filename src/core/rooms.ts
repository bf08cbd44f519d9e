/**
 * Room lifecycle and policy (persistent | relay, e2ee, maxMembers, join rule): create, read, list,
 * close, join-code hash rotation, and the mapping to the wire `RoomInfo`. Keeps a node-local cache
 * of room records for the send path, kept current by the room's timeline events (`room_updated`,
 * `room_closed`, delivered in order and gap-repaired); the Store stays the truth (a persistent send
 * re-checks `closedAt` inside its transaction).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ParleyError, type RoomInfo, type RoomPolicy, type TimelineEvent } from '../protocol/index.ts';
import type { Store, RoomRecord } from './ports/store.ts';
import type { RelayLog } from './ports/relay-log.ts';
import type { Timelines } from './timeline/timelines.ts';

/** Input to {@link Rooms.create}. `joinCodeHash` is computed by the caller (auth/join-code.ts); `e2ee` defaults to false. */
export interface CreateRoomInput extends Omit<RoomPolicy, 'e2ee'> {
  readonly e2ee?: boolean | undefined;
  readonly name: string;
  readonly id?: string | undefined;
  readonly joinCodeHash: string | null;
}

/** Options of {@link Rooms}. */
export interface RoomsOptions {
  readonly store: Store;
  /** Relay rooms' positions come from their buffer. */
  readonly relayLog: RelayLog;
  readonly timelines: Timelines;
  /** Clock in Unix ms. */
  readonly now: () => number;
}

/**
 * A new room id: 12 random base64url characters (72 bits) that start with a letter or a digit, so
 * that an id pasted after a command-line option (`--room <id>`) is never read as an option.
 */
export function newRoomId(): string {
  for (;;) {
    const id = randomBytes(9).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

export class Rooms {
  readonly #cache = new Map<string, RoomRecord>();

  constructor(private readonly options: RoomsOptions) {}

  /** Create a room; the id is {@link newRoomId}'s unless given. Throws VALIDATION_FAILED if the id is taken. */
  async create(input: CreateRoomInput): Promise<RoomRecord> {
    const room = await this.options.store.rooms.create({
      id: input.id ?? newRoomId(),
      name: input.name,
      kind: input.kind,
      maxMembers: input.maxMembers,
      joinRule: input.joinRule,
      e2ee: input.e2ee ?? false,
      messagesPerMinute: input.messagesPerMinute ?? null,
      joinCodeHash: input.joinCodeHash,
      epoch: randomUUID(),
      createdAt: this.options.now(),
    });
    this.#cache.set(room.id, room);
    return room;
  }

  /** The room, read through the cache. Throws ROOM_NOT_FOUND. */
  async get(roomId: string): Promise<RoomRecord> {
    const cached = this.#cache.get(roomId);
    if (cached !== undefined) return cached;
    return this.fresh(roomId);
  }

  /** The cached room record, if this node has one. */
  cached(roomId: string): RoomRecord | undefined {
    return this.#cache.get(roomId);
  }

  /** The room read from the store (refreshing the cache). Throws ROOM_NOT_FOUND. */
  async fresh(roomId: string): Promise<RoomRecord> {
    const room = await this.options.store.rooms.get(roomId);
    if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', `No room has id ${roomId}`);
    this.#cache.set(roomId, room);
    return room;
  }

  /** Keep `room`, just read from the store, in the cache. */
  remember(room: RoomRecord): void {
    this.#cache.set(room.id, room);
  }

  list(options: { limit: number; offset: number }): Promise<RoomRecord[]> {
    return this.options.store.rooms.list(options);
  }

  /**
   * Close the room as `actor` with a `room_closed` event (idempotent). A relay room's buffer stays
   * until it expires, so members who resume still get the event. Throws ROOM_NOT_FOUND. The caller
   * checked the actor's authority.
   */
  async close(room: RoomRecord, actor: { userId: string; name: string }): Promise<RoomRecord> {
    await this.options.timelines.commit(room, actor, { type: 'room_closed' }, { authority: 'checked' });
    return this.fresh(room.id);
  }

  /** Bring the cache in line with a room event delivered by the room's feed (`room_updated`, `room_closed`). */
  observe(event: TimelineEvent): void {
    const room = this.#cache.get(event.roomId);
    if (room === undefined) return;
    if (event.type === 'room_closed' && room.closedAt === null) this.#cache.set(room.id, { ...room, closedAt: event.createdAt });
    else if (event.type === 'room_updated' && event.name !== undefined) this.#cache.set(room.id, { ...room, name: event.name });
  }

  /** Replace the join code hash. Throws ROOM_NOT_FOUND, FORBIDDEN (a conversation, which never has a code: issue 13). */
  async setJoinCodeHash(roomId: string, hash: string | null): Promise<RoomRecord> {
    if ((await this.get(roomId)).conversation !== null) throw new ParleyError('FORBIDDEN', 'A conversation has no join code: its members add people', { details: { roomId } });
    const room = await this.options.store.rooms.setJoinCodeHash(roomId, hash);
    if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', `No room has id ${roomId}`);
    this.#cache.set(roomId, room);
    return room;
  }

  /** The wire view of a room. Relay rooms report their relay position, persistent ones the stored one. */
  async info(room: RoomRecord): Promise<RoomInfo> {
    const position = room.kind === 'relay' ? await this.options.relayLog.position(room.id) : { epoch: room.epoch, lastSeq: room.lastSeq };
    return {
      id: room.id,
      name: room.name,
      kind: room.kind,
      maxMembers: room.maxMembers,
      joinRule: room.joinRule,
      e2ee: room.e2ee,
      ...(room.messagesPerMinute === null ? {} : { messagesPerMinute: room.messagesPerMinute }),
      createdAt: room.createdAt,
      closedAt: room.closedAt,
      epoch: position.epoch,
      lastSeq: position.lastSeq,
      ...(room.conversation === null ? {} : { conversation: room.conversation }),
    };
  }

  /**
   * When the room last changed: the `createdAt` (Unix ms) of its newest timeline event, the event at
   * `info.lastSeq`; the room's own creation time when it has none (an empty room, or a relay room
   * whose buffer no longer holds it). One indexed read.
   */
  async lastActivityAt(room: RoomRecord, info: RoomInfo): Promise<number> {
    if (info.lastSeq === 0) return room.createdAt;
    const { events } = await this.options.timelines.sourceFor(room).since(room.id, info.lastSeq - 1, 1);
    return events[0]?.createdAt ?? room.createdAt;
  }
}
