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
