/**
 * Presence on Redis, shared by every node. Per room:
 * - `presence:{room}`: sorted set of entries (`memberId/connectionId`) scored by expiry time, so
 *   `expire` finds the expired ones without reading the live ones;
 * - `presence:{room}:values`: hash of entry → value (display name);
 * - `presence:{room}:members`: sorted set of member ids scored by their newest entry's expiry, so
 *   `list` reads `limit` members (`ZRANGEBYSCORE … LIMIT`) and `present` one score per member;
 * - `presence:{room}:member:{memberId}`: sorted set of that member's connection ids scored by
 *   expiry, the per-member index that gives the newest expiry again when one entry goes, in
 *   O(that member's entries).
 * The scripts keep the four in step; `expire` removes and returns expired entries in one script, so
 * exactly one node gets each of them. Expiry times come from the Redis server's clock (`TIME`
 * inside each script), so nodes whose clocks disagree still agree on who is live. Every key of a
 * room carries a TTL a little past the room's newest entry, so an abandoned room leaves nothing
 * behind. The member keys are named inside the `expire` script: one Redis server, not a cluster.
 */
import type { Presence, PresenceEntry, PresenceKey } from '../../core/ports/presence.ts';
import type { RedisConnections } from '../redis-client.ts';

/** Redis time in ms, as the scripts read it. */
const NOW_MS = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Set a member's score in the members set to their newest entry's expiry, or drop them when they have none. */
const RESCORE = `local function rescore(members, index, member)
  local newest = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
  if #newest == 0 then redis.call('ZREM', members, member) else redis.call('ZADD', members, newest[2], member) end
end`;

/** KEYS: entries, values, members, member index. ARGV: memberId, connectionId, value, ttlMs. */
const TOUCH = `${NOW_MS}
${RESCORE}
local ttl = tonumber(ARGV[4])
local entry = ARGV[1] .. '/' .. ARGV[2]
redis.call('ZADD', KEYS[1], now + ttl, entry)
redis.call('HSET', KEYS[2], entry, ARGV[3])
redis.call('ZADD', KEYS[4], now + ttl, ARGV[2])
rescore(KEYS[3], KEYS[4], ARGV[1])
local keep = math.max(redis.call('PTTL', KEYS[1]), ttl + 1000)
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], keep) end
return 1`;

/** KEYS: entries, values, members, member index. ARGV: memberId, connectionId. */
const REMOVE = `${RESCORE}
local entry = ARGV[1] .. '/' .. ARGV[2]
redis.call('ZREM', KEYS[1], entry)
redis.call('HDEL', KEYS[2], entry)
redis.call('ZREM', KEYS[4], ARGV[2])
rescore(KEYS[3], KEYS[4], ARGV[1])
return 1`;

/** KEYS: members. ARGV: limit. Returns up to `limit` member ids whose newest entry is live. */
const LIST = `${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'LIMIT', 0, tonumber(ARGV[1]))`;

/** KEYS: members. ARGV: member ids. Returns those whose newest entry is live (one ZSCORE each: no `unpack` of a long list). */
const PRESENT = `${NOW_MS}
local out = {}
for _, member in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], member)
  if score and tonumber(score) > now then out[#out + 1] = member end
end
return out`;

/**
 * KEYS: entries, values, members. ARGV: prefix of the member index keys. Removes expired entries
 * one by one (no `unpack` of a long list: Lua's stack is limited); returns [memberId, connectionId,
 * value, …] of those removed.
 */
const EXPIRE = `${NOW_MS}
${RESCORE}
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {}
for _, entry in ipairs(entries) do
  local member, connection = string.match(entry, '^(.*)/([^/]*)$')
  local value = redis.call('HGET', KEYS[2], entry)
  redis.call('ZREM', KEYS[1], entry)
  redis.call('HDEL', KEYS[2], entry)
  if member then
    local index = ARGV[1] .. member
    redis.call('ZREM', index, connection)
    rescore(KEYS[3], index, member)
    out[#out + 1] = member; out[#out + 1] = connection; out[#out + 1] = value or ''
  end
end
return out`;

export class RedisPresence implements Presence {
  readonly #redis: RedisConnections;
  readonly #touch: (...keysAndArgs: string[]) => Promise<unknown>;
  readonly #remove: (...keysAndArgs: string[]) => Promise<unknown>;
  readonly #list: (...keysAndArgs: string[]) => Promise<unknown>;
  readonly #present: (...keysAndArgs: string[]) => Promise<unknown>;
  readonly #expire: (...keysAndArgs: string[]) => Promise<unknown>;

  constructor(redis: RedisConnections) {
    this.#redis = redis;
    this.#touch = redis.script(TOUCH, 4);
    this.#remove = redis.script(REMOVE, 4);
    this.#list = redis.script(LIST, 1);
    this.#present = redis.script(PRESENT, 1);
    this.#expire = redis.script(EXPIRE, 3);
  }

  async touch(roomId: string, entry: PresenceEntry, ttlMs: number): Promise<void> {
    const keys = this.#keys(roomId);
    await this.#touch(keys.entries, keys.values, keys.members, keys.index + entry.memberId, entry.memberId, entry.connectionId, entry.value, String(Math.max(1, Math.round(ttlMs))));
  }

  async remove(roomId: string, key: PresenceKey): Promise<void> {
    const keys = this.#keys(roomId);
    await this.#remove(keys.entries, keys.values, keys.members, keys.index + key.memberId, key.memberId, key.connectionId);
  }

  async list(roomId: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    return (await this.#list(this.#keys(roomId).members, String(Math.floor(limit)))) as string[];
  }

  async present(roomId: string, memberIds: readonly string[]): Promise<Set<string>> {
    if (memberIds.length === 0) return new Set();
    return new Set((await this.#present(this.#keys(roomId).members, ...memberIds)) as string[]);
  }

  async expire(roomId: string): Promise<PresenceEntry[]> {
    const keys = this.#keys(roomId);
    const flat = (await this.#expire(keys.entries, keys.values, keys.members, keys.index)) as string[];
    const entries: PresenceEntry[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) entries.push({ memberId: flat[i] as string, connectionId: flat[i + 1] as string, value: flat[i + 2] as string });
    return entries;
  }

  /** The shared connections are closed by their owner. */
  async close(): Promise<void> {}

  #keys(roomId: string): { entries: string; values: string; members: string; index: string } {
    const base = `${this.#redis.prefix}presence:${roomId}`;
    return { entries: base, values: `${base}:values`, members: `${base}:members`, index: `${base}:member:` };
  }
}
