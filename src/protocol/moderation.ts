/**
 * Moderation on the wire (issue: abuse resistance — moderation): a ban as moderators see it and the
 * audit log entry. Deletions, mutes, removals and bans reach members as timeline events (timeline.ts). The HTTP
 * bodies of the moderation routes are in `http.ts`.
 */
import { z } from 'zod';
import { RoomId } from './ids.ts';

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
