/**
 * Moderation on the wire (issue: abuse resistance — moderation): the pushes that tell members of a
 * deleted message and of a mute, a ban as moderators see it, and the audit log entry. The HTTP
 * bodies of the moderation routes are in `http.ts`.
 */
import { z } from 'zod';
import { RoomId } from './ids.ts';

/**
 * Push: a moderator deleted message `seq`. Show a tombstone ("message deleted") in its place; the
 * server erased its body, and history returns it with `deletedAt` and an empty body from now on.
 */
export const MessageDeletedPush = z
  .object({
    type: z.literal('message_deleted'),
    roomId: RoomId,
    seq: z.number().int().min(1).describe('Seq of the deleted message.'),
    deletedAt: z.number().int().describe('Unix ms of the deletion.'),
  })
  .meta({ id: 'MessageDeletedPush', description: 'A moderator deleted a message: show a tombstone in its place.' });
export type MessageDeletedPush = z.infer<typeof MessageDeletedPush>;

/**
 * Push: a member was muted until `mutedUntil` (Unix ms), or unmuted (`mutedUntil: null`). While
 * muted, their sends and typing are refused with `MEMBER_MUTED`.
 */
export const MemberMutedPush = z
  .object({
    type: z.literal('member_muted'),
    roomId: RoomId,
    userId: z.string(),
    mutedUntil: z.number().int().nullable().describe('Unix ms when the mute ends; null: unmuted.'),
  })
  .meta({ id: 'MemberMutedPush', description: 'A member was muted until a time, or unmuted (null).' });
export type MemberMutedPush = z.infer<typeof MemberMutedPush>;

/** A ban: `userId` may not join or act in `roomId` until a moderator lifts it. */
export const BanInfo = z
  .object({
    roomId: RoomId,
    userId: z.string(),
    actorId: z.string().describe('Who banned them.'),
    reason: z.string().nullable().describe('The moderator\'s note, if any.'),
    createdAt: z.number().int().describe('Unix ms.'),
  })
  .meta({ id: 'BanInfo' });
export type BanInfo = z.infer<typeof BanInfo>;

/**
 * What an audit entry records:
 * - moderation actions: `message_deleted`, `member_muted`, `member_unmuted`, `member_kicked`,
 *   `member_banned`, `member_unbanned`, `role_changed`, `room_closed`;
 * - refusals: `message_refused` (`details.reason`: `word_filter` or `muted`; the body is never
 *   recorded) and `join_refused` (`details.reason`: `banned`).
 */
export const AuditAction = z
  .enum(['message_deleted', 'member_muted', 'member_unmuted', 'member_kicked', 'member_banned', 'member_unbanned', 'role_changed', 'room_closed', 'message_refused', 'join_refused'])
  .describe('What happened: a moderation action or a refusal.')
  .meta({ id: 'AuditAction' });
export type AuditAction = z.infer<typeof AuditAction>;

/**
 * One audit log entry. Ids sort by time (newest last), so `before=<id>` pages back. `details` holds
 * the action's parameters (`seq`, `mutedUntil`, `role`, `reason`…), never a message body.
 */
export const AuditEntry = z
  .object({
    id: z.string().describe('Sorts by time; page back with `before=<id>`.'),
    at: z.number().int().describe('Unix ms.'),
    roomId: RoomId,
    actorId: z.string().describe('Who acted (for refusals: whose message or join was refused).'),
    actorName: z.string(),
    action: AuditAction,
    targetId: z.string().nullable().describe('The member acted upon (a deleted message\'s sender), or null.'),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;
