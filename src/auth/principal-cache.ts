/**
 * A per-node cache of resolved principals (issue 11, "Joining and reconnecting at scale"): a
 * reconnect storm presents the same credentials again within seconds, and without a cache every
 * WebSocket upgrade reads its session from the store (or verifies its signature) again.
 *
 * - Keyed by the SHA-256 of the credentials presented (never the credentials themselves).
 * - An entry lives `ttlMs`, never past its credential's own expiry; at most `maxEntries` entries,
 *   the least recently used going first.
 * - Refusals are never cached: an unknown credential is asked about again next time.
 * - Concurrent look-ups of one credential share one resolution.
 * - Invalidated by the `session_ended` signal (`forget`): every entry whose principal that ending
 *   ends is dropped, and a resolution that was under way when a signal arrived is not stored.
 * What a cached entry may miss is bounded by `ttlMs` plus the periodic re-check of open sockets.
 */
import { createHash } from 'node:crypto';
import { endsPrincipal, type SessionEnded } from '../core/session-ends.ts';
import type { Credentials, Principal } from './principal.ts';

/** Sizing of {@link PrincipalCache}: `ttlMs` 0 turns it off. */
export interface PrincipalCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Clock in Unix ms. @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly principal: Principal;
  /** Unix ms after which the entry is not used. */
  readonly until: number;
}

export class PrincipalCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Principal | undefined>>();
  readonly #now: () => number;
  /** Bumped by every `forget`: a resolution that began before it is not stored. */
  #generation = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly resolve: (credentials: Credentials) => Promise<Principal | undefined>,
    private readonly options: PrincipalCacheOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** The principal `credentials` authenticate (from the cache when fresh), or undefined. Rejects as `resolve` does. */
  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    if (this.options.ttlMs <= 0) return this.resolve(credentials);
    const key = keyOf(credentials);
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      this.#entries.delete(key);
      if (entry.until > now) {
        this.#entries.set(key, entry);
        this.hits += 1;
        return entry.principal;
      }
    }
    this.misses += 1;
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending;
    const generation = this.#generation;
    const lookup = this.resolve(credentials).then(
      (principal) => {
        this.#inflight.delete(key);
        if (principal !== undefined && generation === this.#generation) this.#store(key, principal);
        return principal;
      },
      (err: unknown) => {
        this.#inflight.delete(key);
        throw err;
      },
    );
    this.#inflight.set(key, lookup);
    return lookup;
  }

  /** Drop every entry whose principal `ended` ends (and keep resolutions under way from being stored). */
  forget(ended: SessionEnded): void {
    this.#generation += 1;
    for (const [key, entry] of this.#entries) if (endsPrincipal(ended, entry.principal)) this.#entries.delete(key);
  }

  /** How many entries are held. */
  get size(): number {
    return this.#entries.size;
  }

  #store(key: string, principal: Principal): void {
    const until = Math.min(this.#now() + this.options.ttlMs, principal.expiresAt ?? Number.POSITIVE_INFINITY);
    this.#entries.delete(key);
    this.#entries.set(key, { principal, until });
    while (this.#entries.size > this.options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}

/** The cache key of a set of credentials: SHA-256 over each present field, tagged by its kind. */
function keyOf(credentials: Credentials): string {
  const hash = createHash('sha256');
  for (const [tag, value] of [['c', credentials.cookie], ['a', credentials.accessCookie], ['b', credentials.bearer], ['q', credentials.queryToken]] as const) {
    if (value !== undefined) hash.update(`${tag}${value.length}:${value}`);
  }
  return hash.digest('base64url');
}
