/**
 * Room join codes: issue, check and rotate. A code is 10 characters from an alphabet without
 * look-alikes (about 50 bits); only its SHA-256 is stored, and checks run in constant time.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { ParleyError } from '../protocol/index.ts';
import type { RoomRecord } from '../core/ports/store.ts';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const LENGTH = 10;

/** A fresh join code and the hash to store. */
export function issueJoinCode(): { code: string; hash: string } {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return { code, hash: hashJoinCode(code) };
}

/**
 * SHA-256 hex of a code, normalised (case and surrounding space ignored, `-` separators allowed).
 * Also hashes the auth key a room's creator chooses instead of a generated code (issue: identity).
 */
export function hashJoinCode(code: string): string {
  return createHash('sha256').update(code.trim().toUpperCase().replaceAll('-', '')).digest('hex');
}

/**
 * Apply the room's join rule to a presented code: open rooms need none; `code` rooms need the
 * current one. Throws BAD_JOIN_CODE.
 */
export function checkJoinCode(room: RoomRecord, code: string | undefined): void {
  if (room.joinRule === 'open') return;
  if (room.joinCodeHash === null || code === undefined || code.length === 0) throw new ParleyError('BAD_JOIN_CODE', 'This room needs a join code');
  const presented = Buffer.from(hashJoinCode(code), 'hex');
  const expected = Buffer.from(room.joinCodeHash, 'hex');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw new ParleyError('BAD_JOIN_CODE', 'Wrong join code for this room');
}
