/**
 * The pg connection pool behind the PostgreSQL Store, with the session settings the Store's
 * promises rest on. They are sent in each connection's startup packet (`options`), so every
 * connection has them before its first query and no pooled connection can miss them:
 * - `synchronous_commit=on`: a COMMIT returns only after its WAL is flushed to disk, so an ack sent
 *   after commit survives a crash of the database server (DESIGN.md rule 11);
 * - `lock_timeout`: a transaction waiting longer than this for a room row lock (held by another
 *   node's batch) fails, and its appends reject with `STORE_UNAVAILABLE` instead of hanging;
 * - `idle_in_transaction_session_timeout`: the server ends a session that stays inside a transaction
 *   without sending anything for {@link IDLE_IN_TRANSACTION_TIMEOUT_MS} (a frozen or partitioned
 *   node), so the room locks it holds cannot stall the other nodes for longer than that;
 * - `search_path` (optional): the schema holding the tables, so several stores can share one
 *   database (tests give each suite its own schema).
 *
 * Types: `int8` (seq, last_seq, times, `count(*)`) is parsed to a JS number, per pool rather than
 * through pg's process-wide parser table; a value beyond 2^53 fails its query rather than lose
 * precision.
 */
import pg from 'pg';

/** Options of {@link createPool}. */
export interface PoolOptions {
  /** `postgres://user:password@host:port/database?…`; an `options` parameter in it is kept, ours after it. */
  readonly url: string;
  /** Most connections. */
  readonly poolMax: number;
  /** Schema put alone on `search_path`: a lowercase SQL identifier of an existing schema. */
  readonly schema?: string | undefined;
  /** `application_name` of every connection, as `pg_stat_activity` shows it. */
  readonly applicationName: string;
  /** Longest wait for a row lock, in milliseconds. */
  readonly lockTimeoutMs: number;
  /** Longest wait for a new connection (TCP and authentication), in milliseconds. */
  readonly connectTimeoutMs: number;
  /** Called with each error of a connection outside any query (the server ended it); the pool drops that connection. */
  readonly onConnectionError: (err: Error) => void;
}

/**
 * Longest silence of a session inside a transaction before the server ends it, in milliseconds.
 * The Store's transactions send their statements back to back, so only a stuck node reaches it.
 */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Create the pool (no connection is opened yet).
 * @throws RangeError when `schema` is not a lowercase SQL identifier or `poolMax` < 1.
 */
export function createPool(options: PoolOptions): pg.Pool {
  if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) {
    throw new RangeError(`schema must be a lowercase SQL identifier, got ${JSON.stringify(options.schema)}`);
  }
  if (!Number.isInteger(options.poolMax) || options.poolMax < 1) throw new RangeError(`poolMax must be a positive integer, got ${options.poolMax}`);
  const settings = [
    '-c synchronous_commit=on',
    `-c lock_timeout=${Math.round(options.lockTimeoutMs)}`,
    `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
  ];
  if (options.schema !== undefined) settings.push(`-c search_path=${options.schema}`);
  const { url, options: urlOptions } = splitOptions(options.url);
  const pool = new pg.Pool({
    connectionString: url,
    options: [urlOptions, ...settings].filter((o) => o !== undefined && o !== '').join(' '),
    max: options.poolMax,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
    // Idle connections do not keep the process alive; close() still ends them.
    allowExitOnIdle: true,
    types: { getTypeParser: getTypeParser as typeof pg.types.getTypeParser },
  });
  // A connection the server ends (restart, pg_terminate_backend) emits 'error' on its client even
  // while checked out between two queries; without a listener that would crash the process. The
  // pool re-emits idle clients' errors, already reported by the client listener.
  pool.on('connect', (client) => client.on('error', options.onConnectionError));
  pool.on('error', () => {});
  return pool;
}

/**
 * A connection URL without its `options` query parameter, and that parameter: pg lets the URL's
 * parameters override the config object, so ours are merged into one `options` value instead.
 */
function splitOptions(url: string): { url: string; options: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, options: undefined };
  }
  const options = parsed.searchParams.get('options') ?? undefined;
  if (options === undefined) return { url, options };
  parsed.searchParams.delete('options');
  return { url: parsed.toString(), options };
}

function getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
  if (oid === pg.types.builtins.INT8 && format !== 'binary') return parseInt8;
  return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
}

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} is beyond JavaScript's safe integers`);
  return n;
}
