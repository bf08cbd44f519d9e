/**
 * Several Parley nodes on one PostgreSQL schema and one Redis prefix (the scale-out configuration),
 * for tests of what many nodes must do as one. In-process nodes (`startServer`) by default; the
 * environment for separate processes (`startNodeProcess`) is available as `env` for tests that kill nodes.
 */
import { randomBytes } from 'node:crypto';
import { createPostgresSchema, type PostgresSchema } from './services.ts';
import { deleteKeys } from './redis.ts';
import { startServer, UNTHROTTLED, type TestServer } from './server.ts';

export interface Cluster extends AsyncDisposable {
  readonly nodes: TestServer[];
  /** Settings every node of this cluster shares (database schema, Redis prefix, admin token, session secret, unthrottled limits unless `extra` sets them). */
  readonly env: Record<string, string>;
  readonly schema: string;
  /** `application_name` of every node's database connections (to find them in pg_stat_activity). */
  readonly applicationName: string;
  readonly redisPrefix: string;
  /** Start one more in-process node on the same backends. */
  addNode(extra?: Record<string, string>): Promise<TestServer>;
}

/**
 * Start `count` in-process nodes (0: none, for tests that run nodes as processes with `env`) sharing a fresh schema of the PostgreSQL at `databaseUrl` and a
 * fresh prefix of the Redis at `redisUrl`; `extra` adds settings. Disposing stops every node, drops
 * the schema and deletes the prefix's keys.
 */
export async function startCluster(count: number, urls: { databaseUrl: string; redisUrl: string }, extra: Record<string, string> = {}): Promise<Cluster> {
  const schema: PostgresSchema = await createPostgresSchema(urls.databaseUrl);
  const redisPrefix = `parley-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const separator = urls.databaseUrl.includes('?') ? '&' : '?';
  const applicationName = schema.name;
  const env: Record<string, string> = {
    DATABASE_URL: `${urls.databaseUrl}${separator}application_name=${applicationName}&options=${encodeURIComponent(`-c search_path=${schema.name}`)}`,
    REDIS_URL: urls.redisUrl,
    PARLEY_REDIS_PREFIX: redisPrefix,
    PARLEY_ADMIN_TOKEN: randomBytes(32).toString('base64url'),
    PARLEY_SESSION_SECRET: randomBytes(32).toString('base64url'),
    ...UNTHROTTLED,
    ...extra,
  };
  const nodes: TestServer[] = [];
  const addNode = async (more: Record<string, string> = {}) => {
    const node = await startServer({ ...env, ...more });
    nodes.push(node);
    return node;
  };
  try {
    for (let i = 0; i < count; i++) await addNode();
  } catch (err) {
    await Promise.all(nodes.map((n) => n.close()));
    await schema[Symbol.asyncDispose]();
    throw err;
  }
  return {
    nodes,
    env,
    schema: schema.name,
    applicationName,
    redisPrefix,
    addNode,
    async [Symbol.asyncDispose]() {
      await Promise.all(nodes.map((n) => n.close()));
      await schema[Symbol.asyncDispose]();
      await deleteKeys(urls.redisUrl, redisPrefix);
    },
  };
}
