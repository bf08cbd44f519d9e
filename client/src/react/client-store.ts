/**
 * ClientStore: the external store each hook of `@parley/client/react` reads with React's
 * `useSyncExternalStore` (issue 12). It listens to the client only while a component is subscribed,
 * and its snapshot keeps its identity until what it shows changes, as `useSyncExternalStore`
 * requires (a new object on every read would make React render forever).
 */
import type { ParleyClient } from '../client.ts';

/** An external store over a {@link ParleyClient}: `subscribe` and `getSnapshot` are stable functions, as React wants them. */
export abstract class ClientStore<T> {
  readonly #listeners = new Set<() => void>();
  #detach: (() => void) | undefined;

  constructor(protected readonly client: ParleyClient) {}

  /** Call `onChange` after every change until the returned function is called. Listens to the client while anyone is subscribed. */
  readonly subscribe = (onChange: () => void): (() => void) => {
    this.#listeners.add(onChange);
    if (this.#listeners.size === 1) this.#detach = this.attach();
    return () => {
      if (!this.#listeners.delete(onChange) || this.#listeners.size > 0) return;
      this.#detach?.();
      this.#detach = undefined;
    };
  };

  /** What to show now: the same value as the previous call unless something changed. */
  readonly getSnapshot = (): T => this.snapshot();

  /** Start listening to the client's events (calling {@link notify} on changes); returns the function that stops. */
  protected abstract attach(): () => void;

  /** The current snapshot, cached: equal inputs give the identical value. */
  protected abstract snapshot(): T;

  /** Tell the subscribed components to read the snapshot again. */
  protected notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** A {@link ClientStore} of one room's state. */
export abstract class RoomClientStore<T> extends ClientStore<T> {
  constructor(
    client: ParleyClient,
    protected readonly roomId: string,
  ) {
    super(client);
  }
}

const stores = new WeakMap<ParleyClient, Map<string, ClientStore<unknown>>>();

/**
 * The one store of `kind` for `client` and `roomId`, created on first use, so every component
 * showing the same room shares its state (e.g. how far history was paged). Kept as long as the
 * client: a few fields per room.
 */
export function storeFor<S extends ClientStore<unknown>>(client: ParleyClient, kind: string, roomId: string, create: () => S): S {
  let byKey = stores.get(client);
  if (byKey === undefined) stores.set(client, (byKey = new Map()));
  const key = `${kind}\n${roomId}`;
  let store = byKey.get(key) as S | undefined;
  if (store === undefined) byKey.set(key, (store = create()));
  return store;
}
