/**
 * Room leases: components that need a room joined hold a lease on it; the room is joined while
 * at least one lease is held and left when the last one is released (issue 12: `useRoom` joins on
 * mount and leaves on unmount). The leave waits a microtask, so React's StrictMode (unmount and
 * mount again at once) or a component moving in the tree keeps the room joined instead of leaving
 * and joining again.
 */
import type { ParleyClient } from '../client.ts';
import type { JoinResult } from '../../../src/protocol/index.ts';

const holders = new WeakMap<ParleyClient, Map<string, number>>();

/** A held room: `joined` settles like `client.join(roomId)`; `release` gives the lease back (once). */
export interface RoomLease {
  readonly joined: Promise<JoinResult>;
  readonly release: () => void;
}

/** Take a lease on `roomId`: join it unless already joined or joining. */
export function holdRoom(client: ParleyClient, roomId: string): RoomLease {
  let counts = holders.get(client);
  if (counts === undefined) holders.set(client, (counts = new Map()));
  const held = counts;
  held.set(roomId, (held.get(roomId) ?? 0) + 1);
  let released = false;
  return {
    joined: client.join(roomId),
    release: () => {
      if (released) return;
      released = true;
      const left = (held.get(roomId) ?? 1) - 1;
      if (left > 0) return void held.set(roomId, left);
      held.delete(roomId);
      queueMicrotask(() => {
        // A new lease taken meanwhile keeps the room.
        if (!held.has(roomId)) client.leave(roomId).catch(() => undefined);
      });
    },
  };
}
