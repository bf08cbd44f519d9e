/**
 * What every multi-node contract suite (Broker, Presence, RelayLog, Counters) shares: a backend
 * opens "nodes" — engines on one shared server — and tells whether they see each other
 * (`shared`); the memory engines serve one process only, so the cross-node guarantees skip them.
 */

/** A backend of one engine kind; each suite adds the `node(…)` that opens its engine. */
export interface Backend {
  /** True when the nodes this backend opens share state (every engine but the in-process ones). */
  readonly shared: boolean;
  dispose(): Promise<void>;
}

/** Run `fn` on a fresh backend, disposing it whatever happens. */
export async function withBackend<B extends Backend>(factory: () => Promise<B>, fn: (backend: B) => Promise<void>): Promise<void> {
  const backend = await factory();
  try {
    await fn(backend);
  } finally {
    await backend.dispose();
  }
}
