/**
 * RelayLog on Redis, shared by every node, so a member of a relay room resumes on any node. Per
 * room three keys, all expiring `ttlMs` after the last append (relay state is ephemeral):
 * - `relay:<room>` hash: `epoch`, and `seq`, the newest seq;
 * - `relay:<room>:log` list: the newest `bufferSize` messages, oldest first, each stored as its
 *   dedupe field, a NUL, and the message JSON (neither holds a raw NUL);
 * - `relay:<room>:sent` hash: dedupe field `["<senderId>","<clientId>"]` → message JSON, for the
 *   messages still in the list.
 * Each method is one Lua script, so appends from many nodes get distinct, gap-free seqs and the
 * dedupe check cannot race. The message JSON is assembled around the seq inside the script.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '../../protocol/index.ts';
import type { RelayLog, RelayPosition } from '../../core/ports/relay-log.ts';
import type { AppendResult, NewMessage } from '../../core/ports/store.ts';
import { redisUnavailable, type RedisConnections } from '../redis-client.ts';

/** The epoch of a room, created with ARGV[1] if it has none. Sets `epoch`, `seq`. */
const EPOCH = `local epoch = redis.call('HGET', KEYS[1], 'epoch')
local seq = 0
if epoch then seq = tonumber(redis.call('HGET', KEYS[1], 'seq')) else
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end`;

/**
 * KEYS: meta, log, sent. ARGV: new epoch, ttlMs, bufferSize, dedupe field, JSON before the seq,
 * JSON after it. Returns [epoch, the stored message JSON, 1] for a duplicate, else [epoch, new seq, 0].
 */
const APPEND = `${EPOCH}
local found = redis.call('HGET', KEYS[3], ARGV[4])
if found then return {epoch, found, 1} end
seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local json = ARGV[5] .. seq .. ARGV[6]
redis.call('RPUSH', KEYS[2], ARGV[4] .. '\\0' .. json)
redis.call('HSET', KEYS[3], ARGV[4], json)
local over = redis.call('LLEN', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  local evicted = redis.call('LPOP', KEYS[2], over)
  for _, entry in ipairs(evicted) do redis.call('HDEL', KEYS[3], string.sub(entry, 1, string.find(entry, '\\0', 1, true) - 1)) end
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return {epoch, seq, 0}`;

/** KEYS: meta. ARGV: new epoch, ttlMs. Returns [epoch, seq]. */
const POSITION = `${EPOCH}
return {epoch, seq}`;

/**
 * KEYS: meta, log. ARGV: new epoch, ttlMs, since. Returns [epoch, seq, oldest buffered seq,
 * entries with seq > since…].
 */
const SINCE = `${EPOCH}
local length = redis.call('LLEN', KEYS[2])
local oldest = seq - length + 1
local from = math.max(tonumber(ARGV[3]) + 1, oldest)
local out = {epoch, seq, oldest}
if from <= seq then
  local entries = redis.call('LRANGE', KEYS[2], from - oldest, -1)
  for _, entry in ipairs(entries) do out[#out + 1] = entry end
end
return out`;

type Script = (...keysAndArgs: string[]) => Promise<unknown>;

export class RedisRelayLog implements RelayLog {
  readonly #redis: RedisConnections;
  readonly #append: Script;
  readonly #position: Script;
  readonly #since: Script;

  /**
   * @param bufferSize messages kept per room for resume (PARLEY_RELAY_BUFFER_SIZE).
   * @param ttlMs a room without appends for this long is forgotten (PARLEY_RELAY_TTL_MS).
   */
  constructor(
    redis: RedisConnections,
    readonly bufferSize: number,
    readonly ttlMs: number,
  ) {
    this.#redis = redis;
    this.#append = redis.script(APPEND, 3);
    this.#position = redis.script(POSITION, 1);
    this.#since = redis.script(SINCE, 2);
  }

  async append(input: NewMessage): Promise<AppendResult & { epoch: string }> {
    const [meta, log, sent] = this.#keys(input.roomId);
    // The message JSON in field order, split where the seq goes.
    const head = `{"id":${JSON.stringify(input.id)},"roomId":${JSON.stringify(input.roomId)},"seq":`;
    const tail = `,"senderId":${JSON.stringify(input.senderId)},"senderName":${JSON.stringify(input.senderName)},"clientId":${JSON.stringify(input.clientId)},"type":${JSON.stringify(input.type)},"body":${JSON.stringify(input.body)},"createdAt":${input.createdAt}}`;
    const field = JSON.stringify([input.senderId, input.clientId]);
    const [epoch, stored, duplicate] = (await this.#append(meta, log, sent, randomUUID(), String(this.ttlMs), String(this.bufferSize), field, head, tail)) as [string, string, 1] | [string, number, 0];
    if (duplicate === 1) return { message: JSON.parse(stored) as Message, duplicate: true, epoch };
    const message: Message = { id: input.id, roomId: input.roomId, seq: stored, senderId: input.senderId, senderName: input.senderName, clientId: input.clientId, type: input.type, body: input.body, createdAt: input.createdAt };
    return { message, duplicate: false, epoch };
  }

  async position(roomId: string): Promise<RelayPosition> {
    const [meta] = this.#keys(roomId);
    const [epoch, seq] = (await this.#position(meta, randomUUID(), String(this.ttlMs))) as [string, number];
    return { epoch, lastSeq: Number(seq) };
  }

  async since(roomId: string, since: number): Promise<RelayPosition & { messages: Message[]; missing?: { from: number; to: number } }> {
    const [meta, log] = this.#keys(roomId);
    const [epoch, seq, oldest, ...entries] = (await this.#since(meta, log, randomUUID(), String(this.ttlMs), String(since))) as [string, number, number, ...string[]];
    const messages = entries.map((entry) => JSON.parse(entry.slice(entry.indexOf('\u0000') + 1)) as Message);
    const position = { epoch, lastSeq: Number(seq), messages };
    return since + 1 < Number(oldest) ? { ...position, missing: { from: since + 1, to: Number(oldest) - 1 } } : position;
  }

  async drop(roomId: string): Promise<void> {
    try {
      await this.#redis.command.del(...this.#keys(roomId));
    } catch (err) {
      throw redisUnavailable(err);
    }
  }

  #keys(roomId: string): [string, string, string] {
    const base = `${this.#redis.prefix}relay:${roomId}`;
    return [base, `${base}:log`, `${base}:sent`];
  }
}
