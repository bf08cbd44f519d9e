/**
 * Writing to and reading from rooms' timelines (issue 11; DESIGN.md, Timeline and rule 12). The
 * one place that knows a room's timeline engine: the Store's for persistent rooms, the RelayLog for
 * relay rooms, chosen from the room's kind. Everything else in the core goes through this object.
 *
 * Writes:
 * - {@link Timelines.appendMessage}: a message with the room's next seq. Persistent rooms: the store
 *   checks in the appending transaction that the sender may send (member, not muted, open room).
 *   Relay rooms: the store makes the same check from durable state (`StoreTimeline.authorize`),
 *   then the relay buffer numbers the message on condition that the room's authority stamp, read
 *   before the store read, still holds (the RelayLog contract's authority stamps): a change that
 *   began since makes the send authorize again, so it is refused rather than stored after the
 *   change; only a change already under way at the store read can leave one message late, never a
 *   broker hint. A sender authorized so is remembered with that stamp (`sender-stamps.ts`), and its
 *   next messages need no store read until a change of the room begins.
 * - {@link Timelines.commit}: any other event, whose change to durable state (membership, bans,
 *   roles, mutes, the room, the target message) is applied in the same store transaction that
 *   appends it (persistent rooms); relay rooms apply the change in the store, then append the
 *   event to the relay buffer, the two bracketed by `beginChange`/`endChange` when the change may
 *   take a right away (every change but a join and a system notice). Relay rooms keep no messages
 *   in the store, so an event about a message checks its target in the relay buffer.
 * Every new event is then published to every node (a hint: lost publishes are repaired from the
 * timeline by the fan-out, DESIGN.md rule 3). A duplicate is never published again.
 */
import { randomUUID } from 'node:crypto';
import { ParleyError, type MessageEvent, type TimelineEvent } from '../../protocol/index.ts';
import type { Authority, NewEvent, NewMessage, Store, RoomRecord } from '../ports/store.ts';
import type { RelayLog } from '../ports/relay-log.ts';
import type { Broker } from '../ports/broker.ts';
import type { TimelineSource } from '../ports/timeline.ts';
import { eventFrame } from './frames.ts';
import { SenderStamps } from './sender-stamps.ts';

/** What a write did: the event (absent when the change was already in place and no event stands for it), whether it was a duplicate, and the relay epoch. */
export interface Written<E extends TimelineEvent = TimelineEvent> {
  readonly event: E | undefined;
  readonly duplicate: boolean;
}

/** The events other than messages; see {@link Timelines.commit}. */
export type NewChange = Exclude<NewEvent, NewMessage>;

/** A change as the core describes it: the event without the envelope fields the timeline fills in. */
export type ChangeInput = NewChange extends infer E ? (E extends unknown ? Omit<E, 'id' | 'roomId' | 'clientId' | 'createdAt' | 'senderId' | 'senderName'> : never) : never;

/** Options of {@link Timelines}, in the units their names carry. */
export interface TimelinesOptions {
  readonly store: Store;
  readonly relayLog: RelayLog;
  readonly broker: Broker;
  /** How long after sending an author may edit a message, in ms (PARLEY_EDIT_WINDOW_MS). */
  readonly editWindowMs: number;
  /** Told of a publish that failed after its event was stored (to be logged). */
  readonly onError: (err: unknown, context: string) => void;
  /** Clock in Unix ms. */
  readonly now: () => number;
}

/** Relay senders remembered with their authority stamp (see `sender-stamps.ts`); about 200 bytes each. */
const SENDER_STAMPS_MAX = 100_000;

/** Store reads a relay message may take when changes of its room keep voiding the stamp read with them. */
const AUTHORIZE_ATTEMPTS = 3;

/** Changes that never take a right away, so they need not void the relay room's authority stamp. */
const GRANTING: ReadonlySet<TimelineEvent['type']> = new Set(['member_joined', 'system']);

/** The event types that act on a message (`target`). */
const TARGETING: ReadonlySet<TimelineEvent['type']> = new Set(['message_edited', 'message_deleted', 'reaction_added', 'reaction_removed']);

