/**
 * RelayLog on Redis, shared by every node, so a member of a relay room resumes on any node. Per
 * room four keys, all expiring `ttlMs` after the last append (relay state is ephemeral):
 * - `relay:<room>` hash: `epoch`, and `seq`, the newest seq;
 * - `relay:<room>:events` list: the newest `bufferSize` events as JSON, oldest first (so the oldest
 *   buffered seq is `seq - LLEN + 1`);
 * - `relay:<room>:dedupe` hash: dedupe field `["<senderId>","<clientId>"]` → `[seq,createdAt,"<id>"]`
 *   of the event accepted with it;
 * - `relay:<room>:dedupe-at` sorted set: dedupe field → Unix ms (Redis clock) when it expires, so each
 *   append prunes up to 100 expired fields from both (memory: one small entry per event of the window).
 * Each method is one Lua script, so appends from many nodes get distinct, gap-free seqs and the
 * dedupe check cannot race; the dedupe window is measured on the Redis server's clock (`TIME`), the
 * same for every node. The event JSON is assembled around the seq inside the script.
 */
import { randomUUID } from 'node:crypto';
import type { TimelineEvent } from '../../protocol/index.ts';
import type { RelayLog, RelayLogOptions, RelayPosition } from '../../core/ports/relay-log.ts';
import type { AppendResult, NewEvent } from '../../core/ports/store.ts';
import type { PageQuery, TimelinePage, TimelineRead } from '../../core/ports/timeline.ts';
import { redisUnavailable, type RedisConnections } from '../redis-client.ts';
import { checkLimit, withSeq } from './memory-relay-log.ts';

/** The epoch of a room, created with ARGV[1] if it has none. Sets `epoch`, `seq`. */
const EPOCH = `local epoch = redis.call('HGET', KEYS[1], 'epoch')
local seq = 0
if epoch then seq = tonumber(redis.call('HGET', KEYS[1], 'seq')) else
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end`;

/** Lua expression (after {@link EPOCH}): the room's authority stamp `epoch:authority`, or '' while a change is under way. */
const STAMP = `(tonumber(redis.call('HGET', KEYS[1], 'changing') or '0') > 0 and '' or epoch .. ':' .. (redis.call('HGET', KEYS[1], 'authority') or '0'))`;

/**
 * KEYS: meta, events, dedupe, dedupe-at. ARGV: new epoch, ttlMs, bufferSize, dedupe field, JSON
 * before the seq, JSON after it, dedupe window ms, createdAt, id as JSON, the authority stamp the
 * append requires ('' for none).
 * Returns [epoch, new seq, 0], for a duplicate [epoch, `[seq,createdAt,"id"]`, 1, the original's
 * JSON if still buffered else ''], or [epoch, 0, 2] when the required stamp is not the room's.
 */
const APPEND = `${EPOCH}
if ARGV[10] ~= '' and ${STAMP} ~= ARGV[10] then return {epoch, 0, 2} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', string.format('%.0f', now), 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('HDEL', KEYS[3], unpack(expired))
  redis.call('ZREM', KEYS[4], unpack(expired))
end
local found = redis.call('HGET', KEYS[3], ARGV[4])
local expiresAt = tonumber(redis.call('ZSCORE', KEYS[4], ARGV[4]))
if found and expiresAt and expiresAt > now then
  local original = tonumber(string.match(found, '^%[(%d+),'))
  local oldest = seq - redis.call('LLEN', KEYS[2]) + 1
  local buffered = false
  if original >= oldest then buffered = redis.call('LINDEX', KEYS[2], original - oldest) end
  return {epoch, found, 1, buffered or ''}
end
seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[2], ARGV[5] .. seq .. ARGV[6])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('HSET', KEYS[3], ARGV[4], '[' .. seq .. ',' .. ARGV[8] .. ',' .. ARGV[9] .. ']')
redis.call('ZADD', KEYS[4], string.format('%.0f', now + tonumber(ARGV[7])), ARGV[4])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return {epoch, seq, 0}`;

