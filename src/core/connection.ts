/**
 * One connected client as the core sees it: its Peer and the rooms it has joined on this
 * connection (each with its fan-out subscription and a snapshot of the room's policy).
 */
import type { MemberRole } from '../protocol/index.ts';
import type { Peer } from './ports/peer.ts';
import type { RoomRecord } from './ports/store.ts';
import type { Subscription } from './fanout.ts';

/**
 * A room joined on this connection: its subscription, and the room, the member's role and mute
 * (Unix ms, or null) as last known (kept current by room events).
 */
export interface JoinedRoom {
  readonly subscription: Subscription;
  readonly room: RoomRecord;
  readonly role: MemberRole;
  readonly mutedUntil: number | null;
}

function settled(): void {}

export class Connection {
  readonly rooms = new Map<string, JoinedRoom>();
  closed = false;
  #membership: Promise<void> = Promise.resolve();

  constructor(readonly peer: Peer) {}

  get principal() {
    return this.peer.principal;
  }

  /**
   * Run membership changes (join, leave, disconnect) of this connection one at a time, in arrival
   * order. Without it, two joins of one room sent back to back both see "not joined" and leave two
   * subscriptions behind (every message delivered twice), and a disconnect during a join leaks one.
   */
  serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#membership.then(change, change);
    // The chain keeps only settledness, never the result: a join's result (with the member list)
    // would otherwise stay reachable for the connection's whole life.
    this.#membership = run.then(settled, settled);
    return run;
  }
}
