/**
 * The send pipeline (DESIGN.md, "Delivery path"): rate limit → size limit → content policy
 * (plaintext rooms: HTML stripped, word filter; e2ee rooms untouched, `content-policy.ts`) → dedupe by clientId and assign seq
 * (Store for persistent rooms, RelayLog for relay rooms) → ack → publish once, encoded once.
 * The ack is returned only after the Store committed (rule 1) or the RelayLog took the message.
 * A duplicate send returns the first ack and publishes nothing.
 */
import { randomUUID } from 'node:crypto';
import { ParleyError, type Ack, type Message, type MessagePush } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, RoomRecord, AppendResult } from './ports/store.ts';
import type { Broker, RoomEvent } from './ports/broker.ts';
import type { RelayLog } from './ports/relay-log.ts';
import type { Peer } from './ports/peer.ts';
import type { Metrics } from './ports/metrics.ts';
import type { ContentPolicy } from './content-policy.ts';
import type { RateLimits } from './rate-limits.ts';

/** The window of the per-room message limit, in ms: limits are per minute. */
const MESSAGE_WINDOW_MS = 60_000;

export class Messages {
  /**
   * @param messageMaxBytes largest body in UTF-8 bytes (PARLEY_MESSAGE_MAX_BYTES).
   * @param messagesPerMinute messages one user may send per minute in a room whose policy sets none (PARLEY_MESSAGES_PER_MINUTE).
   * @param onError told of a publish that failed after the message was stored (to be logged).
   * @param metrics told of every ack.
   */
  constructor(
    private readonly store: Store,
    private readonly relayLog: RelayLog,
    private readonly broker: Broker,
    private readonly rateLimits: RateLimits,
    private readonly messageMaxBytes: number,
    private readonly messagesPerMinute: number,
    private readonly contentPolicy: ContentPolicy,
    private readonly now: () => number,
    private readonly onError: (err: unknown, context: string) => void,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Send `body` to `room` as `principal`. The sender is always the principal, never a client field.
   * `sender`, the sending connection's peer if any, coalesces what it is sent between the publish
   * and the ack (its copy of the message, then the ack) into one write.
   * The size limit applies to the body as sent; the content policy may then change it (plaintext rooms).
   * Throws RATE_LIMITED (the sender used up the room's `messagesPerMinute`, shared by every node;
   * `details.retryAfterMs`), MESSAGE_TOO_LARGE, VALIDATION_FAILED (no text left), MESSAGE_REFUSED
   * (word filter; recorded in the audit log before this rejects), ROOM_CLOSED, ROOM_NOT_FOUND, STORE_UNAVAILABLE or (relay rooms)
   * BROKER_UNAVAILABLE: nothing was stored, retry with the same clientId. Once stored, the message
   * is acked even if its publish fails: every node finds it by its position check (DESIGN.md rule 3).
   */
  async send(principal: Principal, room: RoomRecord, clientId: string, body: string, sender?: Peer): Promise<Ack> {
    const rule = { name: 'messages', counts: 'messages', limit: room.messagesPerMinute ?? this.messagesPerMinute, windowMs: MESSAGE_WINDOW_MS };
    await this.rateLimits.take(rule, `${room.id}:${principal.userId}`);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.messageMaxBytes) {
      throw new ParleyError('MESSAGE_TOO_LARGE', `Message is ${bytes} bytes; the limit is ${this.messageMaxBytes}`, {
        details: { bytes, maxBytes: this.messageMaxBytes },
      });
    }
    let text: string;
    try {
      text = this.contentPolicy.clean(room, body);
    } catch (err) {
      await this.contentPolicy.recordRefusal(principal, room, clientId, err);
      throw err;
    }
    const input = {
      id: randomUUID(),
      roomId: room.id,
      senderId: principal.userId,
      senderName: principal.name,
      clientId,
      type: 'text' as const,
      body: text,
      createdAt: this.now(),
    };
    let result: AppendResult;
    let epoch: string | undefined;
    if (room.kind === 'relay') {
      if (room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${room.id} is closed`);
      const appended = await this.relayLog.append(input);
      result = appended;
      epoch = appended.epoch;
    } else {
      result = await this.store.messages.append(input);
    }
    sender?.coalesce();
    this.metrics.acked(room.kind, result.duplicate);
    // Not awaited: the message is already stored (or in the relay log), so the ack need not wait for
    // Redis; publishes of one node still leave in call order.
    if (!result.duplicate) void this.#publish(result.message, epoch);
    return toAck(result);
  }

  /** Publish a stored message to every node serving its room, encoded once. A failure is reported, not thrown. */
  async #publish(message: Message, epoch: string | undefined): Promise<void> {
    const push: MessagePush = { type: 'message', message };
    const event: RoomEvent = { roomId: message.roomId, seq: message.seq, ...(epoch === undefined ? {} : { epoch }), createdAt: message.createdAt, frame: JSON.stringify(push) };
    try {
      await this.broker.publish(event);
    } catch (err) {
      this.onError(err, `publishing message ${message.seq} of room ${message.roomId}`);
    }
  }
}

function toAck({ message, duplicate }: AppendResult): Ack {
  return { roomId: message.roomId, clientId: message.clientId, id: message.id, seq: message.seq, createdAt: message.createdAt, duplicate };
}
