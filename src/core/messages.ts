/**
 * The send pipeline (DESIGN.md, "Delivery path"): size limit → dedupe by clientId and assign seq
 * (Store for persistent rooms, RelayLog for relay rooms) → ack → publish once, encoded once.
 * The ack is returned only after the Store committed (rule 1) or the RelayLog took the message.
 * A duplicate send returns the first ack and publishes nothing.
 */
import { randomUUID } from 'node:crypto';
import { ParleyError, type Ack, type Message, type MessagePush } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, RoomRecord, AppendResult } from './ports/store.ts';
import type { Broker } from './ports/broker.ts';
import type { RelayLog } from './ports/relay-log.ts';
import type { Peer } from './ports/peer.ts';

export class Messages {
  /** @param messageMaxBytes largest body in UTF-8 bytes (PARLEY_MESSAGE_MAX_BYTES). */
  constructor(
    private readonly store: Store,
    private readonly relayLog: RelayLog,
    private readonly broker: Broker,
    private readonly messageMaxBytes: number,
    private readonly now: () => number,
  ) {}

  /**
   * Send `body` to `room` as `principal`. The sender is always the principal, never a client field.
   * `sender`, the sending connection's peer if any, coalesces what it is sent between the publish
   * and the ack (its copy of the message, then the ack) into one write.
   * Throws MESSAGE_TOO_LARGE, ROOM_CLOSED, ROOM_NOT_FOUND, STORE_UNAVAILABLE (nothing stored: retry
   * with the same clientId).
   */
  async send(principal: Principal, room: RoomRecord, clientId: string, body: string, sender?: Peer): Promise<Ack> {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > this.messageMaxBytes) {
      throw new ParleyError('MESSAGE_TOO_LARGE', `Message is ${bytes} bytes; the limit is ${this.messageMaxBytes}`, {
        details: { bytes, maxBytes: this.messageMaxBytes },
      });
    }
    const input = {
      id: randomUUID(),
      roomId: room.id,
      senderId: principal.userId,
      senderName: principal.name,
      clientId,
      type: 'text' as const,
      body,
      createdAt: this.now(),
    };
    let result: AppendResult;
    if (room.kind === 'relay') {
      if (room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${room.id} is closed`);
      result = await this.relayLog.append(input);
    } else {
      result = await this.store.messages.append(input);
    }
    sender?.coalesce();
    if (!result.duplicate) await this.publish(result.message);
    return toAck(result);
  }

  /** Publish a stored message to every node serving its room, encoded once. */
  publish(message: Message): Promise<void> {
    const push: MessagePush = { type: 'message', message };
    return this.broker.publish({ roomId: message.roomId, seq: message.seq, frame: JSON.stringify(push) });
  }
}

function toAck({ message, duplicate }: AppendResult): Ack {
  return { roomId: message.roomId, clientId: message.clientId, id: message.id, seq: message.seq, createdAt: message.createdAt, duplicate };
}
