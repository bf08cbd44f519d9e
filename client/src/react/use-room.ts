/** `useRoom`: join a room for as long as a component shows it, and read its folded state (issue 12). */
import { useEffect, useSyncExternalStore } from 'react';
import type { ParleyClient } from '../client.ts';
import type { RoomState } from '../room-state.ts';
import { ParleyError } from '../../../src/protocol/index.ts';
import { RoomClientStore, storeFor } from './client-store.ts';
import { holdRoom } from './room-lease.ts';

/** What {@link useRoom} returns; a new object only when one of its fields changes. */
export interface RoomView {
  /** The room's state folded from its timeline (messages, members, bans, name, closedAt); undefined before the first join. */
  readonly state: RoomState | undefined;
  /** True while the room is joined on the current socket (false while reconnecting, until the rejoin). */
  readonly joined: boolean;
  /** Why the join failed (ROOM_NOT_FOUND, NOT_MEMBER, ROOM_CLOSED…): the room is then not followed. */
  readonly error?: ParleyError;
}

/**
 * Join `roomId` on `client` while the component is mounted (components showing the same room share
 * one join; the last to unmount leaves it) and return its state. Call `client.connect()` yourself:
 * the join waits for the connection, and is resumed by seq after every reconnect.
 */
export function useRoom(client: ParleyClient, roomId: string): RoomView {
  const store = storeFor(client, 'room', roomId, () => new RoomStore(client, roomId));
  useEffect(() => {
    const lease = holdRoom(client, roomId);
    let held = true;
    lease.joined.then(
      () => held && store.setError(undefined),
      (err: unknown) => held && store.setError(err instanceof ParleyError ? err : new ParleyError('INTERNAL', undefined, { cause: err })),
    );
    return () => {
      held = false;
      lease.release();
    };
  }, [client, roomId, store]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** A room's state and whether it is joined, from the client's `roomState`, `joined` and `state` events. */
class RoomStore extends RoomClientStore<RoomView> {
  #error: ParleyError | undefined;
  #view: RoomView = { state: undefined, joined: false };

  /** Record the outcome of the latest join (undefined: it succeeded). */
  setError(error: ParleyError | undefined): void {
    if (error === this.#error) return;
    this.#error = error;
    this.notify();
  }

  protected override attach(): () => void {
    const offs = [
      this.client.on('roomState', ({ roomId }) => roomId === this.roomId && this.notify()),
      this.client.on('joined', ({ roomId }) => roomId === this.roomId && this.notify()),
      this.client.on('state', () => this.notify()),
    ];
    return () => offs.forEach((off) => off());
  }

  protected override snapshot(): RoomView {
    const state = this.client.roomState(this.roomId);
    const joined = this.client.joined(this.roomId);
    const view = this.#view;
    if (view.state === state && view.joined === joined && view.error === this.#error) return view;
    this.#view = this.#error === undefined ? { state, joined } : { state, joined, error: this.#error };
    return this.#view;
  }
}
