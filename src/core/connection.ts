/**
 * One connected client as the core sees it: its Peer and the rooms it has joined on this
 * connection (each with its fan-out subscription and a snapshot of the room's policy).
 */
import type { Peer } from './ports/peer.ts';
import type { RoomRecord } from './ports/store.ts';
import type { Subscription } from './fanout.ts';

export interface JoinedRoom {
  readonly subscription: Subscription;
  readonly room: RoomRecord;
}

export class Connection {
  readonly rooms = new Map<string, JoinedRoom>();
  closed = false;

  constructor(readonly peer: Peer) {}

  get principal() {
    return this.peer.principal;
  }
}
