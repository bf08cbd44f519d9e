/**
 * Service checks for suites that run against real servers (STYLE C4, C13: real services, no mocks).
 *
 * `await requirePostgres()` (or `requireRedis()`) at the top of a test file resolves to the
 * service's URL when it answers. When it does not, the check registers a FAILING test whose message
 * names the service, the address tried and the command that starts it, and resolves to undefined so
 * the file registers nothing else. A developer without the service may opt out with
 * `PARLEY_SKIP_SERVICES=postgres,redis` (comma list): the check then registers a SKIPPED test saying
 * so, and resolves to undefined. CI never sets the variable, so there a missing service always fails.
 *
 * URLs: `PARLEY_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`) and
 * `PARLEY_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`). These variables, like
 * PARLEY_SKIP_SERVICES, are read by the tests only (src/config.ts lists them as test-only).
 */
import { test } from 'node:test';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Services a suite may require, with how to start each on a Debian machine like CI's. */
const SERVICES = {
  postgres: {
    label: 'PostgreSQL',
    urlVariable: 'PARLEY_TEST_DATABASE_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    probe: probePostgres,
  },
  redis: {
    label: 'Redis',
    urlVariable: 'PARLEY_TEST_REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    start: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
    probe: probeRedis,
  },
} as const;

type ServiceName = keyof typeof SERVICES;

/** Longest wait for a service to answer its probe. */
const PROBE_TIMEOUT_MS = 3000;

/** The PostgreSQL URL for tests, or undefined after registering a failing (unreachable) or skipped (opted out) test. */
export function requirePostgres(): Promise<string | undefined> {
  return requireService('postgres');
}

/** The Redis URL for tests, or undefined after registering a failing (unreachable) or skipped (opted out) test. */
export function requireRedis(): Promise<string | undefined> {
  return requireService('redis');
}

/** A uniquely named, empty PostgreSQL schema; disposing it drops it with everything in it. */
export interface PostgresSchema extends AsyncDisposable {
  readonly name: string;
}

let schemas = 0;

/**
 * Create a fresh schema in the database at `url`, named after this process so parallel test files
 * and repeated runs never collide. Use with `await using` or dispose it in the factory's `dispose`.
 */
export async function createPostgresSchema(url: string): Promise<PostgresSchema> {
  schemas += 1;
  const name = `parley_test_${process.pid}_${schemas}_${randomBytes(3).toString('hex')}`;
  await withPostgresClient(url, (client) => client.query(`create schema ${name}`));
  return {
    name,
    [Symbol.asyncDispose]: () =>
      withPostgresClient(url, async (client) => {
        await client.query(`drop schema if exists ${name} cascade`);
      }),
  };
}

/** Run `fn` on a new single connection to `url` (not a pool), ended afterwards whatever happens. */
export async function withPostgresClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => {}); // a terminated admin connection surfaces through its query instead
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The services named in PARLEY_SKIP_SERVICES. @throws Error naming an unknown service. */
function skippedServices(): Set<ServiceName> {
  const names = (process.env.PARLEY_SKIP_SERVICES ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!Object.hasOwn(SERVICES, name)) throw new Error(`PARLEY_SKIP_SERVICES: unknown service "${name}" (known: ${Object.keys(SERVICES).join(', ')})`);
  }
  return new Set(names as ServiceName[]);
}

async function requireService(name: ServiceName): Promise<string | undefined> {
  const service = SERVICES[name];
  if (skippedServices().has(name)) {
    test(`${service.label} suites`, { skip: `${service.label} not tested: PARLEY_SKIP_SERVICES=${process.env.PARLEY_SKIP_SERVICES}` }, () => {});
    return undefined;
  }
  const url = process.env[service.urlVariable] || service.defaultUrl;
  try {
    await service.probe(url);
    return url;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const message =
      `${service.label} is required by this suite but is not reachable at ${withoutPassword(url)} (${reason}).\n` +
      `Start it with:  ${service.start}\n` +
      `(set ${service.urlVariable} to use another server, or PARLEY_SKIP_SERVICES=${name} to skip these suites locally)`;
    test(`${service.label} is reachable for this suite`, () => {
      throw new Error(message);
    });
    return undefined;
  }
}

async function probePostgres(url: string): Promise<void> {
  await withPostgresClient(url, (client) => client.query('select 1'));
}

/** Send an inline PING and expect +PONG, over a bare socket (no Redis client needed). */
function probeRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS).unref();
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (!reply.includes('\r\n')) return;
      clearTimeout(timer);
      socket.end();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`unexpected reply ${JSON.stringify(reply.trim())}`));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => reject(new Error('connection closed without a reply')));
  });
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
