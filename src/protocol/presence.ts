/**
 * Presence (who is online in a room) and typing indicators: ephemeral, never stored in the database.
 */
import { z } from 'zod';
import { CommandId, RoomId } from './ids.ts';

/** Most changes one `presence` push carries; a flush window with more sends several pushes. */
export const PRESENCE_CHANGES_MAX = 1000;

/** One member's presence change: they came online in the room (first connection) or went offline (last one left). */
export const PresenceChange = z
  .object({
    userId: z.string(),
    name: z.string(),
    online: z.boolean().describe('The member\'s state now; a repeated `true` for someone already shown online changes nothing.'),
  })
  .meta({ id: 'PresenceChange', description: 'A member came online (`online: true`) or went offline (`online: false`) in the room.' });
export type PresenceChange = z.infer<typeof PresenceChange>;

/**
 * Push: the room's presence changes of one flush window on one node (`PARLEY_PRESENCE_FLUSH_MS`, longer
 * in rooms with many connections on the node: `presenceWindowMs` in `core/presence.ts`),
 * in the order they happened, each member at most once with their latest state (online then
 * offline within a window arrives as offline). A node sends a room at most one push per window
 * (several only past {@link PRESENCE_CHANGES_MAX} changes), so a burst of joins costs each member
 * one frame, not one per join (issue 11).
 */
export const PresencePush = z
  .object({
    type: z.literal('presence'),
    roomId: RoomId,
    changes: z
      .array(PresenceChange)
      .min(1)
      .max(PRESENCE_CHANGES_MAX)
      .describe('In the order they happened; each member at most once, with their latest state. Apply them in order.'),
  })
  .meta({ id: 'PresencePush', description: 'Members came online or went offline in the room: the changes of one flush window, in order.' });
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
