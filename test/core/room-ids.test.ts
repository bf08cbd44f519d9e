/**
 * Room ids (src/core/rooms.ts `newRoomId`): 12 base64url characters that never start with `-` or
 * `_`, so an id given after a command-line option is not taken for an option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRoomId } from '../../src/core/rooms.ts';

test('new room ids are 12 base64url characters starting with a letter or a digit, and distinct', () => {
  // With plain base64url, 1 id in 32 starts with - or _: among 2,000 some would.
  const ids = Array.from({ length: 2000 }, newRoomId);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{11}$/);
  assert.equal(new Set(ids).size, ids.length);
});
