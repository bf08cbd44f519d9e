/**
 * Joining a room on a connection, with resume by seq over the room's timeline, whatever its engine
 * (DESIGN.md, Resume; rules 4 and 5).
 *
 * Order of operations, which is what makes resume gap-free and duplicate-free:
 * 1. subscribe the connection first (live events are held back while it catches up);
 * 2. then read the room's position, so every event committed before the subscription is ≤ it, or
 *    still on its way to the node's feed of the room, which hands it to the subscription (a room
 *    this node already serves takes its feed's position and reads nothing);
 * 3. reply, replay the missed events in seq order, then release the held-back live events,
 *    skipping any seq already sent.
 * Outcomes: `fresh` (no since), `replay`, `gap` (relay buffer lost some: an explicit `gap` push),
 * `resync` (epoch changed, since beyond the newest seq, or more than `resumeMaxMessages` missed).
 */
import { ParleyError, type JoinCommand, type JoinResult, type ResumeOutcome, type TimelineEvent } from '../protocol/index.ts';
import type { RelayLog } from './ports/relay-log.ts';
import type { TimelinePosition } from './ports/timeline.ts';
import type { Connection } from './connection.ts';
import type { Fanout } from './fanout.ts';
import { eventFrame, gapFrame } from './timeline/frames.ts';
import type { Timelines } from './timeline/timelines.ts';
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
  readonly position: TimelinePosition;
  readonly events: TimelineEvent[];
  readonly missing?: { from: number; to: number } | undefined;
}

/** Options of {@link Resume}, in the units their names carry. */
export interface ResumeOptions {
  readonly timelines: Timelines;
  /** Relay rooms' state is dropped when their last connection leaves. */
  readonly relayLog: RelayLog;
  readonly rooms: Rooms;
  readonly members: Members;
  readonly presence: RoomPresence;
  readonly fanout: Fanout;
  /** Most events replayed; more answers `resync` (PARLEY_RESUME_MAX_MESSAGES). */
  readonly resumeMaxEvents: number;
  /** Most rooms one connection may join (PARLEY_WS_MAX_ROOMS). */
  readonly maxRooms: number;
  /** Most members listed in a join reply (PARLEY_JOIN_MEMBERS_MAX). */
  readonly joinMembersMax: number;
}

export class Resume {
  readonly #o: ResumeOptions;

  constructor(options: ResumeOptions) {
    this.#o = options;
  }

  /**
   * Join `cmd.roomId` on `connection`. Throws ROOM_NOT_FOUND (also for a room the principal is not a
   * member of), ROOM_CLOSED, TOO_MANY_ROOMS. Joining a room already joined on this connection
   * restarts its subscription (a client may rejoin with a new `since`).
   */
  async join(connection: Connection, cmd: JoinCommand): Promise<JoinOutcome> {
    const { principal, peer } = connection;
    const o = this.#o;
    if (connection.rooms.has(cmd.roomId)) await this.leave(connection, cmd.roomId);
    if (connection.rooms.size >= o.maxRooms) throw new ParleyError('TOO_MANY_ROOMS', `A connection may join at most ${o.maxRooms} rooms`);
    const { room, member, memberCount } = await o.members.joinView(principal, cmd.roomId);
    o.rooms.remember(room);

    const subscription = await o.fanout.add(peer, room);
    connection.rooms.set(room.id, { subscription, room, role: member.role, mutedUntil: member.mutedUntil });
    try {
      const catchup = await this.#catchup(room, cmd);
      subscription.lastSeq = catchup.outcome === 'replay' || catchup.outcome === 'gap' ? (cmd.since ?? 0) : catchup.position.lastSeq;
      await o.presence.enter(room.id, principal.userId, principal.name, peer.id);
      const info = await o.rooms.info(room);
      const members = await o.members.summary(room.id, o.joinMembersMax, memberCount);
      const result: JoinResult = {
        room: { ...info, epoch: catchup.position.epoch, lastSeq: catchup.position.lastSeq },
        resume: catchup.outcome,
        replayed: catchup.events.length,
        members,
        memberCount,
        lastReadSeq: member.lastReadSeq,
        // A member who has read up to the newest seq has nothing unread: no count to run.
        unread: member.lastReadSeq >= catchup.position.lastSeq ? 0 : await o.members.unread(room, principal.userId, member.lastReadSeq),
      };
      const start = async () => {
        if (catchup.missing !== undefined) peer.send(gapFrame(room.id, catchup.missing.from, catchup.missing.to));
        await o.fanout.replay(subscription, encodeEvents(catchup.events));
        o.fanout.goLive(subscription);
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
    await this.#o.fanout.remove(joined.subscription);
    const { principal, peer } = connection;
    const empty = await this.#o.presence.leave(roomId, principal.userId, principal.name, peer.id);
    if (empty && joined.room.kind === 'relay') await this.#o.relayLog.drop(roomId);
    return true;
  }

  /**
   * What the joiner missed: nothing (`fresh`), the events after `since` (`replay`, or `gap` when the
   * relay buffer lost some), or `resync` when the epoch differs, `since` is beyond the newest seq, or
   * more than `resumeMaxEvents` were missed. The position is read after the subscription (the module
   * comment's step 2): from the node's feed of the room when it is current for this join (every
   * event after it reaches the subscription through the feed), else from the source, so every event
   * committed before the subscription is at or below it or still on its way through the feed.
   */
  async #catchup(room: { id: string; kind: 'persistent' | 'relay' }, cmd: JoinCommand): Promise<Catchup> {
    const source = this.#o.timelines.sourceFor(room);
    const since = cmd.since;
    // The node's feed of the room already knows a position that is safe to resume from. A `since`
    // beyond it or another epoch (the feed has not heard of the newest events yet) asks the source,
    // so neither is taken for a resync.
    const fed = this.#o.fanout.position(room.id);
    const current = fed !== undefined && (since === undefined || since <= fed.lastSeq) && (cmd.epoch === undefined || cmd.epoch === fed.epoch);
    const position = current ? fed : await source.position(room.id);
    if (since === undefined) return { outcome: 'fresh', position, events: [] };
    const missed = position.lastSeq - since;
    if ((cmd.epoch !== undefined && cmd.epoch !== position.epoch) || missed < 0 || missed > this.#o.resumeMaxEvents) return { outcome: 'resync', position, events: [] };
    if (missed === 0) return { outcome: 'replay', position, events: [] };
    const read = await source.since(room.id, since, missed);
    if (read.epoch !== position.epoch) return { outcome: 'resync', position: read, events: [] };
    const events = read.events.filter((e) => e.seq <= position.lastSeq);
    if (read.missing !== undefined) return { outcome: 'gap', position, events, missing: read.missing };
    return { outcome: 'replay', position, events };
  }
}

/** Event push frames, encoded one at a time as the replay consumes them. */
function* encodeEvents(events: readonly TimelineEvent[]): Generator<{ seq: number; frame: string }> {
  for (const event of events) yield { seq: event.seq, frame: eventFrame(event) };
}
