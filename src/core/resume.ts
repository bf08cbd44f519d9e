/**
 * Joining a room on a connection, with resume by seq (DESIGN.md, Resume; rules 4 and 5).
 *
 * Order of operations, which is what makes resume gap-free and duplicate-free:
 * 1. subscribe the connection first (live events are held back while it catches up);
 * 2. then read the room's position, so every message committed before the subscription is ≤ it;
 * 3. reply, replay the missed messages in seq order, then release the held-back live events,
 *    skipping any seq already sent.
 * Outcomes: `fresh` (no since), `replay`, `gap` (relay buffer lost some: an explicit `gap` push),
 * `resync` (epoch changed, since beyond the newest seq, or more than `resumeMaxMessages` missed).
 */
import { ParleyError, type JoinCommand, type JoinResult, type Message, type ResumeOutcome } from '../protocol/index.ts';
import type { Store, RoomRecord } from './ports/store.ts';
import type { RelayLog, RelayPosition } from './ports/relay-log.ts';
import type { Connection } from './connection.ts';
import type { Fanout } from './fanout.ts';
import { gapFrame, messageFrame } from './room-feed.ts';
import type { Rooms } from './rooms.ts';
import type { Members } from './members.ts';
import type { RoomPresence } from './presence.ts';

/** What a join yields: the reply's result, and `start` to run right after the reply was sent (it replays, then goes live). */
export interface JoinOutcome {
  readonly result: JoinResult;
  readonly start: () => Promise<void>;
}

interface Catchup {
  readonly outcome: ResumeOutcome;
  readonly position: RelayPosition;
  readonly messages: Message[];
  readonly missing?: { from: number; to: number } | undefined;
}

export class Resume {
  /**
   * @param resumeMaxMessages most messages replayed; more answers `resync` (PARLEY_RESUME_MAX_MESSAGES).
   * @param maxRooms most rooms one connection may join (PARLEY_WS_MAX_ROOMS).
   */
  constructor(
    private readonly store: Store,
    private readonly relayLog: RelayLog,
    private readonly rooms: Rooms,
    private readonly members: Members,
    private readonly presence: RoomPresence,
    private readonly fanout: Fanout,
    private readonly resumeMaxMessages: number,
    private readonly maxRooms: number,
  ) {}

  /**
   * Join `cmd.roomId` on `connection`. Throws ROOM_NOT_FOUND, ROOM_CLOSED, NOT_MEMBER, TOO_MANY_ROOMS.
   * Joining a room already joined on this connection restarts its subscription (a client may rejoin
   * with a new `since`).
   */
  async join(connection: Connection, cmd: JoinCommand): Promise<JoinOutcome> {
    const { principal, peer } = connection;
    if (connection.rooms.has(cmd.roomId)) await this.leave(connection, cmd.roomId);
    if (connection.rooms.size >= this.maxRooms) throw new ParleyError('TOO_MANY_ROOMS', `A connection may join at most ${this.maxRooms} rooms`);
    const room = await this.rooms.open(cmd.roomId);
    const member = await this.members.require(principal, room.id);

    const subscription = await this.fanout.add(peer, room);
    connection.rooms.set(room.id, { subscription, room, role: member.role, mutedUntil: member.mutedUntil });
    try {
      const catchup = room.kind === 'relay' ? await this.#relayCatchup(room, cmd) : await this.#storedCatchup(room.id, cmd);
      subscription.lastSeq = catchup.outcome === 'replay' || catchup.outcome === 'gap' ? (cmd.since ?? 0) : catchup.position.lastSeq;
      await this.presence.enter(room.id, principal.userId, principal.name, peer.id);
      const info = await this.rooms.info(room);
      const result: JoinResult = {
        room: { ...info, epoch: catchup.position.epoch, lastSeq: catchup.position.lastSeq },
        resume: catchup.outcome,
        replayed: catchup.messages.length,
        members: await this.members.list(room.id),
        lastReadSeq: member.lastReadSeq,
        unread: Math.max(0, catchup.position.lastSeq - member.lastReadSeq),
      };
      const start = async () => {
        if (catchup.missing !== undefined) peer.send(gapFrame(room.id, catchup.missing.from, catchup.missing.to));
        await this.fanout.replay(subscription, encodeMessages(catchup.messages));
        this.fanout.goLive(subscription);
      };
      return { result, start };
    } catch (err) {
      await this.leave(connection, room.id);
      throw err;
    }
  }

  /** Stop a connection's subscription to a room (membership stays). Returns false if it had not joined. */
  async leave(connection: Connection, roomId: string): Promise<boolean> {
    const joined = connection.rooms.get(roomId);
    if (joined === undefined) return false;
    connection.rooms.delete(roomId);
    await this.fanout.remove(joined.subscription);
    const { principal, peer } = connection;
    const empty = await this.presence.leave(roomId, principal.userId, principal.name, peer.id);
    if (empty && joined.room.kind === 'relay') await this.relayLog.drop(roomId);
    return true;
  }

  async #storedCatchup(roomId: string, cmd: JoinCommand): Promise<Catchup> {
    const room = await this.rooms.fresh(roomId);
    const position = { epoch: room.epoch, lastSeq: room.lastSeq };
    const since = cmd.since;
    if (since === undefined) return { outcome: 'fresh', position, messages: [] };
    const missed = position.lastSeq - since;
    if ((cmd.epoch !== undefined && cmd.epoch !== position.epoch) || missed < 0 || missed > this.resumeMaxMessages) {
      return { outcome: 'resync', position, messages: [] };
    }
    if (missed === 0) return { outcome: 'replay', position, messages: [] };
    const { messages } = await this.store.messages.page(roomId, { after: since, limit: missed });
    return { outcome: 'replay', position, messages };
  }

  async #relayCatchup(room: RoomRecord, cmd: JoinCommand): Promise<Catchup> {
    const since = cmd.since;
    if (since === undefined) return { outcome: 'fresh', position: await this.relayLog.position(room.id), messages: [] };
    const found = await this.relayLog.since(room.id, since);
    const position = { epoch: found.epoch, lastSeq: found.lastSeq };
    if ((cmd.epoch !== undefined && cmd.epoch !== found.epoch) || since > found.lastSeq) return { outcome: 'resync', position, messages: [] };
    if (found.missing !== undefined) return { outcome: 'gap', position, messages: found.messages, missing: found.missing };
    return { outcome: 'replay', position, messages: found.messages };
  }
}

/** Message push frames, encoded one at a time as the replay consumes them. */
function* encodeMessages(messages: readonly Message[]): Generator<{ seq: number; frame: string }> {
  for (const message of messages) yield { seq: message.seq, frame: messageFrame(message) };
}
