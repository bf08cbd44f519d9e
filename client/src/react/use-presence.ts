/** `usePresence`: who is online in a room (issue 12). */
import { useSyncExternalStore } from 'react';
import type { ParleyClient } from '../client.ts';
import { RoomClientStore, storeFor } from './client-store.ts';

/** A member online in the room. */
export interface OnlineMember {
  readonly userId: string;
  readonly name: string;
}

/**
 * The members online in `roomId` (joined elsewhere with {@link useRoom}), sorted by name: from the
 * join, then each presence change (`client.online(roomId)`). The same array until it changes.
 */
export function usePresence(client: ParleyClient, roomId: string): readonly OnlineMember[] {
  const store = storeFor(client, 'presence', roomId, () => new PresenceStore(client, roomId));
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** `client.online(roomId)` as a sorted array, rebuilt only when the client's map is a new one. */
class PresenceStore extends RoomClientStore<readonly OnlineMember[]> {
  #from: ReadonlyMap<string, string> | undefined;
  #members: readonly OnlineMember[] = [];

  protected override attach(): () => void {
    const offs = [
      this.client.on('presence', ({ roomId }) => roomId === this.roomId && this.notify()),
      this.client.on('joined', ({ roomId }) => roomId === this.roomId && this.notify()),
    ];
    return () => offs.forEach((off) => off());
  }

  protected override snapshot(): readonly OnlineMember[] {
    const online = this.client.online(this.roomId);
    if (online !== this.#from) {
      this.#from = online;
      this.#members = [...online].map(([userId, name]) => ({ userId, name })).sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
    }
    return this.#members;
  }
}