/** KEYS: meta. ARGV: new epoch, ttlMs. Returns the room's authority stamp, or '' while a change is under way. */
const AUTHORITY = `${EPOCH}
return ${STAMP}`;

/**
 * KEYS: meta. ARGV: new epoch, ttlMs, 1 (a change begins) or -1 (one ends). Moves the stamp on and
 * counts the changes under way (never below 0: the room's state may have been forgotten meanwhile).
 */
const CHANGE = `${EPOCH}
redis.call('HINCRBY', KEYS[1], 'authority', 1)
local changing = tonumber(redis.call('HGET', KEYS[1], 'changing') or '0') + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'changing', math.max(0, changing))
return 1`;

/** KEYS: meta. ARGV: new epoch, ttlMs. Returns [epoch, seq]. */
const POSITION = `${EPOCH}
return {epoch, seq}`;

/**
 * KEYS: meta, events. ARGV: new epoch, ttlMs, after, limit. Returns [epoch, seq, oldest buffered
 * seq, the first `limit` buffered events with seq > after…].
 */
const SINCE = `${EPOCH}
local oldest = seq - redis.call('LLEN', KEYS[2]) + 1
local from = math.max(tonumber(ARGV[3]) + 1, oldest)
local out = {epoch, seq, oldest}
if from <= seq then
  local to = math.min(seq, from + tonumber(ARGV[4]) - 1)
  for _, entry in ipairs(redis.call('LRANGE', KEYS[2], from - oldest, to - oldest)) do out[#out + 1] = entry end
end
return out`;

/**
 * KEYS: meta, events. ARGV: after or '', before or '', limit (see PageQuery). Reads only.
 * Returns [1 if the buffer holds more beyond the page else 0, the page's events…].
 */
const PAGE = `local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local oldest = seq - redis.call('LLEN', KEYS[2]) + 1
local low, high = oldest, seq
if ARGV[1] ~= '' then low = math.max(low, tonumber(ARGV[1]) + 1) end
if ARGV[2] ~= '' then high = math.min(high, tonumber(ARGV[2]) - 1) end
if low > high then return {0} end
local limit = tonumber(ARGV[3])
local from, to, more
if ARGV[1] ~= '' then
  from = low
  to = math.min(high, low + limit - 1)
  more = to < high
else
  to = high
  from = math.max(low, high - limit + 1)
  more = from > low
end
local out = {0}
if more then out[1] = 1 end
for _, entry in ipairs(redis.call('LRANGE', KEYS[2], from - oldest, to - oldest)) do out[#out + 1] = entry end
return out`;

type Script = (...keysAndArgs: string[]) => Promise<unknown>;

export class RedisRelayLog implements RelayLog {
  readonly #redis: RedisConnections;
  readonly #append: Script;
  readonly #position: Script;
  readonly #since: Script;
  readonly #page: Script;
  readonly #authority: Script;
  readonly #change: Script;
  readonly bufferSize: number;
  readonly ttlMs: number;
  readonly dedupeWindowMs: number;

  /** @param options buffer size, room TTL and dedupe window (see {@link RelayLogOptions}). */
  constructor(redis: RedisConnections, options: RelayLogOptions) {
    this.#redis = redis;
    this.bufferSize = options.bufferSize;
    this.ttlMs = options.ttlMs;
    this.dedupeWindowMs = options.dedupeWindowMs;
    this.#append = redis.script(APPEND, 4);
    this.#position = redis.script(POSITION, 1);
    this.#since = redis.script(SINCE, 2);
    this.#page = redis.script(PAGE, 2);
    this.#authority = redis.script(AUTHORITY, 1);
    this.#change = redis.script(CHANGE, 1);
  }

