/**
 * The device cookie (src/auth/device-cookie.ts): it names the account it was issued for, and a
 * forged, altered, foreign-secret, future or expired value names nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_COOKIE_MAX_AGE_MS, DeviceCookies } from '../../src/auth/device-cookie.ts';

const SECRET = 'a-session-secret-of-some-length-0123456789';
const NOW = Date.UTC(2030, 0, 1);

test('a device cookie names the account it was issued for until it is 180 days old', () => {
  let now = NOW;
  const devices = new DeviceCookies(SECRET, () => now);
  const { value, expiresAt } = devices.issue('ada.lovelace');
  assert.equal(expiresAt, NOW + DEVICE_COOKIE_MAX_AGE_MS);
  assert.equal(DEVICE_COOKIE_MAX_AGE_MS, 180 * 24 * 3600_000);
  assert.equal(devices.accountOf(value), 'ada.lovelace');
  now = expiresAt - 1;
  assert.equal(devices.accountOf(value), 'ada.lovelace');
  now = expiresAt;
  assert.equal(devices.accountOf(value), undefined, 'expired');
});

test('a forged, altered, foreign or future device cookie names no account', () => {
  const devices = new DeviceCookies(SECRET, () => NOW);
  const { value } = devices.issue('ada');
  const [version, , issued, signature] = value.split('.');
  assert.equal(devices.accountOf(`${version}.${Buffer.from('grace').toString('base64url')}.${issued}.${signature}`), undefined, 'another name under the same signature');
  assert.equal(devices.accountOf(`${version}.${Buffer.from('ada').toString('base64url')}.${Number(issued) + 1}.${signature}`), undefined, 'another date');
  assert.equal(devices.accountOf(new DeviceCookies('another-secret-of-some-length-0123456789', () => NOW).issue('ada').value), undefined, 'another secret');
  assert.equal(devices.accountOf(new DeviceCookies(SECRET, () => NOW + 60_000).issue('ada').value), undefined, 'issued in the future');
  for (const junk of [undefined, '', 'v1', 'v1.a.b', `v2.${value.slice(3)}`, `${value}.x`, 'x'.repeat(600)]) assert.equal(devices.accountOf(junk), undefined, String(junk).slice(0, 20));
});
