/** The configuration schema: defaults, units, every problem reported at once, unknown PARLEY_* refused, frozen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../src/config.ts';

test('defaults give the embedded setup on port 3000 with a ./data directory', () => {
  const config = loadConfig({});
  assert.equal(config.http.port, 3000);
  assert.equal(config.dataDir, './data');
  assert.equal(config.env, 'development');
  assert.equal(config.ws.maxFrameBytes, 65536);
  assert.equal(config.ws.maxBufferedBytes, 1048576);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.ws));
});

test('PORT, HOST and DATA_DIR override, empty values count as unset, and numbers are coerced', () => {
  const config = loadConfig({ PORT: '8080', HOST: '127.0.0.1', DATA_DIR: '/tmp/x', PARLEY_MESSAGE_MAX_BYTES: '2048', LOG_LEVEL: '' });
  assert.deepEqual([config.http.port, config.http.host, config.dataDir, config.limits.messageMaxBytes, config.logLevel], [8080, '127.0.0.1', '/tmp/x', 2048, 'info']);
});

test('every invalid value and every unknown PARLEY_* variable is reported in one error', () => {
  try {
    loadConfig({ PORT: 'eighty', NODE_ENV: 'staging', PARLEY_WS_MAX_FRAME_BYTES: '1', PARLEY_TYPO_SETTING: '1', UNRELATED_VAR: 'fine' });
    assert.fail('expected ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    for (const name of ['PORT', 'NODE_ENV', 'PARLEY_WS_MAX_FRAME_BYTES', 'PARLEY_TYPO_SETTING']) assert.match(text, new RegExp(name));
    assert.doesNotMatch(text, /UNRELATED_VAR/);
    assert.equal(err.problems.length, 4);
  }
});

test('the store is SQLite by default; a postgres:// or postgresql:// DATABASE_URL selects PostgreSQL with a pool of PARLEY_PG_POOL_MAX', () => {
  assert.deepEqual(loadConfig({}).store, { databaseUrl: undefined, pgPoolMax: 10, sqliteSynchronous: 'FULL', groupCommitMaxBatch: 256, groupCommitWindowMs: 20 });
  for (const url of ['postgres://parley:pw@db:5432/chat', 'postgresql://db/chat?sslmode=require']) {
    const config = loadConfig({ DATABASE_URL: url, PARLEY_PG_POOL_MAX: '25' });
    assert.deepEqual([config.store.databaseUrl, config.store.pgPoolMax], [url, 25]);
  }
});

test('a DATABASE_URL of another scheme is refused by name, without echoing its value', () => {
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://root:topsecret@db/chat', PARLEY_PG_POOL_MAX: '0' }), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 2);
    assert.match(err.message, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.match(err.message, /PARLEY_PG_POOL_MAX/);
    assert.doesNotMatch(err.message, /topsecret/);
    return true;
  });
});

test('variables read only by the test suite (PARLEY_SKIP_SERVICES, PARLEY_TEST_*) are accepted and ignored', () => {
  const config = loadConfig({ PARLEY_SKIP_SERVICES: 'postgres,redis', PARLEY_TEST_DATABASE_URL: 'postgres://x/y', PARLEY_TEST_REDIS_URL: 'redis://x' });
  assert.deepEqual(config, loadConfig({}));
});

test('without REDIS_URL the engines are in-process; a redis:// or rediss:// URL selects Redis, and other schemes are refused by name', () => {
  assert.deepEqual(loadConfig({}).redis, { url: undefined, prefix: 'parley:', heartbeatMs: 1000 });
  const config = loadConfig({ REDIS_URL: 'rediss://:pw@cache:6380/2', PARLEY_REDIS_PREFIX: 'chat-eu:', PARLEY_REDIS_HEARTBEAT_MS: '500' });
  assert.deepEqual(config.redis, { url: 'rediss://:pw@cache:6380/2', prefix: 'chat-eu:', heartbeatMs: 500 });
  assert.throws(() => loadConfig({ REDIS_URL: 'memcached://:topsecret@cache', PARLEY_REDIS_PREFIX: 'has space' }), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems.map((p) => p.split(':')[0]).sort(), ['PARLEY_REDIS_PREFIX', 'REDIS_URL']);
    assert.doesNotMatch(err.message, /topsecret/);
    return true;
  });
});

test('limits: PARLEY_TRUST_PROXY takes addresses, CIDR ranges and named ranges only, and the headers timeout may not exceed the request timeout', () => {
  assert.deepEqual(loadConfig({ PARLEY_TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::1' }).http.trustProxy, ['loopback', '10.0.0.0/8', '2001:db8::1']);
  assert.deepEqual(loadConfig({}).http.trustProxy, []);
  assert.throws(() => loadConfig({ PARLEY_TRUST_PROXY: '*' }), /PARLEY_TRUST_PROXY: "\*"/, 'every proxy is named');
  assert.throws(
    () => loadConfig({ PARLEY_TRUST_PROXY: 'proxy.internal,10.0.0.0/33', PARLEY_HTTP_HEADERS_TIMEOUT_MS: '20000', PARLEY_HTTP_REQUEST_TIMEOUT_MS: '15000' }),
    (err: ConfigError) => {
      assert.equal(err.problems.length, 3);
      assert.ok(err.problems.some((p) => p.includes('"proxy.internal"')));
      assert.ok(err.problems.some((p) => p.includes('"10.0.0.0/33"')));
      assert.ok(err.problems.some((p) => p.startsWith('PARLEY_HTTP_HEADERS_TIMEOUT_MS')));
      return true;
    },
  );
  assert.equal(loadConfig({}).ws.compression, undefined, 'permessage-deflate is off by default');
  assert.deepEqual(loadConfig({ PARLEY_WS_COMPRESSION: 'on' }).ws.compression, { thresholdBytes: 1024, concurrency: 10 });
});

test('an allowed origin or an integrator origin that is not a URL is reported as a problem, never thrown as a TypeError', () => {
  const integrators = JSON.stringify([{ id: 'acme', secret: 'x'.repeat(40), allowedOrigins: ['nope'] }]);
  assert.throws(
    () => loadConfig({ PARLEY_ALLOWED_ORIGINS: 'foo', PARLEY_EMBED_INTEGRATORS: integrators }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(err.problems.some((p) => p.startsWith('PARLEY_ALLOWED_ORIGINS: "foo"')), err.problems.join('; '));
      assert.ok(err.problems.some((p) => p.startsWith('PARLEY_EMBED_INTEGRATORS') && p.includes('must be an origin')), err.problems.join('; '));
      return true;
    },
  );
});