  async append(input: NewEvent): Promise<AppendResult & { epoch: string }> {
    return (await this.#appendRequiring(input, '')) as AppendResult & { epoch: string };
  }

  appendIfAuthority(input: NewEvent, stamp: string): Promise<(AppendResult & { epoch: string }) | undefined> {
    return this.#appendRequiring(input, stamp);
  }

  async authority(roomId: string): Promise<string | undefined> {
    const [meta] = this.#keys(roomId);
    const stamp = (await this.#authority(meta, randomUUID(), String(this.ttlMs))) as string;
    return stamp === '' ? undefined : stamp;
  }

  async beginChange(roomId: string): Promise<void> {
    await this.#change(this.#keys(roomId)[0], randomUUID(), String(this.ttlMs), '1');
  }

  async endChange(roomId: string): Promise<void> {
    await this.#change(this.#keys(roomId)[0], randomUUID(), String(this.ttlMs), '-1');
  }

  /** Append, requiring the authority stamp `stamp` unless it is ''; undefined when it is not the room's. */
  async #appendRequiring(input: NewEvent, stamp: string): Promise<(AppendResult & { epoch: string }) | undefined> {
    const [meta, events, dedupe, dedupeAt] = this.#keys(input.roomId);
    // The event JSON with the seq first, split where the seq goes (undefined fields dropped, as JSON does).
    const tail = `,${JSON.stringify(input).slice(1)}`;
    const field = JSON.stringify([input.senderId, input.clientId]);
    const args = [randomUUID(), String(this.ttlMs), String(this.bufferSize), field, '{"seq":', tail, String(this.dedupeWindowMs), String(input.createdAt), JSON.stringify(input.id), stamp];
    const reply = (await this.#append(meta, events, dedupe, dedupeAt, ...args)) as [string, number, 0 | 2] | [string, string, 1, string];
    const epoch = reply[0];
    if (reply[2] === 2) return undefined;
    if (reply[2] !== 1) return { event: withSeq(input, Number(reply[1])), duplicate: false, epoch };
    const [seq, createdAt, id] = JSON.parse(reply[1]) as [number, number, string];
    const event = reply[3] !== '' ? (JSON.parse(reply[3]) as TimelineEvent) : { ...withSeq(input, seq), id, createdAt };
    return { event, duplicate: true, epoch };
  }

  async position(roomId: string): Promise<RelayPosition> {
    const [meta] = this.#keys(roomId);
    const [epoch, seq] = (await this.#position(meta, randomUUID(), String(this.ttlMs))) as [string, number];
    return { epoch, lastSeq: Number(seq) };
  }

  async since(roomId: string, after: number, limit: number): Promise<TimelineRead> {
    checkLimit(limit);
    const [meta, log] = this.#keys(roomId);
    const [epoch, seq, oldest, ...entries] = (await this.#since(meta, log, randomUUID(), String(this.ttlMs), String(after), String(limit))) as [string, number, number, ...string[]];
    const read = { epoch, lastSeq: Number(seq), events: entries.map((entry) => JSON.parse(entry) as TimelineEvent) };
    return after + 1 < Number(oldest) ? { ...read, missing: { from: after + 1, to: Number(oldest) - 1 } } : read;
  }

  async page(roomId: string, query: PageQuery): Promise<TimelinePage> {
    checkLimit(query.limit);
    const [meta, log] = this.#keys(roomId);
    const [more, ...entries] = (await this.#page(meta, log, query.after === undefined ? '' : String(query.after), query.before === undefined ? '' : String(query.before), String(query.limit))) as [number, ...string[]];
    return { events: entries.map((entry) => JSON.parse(entry) as TimelineEvent), hasMore: more === 1 };
  }

  async drop(roomId: string): Promise<void> {
    try {
      await this.#redis.command.del(...this.#keys(roomId));
    } catch (err) {
      throw redisUnavailable(err);
    }
  }

  #keys(roomId: string): [string, string, string, string] {
    const base = `${this.#redis.prefix}relay:${roomId}`;
    return [base, `${base}:events`, `${base}:dedupe`, `${base}:dedupe-at`];
  }
}
