/**
 * Presence (who is online in a room) and typing indicators: ephemeral, never stored in the database.
 */
import { z } from 'zod';
import { CommandId, RoomId } from './ids.ts';

/** Push: a member came online in the room (first connection) or went offline (last one left). */
export const PresencePush = z
  .object({
    type: z.literal('presence'),
    roomId: RoomId,
    userId: z.string(),
    name: z.string(),
    online: z.boolean(),
  })
  .meta({ id: 'PresencePush', description: 'A member came online or went offline in the room.' });
export type PresencePush = z.infer<typeof PresencePush>;

/**
 * `typing` command. Clients send `active: true` while the user types (the server forwards at most
 * one per `PARLEY_TYPING_THROTTLE_MS`) and `active: false` when they stop or send.
 */
export const TypingCommand = z
  .object({ type: z.literal('typing'), id: CommandId.optional(), roomId: RoomId, active: z.boolean() })
  .meta({ id: 'TypingCommand', description: 'Tell the room this user is (or stopped) typing.' });
export type TypingCommand = z.infer<typeof TypingCommand>;

/** Push: a member is typing; show it for `ttlMs` unless renewed or cleared. */
export const TypingPush = z
  .object({
    type: z.literal('typing'),
    roomId: RoomId,
    userId: z.string(),
    name: z.string(),
    active: z.boolean(),
    ttlMs: z.number().int().min(0).describe('Hide the indicator after this many ms without renewal.'),
  })
  .meta({ id: 'TypingPush', description: 'A member started or stopped typing.' });
export type TypingPush = z.infer<typeof TypingPush>;
