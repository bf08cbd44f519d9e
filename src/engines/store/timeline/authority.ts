/**
 * The member authority rule (src/core/ports/store.ts, `Authority`; DESIGN.md rule 12), written once
 * for the message appends of both engines and for `timeline.commit`: the sender is a current member
 * of the room whose role may send (member, moderator, owner) and who is not muted at the event's
 * `createdAt` (`muted_until` null or ≤ createdAt). The engines apply the rule inside their writing
 * transaction; this module names the refusal.
 */
import { ParleyError } from '../../../protocol/errors.ts';
import type { MemberRole } from '../../../protocol/index.ts';

/** Roles that may send messages, edit, delete their own and react. */
export const SENDING_ROLES: readonly MemberRole[] = ['member', 'moderator', 'owner'];

/** What the rule reads of a member row. */
export interface SenderState {
  readonly role: MemberRole;
  readonly muted_until: number | null;
}

/**
 * The refusal for a sender in state `member` (undefined: not a member) at `createdAt` (Unix ms), or
 * undefined when the sender may act: `NOT_MEMBER`, `FORBIDDEN` (a role that may not send, e.g.
 * guest), `MEMBER_MUTED` with `details.mutedUntil`.
 */
export function senderRefusal(roomId: string, member: SenderState | undefined, createdAt: number): ParleyError | undefined {
  if (member === undefined) return new ParleyError('NOT_MEMBER', undefined, { details: { roomId } });
  if (!SENDING_ROLES.includes(member.role)) return new ParleyError('FORBIDDEN', `A ${member.role} may not send in this room`, { details: { roomId, role: member.role } });
  if (member.muted_until !== null && member.muted_until > createdAt) {
    return new ParleyError('MEMBER_MUTED', undefined, { details: { roomId, mutedUntil: member.muted_until } });
  }
  return undefined;
}

/**
 * Why an append that was neither stored nor a duplicate was refused, checked in the port's order:
 * `ROOM_NOT_FOUND`, `ROOM_CLOSED`, the sender rule, `NOT_FOUND` (`replyTo` names no message of the
 * room). Undefined when every check passes (which an engine treats as its own failure).
 */
export function appendRefusal(
  message: { readonly roomId: string; readonly createdAt: number; readonly replyTo?: number | undefined },
  room: { readonly closed_at: number | null } | undefined,
  member: SenderState | undefined,
  replyFound: boolean,
): ParleyError | undefined {
  const { roomId } = message;
  if (room === undefined) return new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId } });
  if (room.closed_at !== null) return new ParleyError('ROOM_CLOSED', undefined, { details: { roomId } });
  const refused = senderRefusal(roomId, member, message.createdAt);
  if (refused !== undefined) return refused;
  if (message.replyTo !== undefined && !replyFound) {
    return new ParleyError('NOT_FOUND', 'replyTo names no message of this room', { details: { roomId, replyTo: message.replyTo } });
  }
  return undefined;
}
