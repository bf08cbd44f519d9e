/**
 * In-process RelayLog: per relay room an epoch, a seq counter and a ring of the last `bufferSize`
 * messages (constant time per append, whatever the buffer size). A room untouched for `ttlMs` is
 * forgotten when next used. Limit: single process only; state is lost on restart (clients then see
 * a new epoch and resync, as the contract allows).
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '../../protocol/index.ts';
import type { RelayLog, RelayPosition } from '../../core/ports/relay-log.ts';
import type { AppendResult, NewMessage } from '../../core/ports/store.ts';

interface RelayRoom {
  epoch: string;
  /** Unix ms of the last append (or of creation). */
  touchedAt: number;
  lastSeq: number;
  /**
   * Ring of the newest `bufferSize` messages (all of them while fewer were sent): message `seq` sits
   * at `(seq - 1) % bufferSize`; allocated on first use.
   */
  ring: Array<Message | undefined>;
  /** senderId → clientId → message, for messages still buffered (the dedupe rule). */
  bySender: Map<string, Map<string, Message>>;
}

export class MemoryRelayLog implements RelayLog {
  readonly #rooms = new Map<string, RelayRoom>();

  /**
   * @param bufferSize messages kept per room for resume (PARLEY_RELAY_BUFFER_SIZE).
   * @param ttlMs a room without appends for this long is forgotten (PARLEY_RELAY_TTL_MS).
   * @param now clock in Unix ms (injectable for tests).
   */
  constructor(
    readonly bufferSize: number,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async append(input: NewMessage): Promise<AppendResult & { epoch: string }> {
    const room = this.#room(input.roomId);
    let sent = room.bySender.get(input.senderId);
    const existing = sent?.get(input.clientId);
    if (existing !== undefined) return { message: existing, duplicate: true, epoch: room.epoch };
    const seq = room.lastSeq + 1;
    const message: Message = { id: input.id, roomId: input.roomId, seq, senderId: input.senderId, senderName: input.senderName, clientId: input.clientId, type: input.type, body: input.body, createdAt: input.createdAt };
    room.lastSeq = seq;
    room.touchedAt = this.now();
    const slot = (seq - 1) % this.bufferSize;
    const evicted = room.ring[slot];
    if (evicted !== undefined) {
      const of = room.bySender.get(evicted.senderId);
      of?.delete(evicted.clientId);
      if (of?.size === 0) room.bySender.delete(evicted.senderId);
    }
    room.ring[slot] = message;
    if (sent === undefined) room.bySender.set(input.senderId, (sent = new Map()));
    sent.set(input.clientId, message);
    return { message, duplicate: false, epoch: room.epoch };
  }

  async position(roomId: string): Promise<RelayPosition> {
    const room = this.#room(roomId);
    return { epoch: room.epoch, lastSeq: room.lastSeq };
  }

  async since(roomId: string, since: number): Promise<RelayPosition & { messages: Message[]; missing?: { from: number; to: number } }> {
    const room = this.#room(roomId);
    const oldest = Math.max(1, room.lastSeq - this.bufferSize + 1);
    const messages: Message[] = [];
    for (let seq = Math.max(since + 1, oldest); seq <= room.lastSeq; seq++) messages.push(room.ring[(seq - 1) % this.bufferSize] as Message);
    const position = { epoch: room.epoch, lastSeq: room.lastSeq, messages };
    return since + 1 < oldest ? { ...position, missing: { from: since + 1, to: oldest - 1 } } : position;
  }

  async drop(roomId: string): Promise<void> {
    this.#rooms.delete(roomId);
  }

  #room(roomId: string): RelayRoom {
    let room = this.#rooms.get(roomId);
    const now = this.now();
    if (room === undefined || now - room.touchedAt >= this.ttlMs) {
      room = { epoch: randomUUID(), touchedAt: now, lastSeq: 0, ring: [], bySender: new Map() };
      this.#rooms.set(roomId, room);
    }
    return room;
  }
}