export class Timelines {
  readonly #o: TimelinesOptions;
  readonly #stamps = new SenderStamps(SENDER_STAMPS_MAX);

  constructor(options: TimelinesOptions) {
    this.#o = options;
  }

  /** The engine holding the room's timeline. */
  sourceFor(room: Pick<RoomRecord, 'kind'>): TimelineSource {
    return room.kind === 'relay' ? this.#o.relayLog : this.#o.store.timeline;
  }

  /**
   * The newest seq of each room, read with one store query for all persistent rooms and one relay
   * read per relay room (the fan-out's position check). Rooms that no longer exist are absent.
   */
  async positions(rooms: ReadonlyArray<Pick<RoomRecord, 'id' | 'kind'>>): Promise<Map<string, { lastSeq: number; epoch?: string }>> {
    const persistent = rooms.filter((r) => r.kind !== 'relay').map((r) => r.id);
    const relay = rooms.filter((r) => r.kind === 'relay');
    const [stored, relayed] = await Promise.all([
      persistent.length === 0 ? new Map<string, number>() : this.#o.store.rooms.lastSeqs(persistent),
      Promise.all(relay.map(async (r) => [r.id, await this.#o.relayLog.position(r.id)] as const)),
    ]);
    const out = new Map<string, { lastSeq: number; epoch?: string }>();
    for (const [id, lastSeq] of stored) out.set(id, { lastSeq });
    for (const [id, position] of relayed) out.set(id, position);
    return out;
  }

  /**
   * Append a message (see the module comment) and publish it. Rejects with what the engine rejects
   * (ROOM_CLOSED, NOT_MEMBER, FORBIDDEN, MEMBER_MUTED, NOT_FOUND for an unknown `replyTo`,
   * STORE_UNAVAILABLE, BROKER_UNAVAILABLE); nothing was stored then.
   */
  async appendMessage(room: RoomRecord, message: NewMessage): Promise<Written<MessageEvent> & { readonly event: MessageEvent }> {
    if (room.kind !== 'relay') {
      const result = await this.#o.store.timeline.append(message);
      if (!result.duplicate) this.publish(result.event);
      return result;
    }
    if (message.replyTo !== undefined) await this.#relayTarget(room.id, message.replyTo);
    const result = await this.#appendAuthorized(message);
    if (!result.duplicate) this.publish(result.event, result.epoch);
    return { event: result.event as MessageEvent, duplicate: result.duplicate };
  }

  /**
   * Append a relay room's message once its sender is authorized: under the stamp remembered for
   * the sender, or else from the store (`StoreTimeline.authorize`, whose refusals are thrown) under
   * the stamp read just before that read, again if a change voided it meanwhile (so a change
   * committed after the store read refuses the message instead of following it).
   */
  async #appendAuthorized(message: NewMessage) {
    const { relayLog } = this.#o;
    const { roomId, senderId } = message;
    const remembered = this.#stamps.get(roomId, senderId);
    if (remembered !== undefined) {
      const appended = await relayLog.appendIfAuthority(message, remembered);
      if (appended !== undefined) return appended;
      this.#stamps.delete(roomId, senderId);
    }
    for (let attempt = 1; ; attempt++) {
      const stamp = await relayLog.authority(roomId);
      await this.#o.store.timeline.authorize(roomId, senderId, message.createdAt);
      // A change under way, or changes that keep coming: authorized by the store just now, as without stamps.
      if (stamp === undefined || attempt === AUTHORIZE_ATTEMPTS) return relayLog.append(message);
      const appended = await relayLog.appendIfAuthority(message, stamp);
      if (appended !== undefined) {
        this.#stamps.set(roomId, senderId, stamp);
        return appended;
      }
      // A change began after the stamp was read, perhaps after the store read too: authorize again.
    }
  }

  /**
   * Commit a change made by `actor` (see the module comment and `StoreTimeline.commit` for each
   * type's effect and refusals) and publish its event. `clientId` makes a retry idempotent; the
   * server's own changes get a fresh one.
   */
  async commit(room: RoomRecord, actor: { userId: string; name: string }, change: ChangeInput, options: { authority: Authority; clientId?: string | undefined }): Promise<Written> {
    const event = {
      ...change,
      id: randomUUID(),
      roomId: room.id,
      senderId: actor.userId,
      senderName: actor.name,
      clientId: options.clientId ?? randomUUID(),
      createdAt: this.#o.now(),
    } as NewChange;
    if (room.kind === 'relay' && TARGETING.has(event.type)) return this.#relayTargeting(room, event, options.authority);
    if (room.kind === 'relay') return this.#relayChange(event, options.authority);
    const result = await this.#o.store.timeline.commit(event, { authority: options.authority, editWindowMs: this.#o.editWindowMs });
    if (result.event !== undefined && !result.duplicate) this.publish(result.event);
    return result;
  }

  /**
   * A relay room's change: applied in the store, then its event appended to the relay buffer;
   * bracketed by `beginChange`/`endChange` unless it only grants (see the module comment). A
   * failed `endChange` leaves the room without a stamp (store reads until it is forgotten): reported, not thrown.
   */
  async #relayChange(event: NewChange, authority: Authority): Promise<Written> {
    const { relayLog } = this.#o;
    const bracketed = !GRANTING.has(event.type);
    if (bracketed) await relayLog.beginChange(event.roomId);
    try {
      const result = await this.#o.store.timeline.commit(event, { authority, editWindowMs: this.#o.editWindowMs });
      if (result.duplicate) return { event: undefined, duplicate: true };
      const appended = await relayLog.append(event);
      if (!appended.duplicate) this.publish(appended.event, appended.epoch);
      return { event: appended.event, duplicate: appended.duplicate };
    } finally {
      if (bracketed) await relayLog.endChange(event.roomId).catch((err: unknown) => this.#o.onError(err, `ending a change of relay room ${event.roomId}`));
    }
  }

  /**
   * Publish a stored event to every node serving its room, encoded once. Not awaited by writers:
   * the event is already in its timeline, so an ack need not wait for the broker; publishes of one
   * node still leave in call order. A failure is reported, not thrown.
   */
  publish(event: TimelineEvent, epoch?: string): void {
    this.#o.broker
      .publish({ roomId: event.roomId, seq: event.seq, kind: event.type, ...(epoch === undefined ? {} : { epoch }), createdAt: event.createdAt, frame: eventFrame(event) })
      .catch((err: unknown) => this.#o.onError(err, `publishing event ${event.seq} of room ${event.roomId}`));
  }

  /** The message `seq` of a relay room, while its buffer still holds it. Throws NOT_FOUND. */
  async #relayTarget(roomId: string, seq: number): Promise<MessageEvent> {
    const read = await this.#o.relayLog.since(roomId, seq - 1, 1);
    const found = read.events[0];
    if (found === undefined || found.seq !== seq || found.type !== 'message') throw new ParleyError('NOT_FOUND', `Room ${roomId} has no message ${seq} (relay rooms keep only recent messages)`);
    return found;
  }

  /**
   * An event about a message of a relay room: the target must still be in the buffer; edits must
   * be the author's and within the window, and with `member` authority so must deletions.
   */
  async #relayTargeting(room: RoomRecord, event: NewChange, authority: Authority): Promise<Written> {
    if (authority === 'member') await this.#o.store.timeline.authorize(room.id, event.senderId, event.createdAt);
    else if ((await this.#o.store.rooms.get(room.id))?.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${room.id} is closed`);
    const target = await this.#relayTarget(room.id, (event as { target: number }).target);
    const own = target.senderId === event.senderId;
    if (event.type === 'message_edited' || (event.type === 'message_deleted' && authority === 'member')) {
      if (!own) throw new ParleyError('FORBIDDEN', 'Only the author may do this to a message');
    }
    if (event.type === 'message_edited' && event.createdAt - target.createdAt > this.#o.editWindowMs) {
      throw new ParleyError('EDIT_WINDOW_CLOSED', `Messages can be edited for ${Math.round(this.#o.editWindowMs / 60_000)} minutes after sending`, { details: { editWindowMs: this.#o.editWindowMs } });
    }
    const appended = await this.#o.relayLog.append(event);
    if (!appended.duplicate) this.publish(appended.event, appended.epoch);
    return { event: appended.event, duplicate: appended.duplicate };
  }
}
