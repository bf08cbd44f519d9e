/**
 * Counters on Redis, shared by every node: a claim is `SET key 1 NX PX ttl`; a rate window is one
 * script that increments the key, starts its expiry on the first hit and reads the time left, so
 * concurrent hits from many nodes are counted exactly once each.
 */
import type { Counters, HitResult } from '../../core/ports/counters.ts';
import { redisUnavailable, type RedisConnections } from '../redis-client.ts';

/** KEYS: window. ARGV: windowMs. Returns [count, ms left in the window]. */
const HIT = `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
return {count, left}`;

export class RedisCounters implements Counters {
  readonly #redis: RedisConnections;
  readonly #hit: (...keysAndArgs: string[]) => Promise<unknown>;

  constructor(redis: RedisConnections) {
    this.#redis = redis;
    this.#hit = redis.script(HIT, 1);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.#redis.command.set(`${this.#redis.prefix}claim:${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
    } catch (err) {
      throw redisUnavailable(err);
    }
  }

  async hit(key: string, limit: number, windowMs: number): Promise<HitResult> {
    const [count, left] = (await this.#hit(`${this.#redis.prefix}rate:${key}`, String(Math.max(1, Math.round(windowMs))))) as [number, number];
    if (count <= limit) return { allowed: true, remaining: limit - count, retryAfterMs: 0 };
    return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, left) };
  }

  /** The shared connections are closed by their owner. */
  async close(): Promise<void> {}
}
