/**
 * Presence on Redis, shared by every node: per room a sorted set of keys scored by their expiry
 * time and a hash of their values. Expiry times come from the Redis server's clock (`TIME` inside
 * each script), so nodes whose clocks disagree still agree on who is live. `expire` removes and
 * returns expired entries in one script: exactly one node gets each of them. Both keys of a room
 * carry a TTL a little past their newest entry, so an abandoned room leaves nothing behind.
 */
import type { Presence, PresenceEntry } from '../../core/ports/presence.ts';
import { redisUnavailable, type RedisConnections } from '../redis-client.ts';

/** Redis time in ms, as the scripts read it. */
const NOW_MS = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: set, values. ARGV: key, value, ttlMs. */
const TOUCH = `${NOW_MS}
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local keep = math.max(redis.call('PTTL', KEYS[1]), ttl + 1000)
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
return 1`;

/** KEYS: set, values. Returns [key, value, key, value, …] of live entries. */
const LIST = `${NOW_MS}
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
local out = {}
if #keys == 0 then return out end
local values = redis.call('HMGET', KEYS[2], unpack(keys))
for i, key in ipairs(keys) do out[#out + 1] = key; out[#out + 1] = values[i] or '' end
return out`;

/** KEYS: set, values. Removes expired entries; returns [key, value, …] of those removed. */
const EXPIRE = `${NOW_MS}
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {}
if #keys == 0 then return out end
local values = redis.call('HMGET', KEYS[2], unpack(keys))
redis.call('ZREM', KEYS[1], unpack(keys))
redis.call('HDEL', KEYS[2], unpack(keys))
for i, key in ipairs(keys) do out[#out + 1] = key; out[#out + 1] = values[i] or '' end
return out`;

export class RedisPresence implements Presence {
  readonly #redis: RedisConnections;
  readonly #touch: (...keysAndArgs: string[]) => Promise<unknown>;
  readonly #list: (...keysAndArgs: string[]) => Promise<unknown>;
  readonly #expire: (...keysAndArgs: string[]) => Promise<unknown>;

  constructor(redis: RedisConnections) {
    this.#redis = redis;
    this.#touch = redis.script(TOUCH, 2);
    this.#list = redis.script(LIST, 2);
    this.#expire = redis.script(EXPIRE, 2);
  }

  async touch(roomId: string, key: string, value: string, ttlMs: number): Promise<void> {
    await this.#touch(...this.#keys(roomId), key, value, String(Math.max(1, Math.round(ttlMs))));
  }

  async remove(roomId: string, key: string): Promise<void> {
    const [set, values] = this.#keys(roomId);
    try {
      await this.#redis.command.multi().zrem(set, key).hdel(values, key).exec();
    } catch (err) {
      throw redisUnavailable(err);
    }
  }

  async list(roomId: string): Promise<PresenceEntry[]> {
    return pairs(await this.#list(...this.#keys(roomId)));
  }

  async expire(roomId: string): Promise<PresenceEntry[]> {
    return pairs(await this.#expire(...this.#keys(roomId)));
  }

  /** The shared connections are closed by their owner. */
  async close(): Promise<void> {}

  #keys(roomId: string): [string, string] {
    const base = `${this.#redis.prefix}presence:${roomId}`;
    return [base, `${base}:values`];
  }
}

function pairs(reply: unknown): PresenceEntry[] {
  const flat = reply as string[];
  const entries: PresenceEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ key: flat[i] as string, value: flat[i + 1] as string });
  return entries;
}
