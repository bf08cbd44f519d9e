/** `useConnectionState`: the client's connection state as a React value (issue 12). */
import { useSyncExternalStore } from 'react';
import type { ConnectionState, ParleyClient } from '../client.ts';
import { ClientStore, storeFor } from './client-store.ts';

/**
 * The connection state of `client`: `idle`, `connecting`, `open`, `reconnecting` or `closed`
 * (see {@link ConnectionState}); the component renders again on every change.
 */
export function useConnectionState(client: ParleyClient): ConnectionState {
  const store = storeFor(client, 'connection', '', () => new ConnectionStore(client));
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** The client's `state`, changed by its `state` events. */
class ConnectionStore extends ClientStore<ConnectionState> {

  protected override attach(): () => void {
    return this.client.on('state', () => this.notify());
  }

  protected override snapshot(): ConnectionState {
    return this.client.state;
  }
}
