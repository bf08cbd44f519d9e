/**
 * The Docker deployment (issue 6): `deploy/compose.yaml` and the `Dockerfile` are checked against
 * the code they run, so a renamed setting, script or route breaks this test rather than a
 * deployment: every node's environment passes `loadConfig` in production (secrets from the
 * required variables), the nodes share their backends and secrets, nginx routes to the node
 * services, the drain fits in the stop grace period, and the image's command and health check
 * name a file and a route that exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { startServer } from './support/server.ts';

type Service = { build?: string; environment?: Record<string, string>; stop_grace_period?: string; volumes?: string[]; networks?: unknown; image?: string };
const compose = parse(readFileSync('deploy/compose.yaml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const nodes = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

/** Substitute `${NAME:?message}` as docker compose does, from `vars`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`${name} is required`);
    return v;
  });
}

test('compose: two Parley nodes whose production environment is valid, on one database, one Redis and shared secrets', () => {
  assert.equal(nodes.length, 2);
  const vars = { PARLEY_ADMIN_TOKEN: randomBytes(32).toString('base64url'), PARLEY_SESSION_SECRET: randomBytes(32).toString('base64url') };
  const configs = nodes.map(([name, service]) => {
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]));
    assert.throws(() => interpolate(String(service.environment?.PARLEY_SESSION_SECRET), {}), /required/, `${name}: the session secret must be required`);
    const config = loadConfig({ ...env, DATA_DIR: '/data', HOST: '0.0.0.0', PORT: '3000' });
    assert.equal(config.env, 'production', name);
    assert.ok(service.volumes?.some((v) => v.endsWith(':/data')), `${name}: DATA_DIR on a volume`);
    const grace = Number(/^(\d+)s$/.exec(service.stop_grace_period ?? '')?.[1] ?? 0) * 1000;
    assert.ok(grace > config.shutdownTimeoutMs, `${name}: stop_grace_period must outlast PARLEY_SHUTDOWN_TIMEOUT_MS`);
    return config;
  });
  const [a, b] = configs;
  assert.ok(a?.store.databaseUrl !== undefined && a.redis.url !== undefined);
  assert.equal(a.store.databaseUrl, b?.store.databaseUrl);
  assert.equal(a.redis.url, b?.redis.url);
  assert.equal(a.adminToken, b?.adminToken);
  assert.equal(a.auth.sessionSecret, b?.auth.sessionSecret);
  assert.ok(compose.services.postgres && compose.services.redis, 'the backends run in the compose file');
});

test('compose: nginx proxies WebSockets to both node services and is the only trusted proxy', () => {
  const nginx = readFileSync('deploy/nginx.conf', 'utf8');
  const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(upstreams.sort(), nodes.map(([name]) => `${name}:3000`).sort());
  assert.match(nginx, /proxy_set_header Upgrade \$http_upgrade/);
  assert.match(nginx, /proxy_next_upstream[^;]*http_503/);
  const nginxAddress = JSON.stringify(compose.services.nginx?.networks).match(/\d+\.\d+\.\d+\.\d+/)?.[0];
  for (const [, service] of nodes) assert.equal(service.environment?.PARLEY_TRUST_PROXY, nginxAddress);
});

test('Dockerfile: runs `parley serve` from a file that exists, in production, and health-checks a route that answers', async () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
  assert.equal(cmd[0], 'node');
  assert.ok(existsSync(cmd[1] ?? ''), `${cmd[1]} is missing`);
  assert.equal(cmd[2], 'serve');
  assert.match(dockerfile, /ENV NODE_ENV=production/);
  assert.match(dockerfile, /^USER node$/m);
  const route = /fetch\('http:\/\/127\.0\.0\.1:' \+ process\.env\.PORT \+ '(\/[a-z]+)'\)/.exec(dockerfile)?.[1];
  assert.equal(route, '/ready');
  await using server = await startServer();
  assert.equal((await fetch(`${server.url}${route}`)).status, 200);
  const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
  for (const path of ['node_modules', 'data', '.git']) assert.ok(ignored.includes(path), `.dockerignore must exclude ${path}`);
});
