/**
 * What each room role may do (DESIGN.md, Member; issue: identity and access). One table, checked by
 * the core for every action whatever the transport, so no route or frame can forget it.
 *
 * | action | guest | member | moderator | owner |
 * |---|---|---|---|---|
 * | `read`: join, history, presence, read markers | ✓ | ✓ | ✓ | ✓ |
 * | `send`: messages and typing | | ✓ | ✓ | ✓ |
 * | `invite`: mint invite tokens | | | ✓ | ✓ |
 * | `kick`: remove a member (not an owner) | | | ✓ | ✓ |
 * | `moderate`: delete messages, mute, ban (issue: abuse resistance — moderation) | | | ✓ | ✓ |
 * | `audit`: read the room's audit log (issue 12: moderators see what was done, as in the web UI) | | | ✓ | ✓ |
 * | `manage`: close the room, rotate its code, set roles | | | | ✓ |
 *
 * Admins (the admin credential, or an account with the admin role) may do every `invite`, `kick`,
 * `moderate`, `audit` and `manage` action in every room; they read and send only through a membership of
 * their own. Actions on another member (kick, mute, ban) also need a higher role than the target's
 * ({@link requireOutranks}).
 */
import { ParleyError, type MemberRole } from '../protocol/index.ts';
import type { Principal } from './principal.ts';

/** An action on a room that a role may or may not allow. */
export type RoomAction = 'read' | 'send' | 'invite' | 'kick' | 'moderate' | 'audit' | 'manage';

const ALLOWED: Readonly<Record<MemberRole, ReadonlySet<RoomAction>>> = {
  guest: new Set(['read']),
  member: new Set(['read', 'send']),
  moderator: new Set(['read', 'send', 'invite', 'kick', 'moderate', 'audit']),
  owner: new Set(['read', 'send', 'invite', 'kick', 'moderate', 'audit', 'manage']),
};

/** Actions an admin may take in any room without a membership. */
const ADMIN_ACTIONS: ReadonlySet<RoomAction> = new Set(['invite', 'kick', 'moderate', 'audit', 'manage']);

/** Role order for actions on another member: only a higher role may act on a lower one. */
const ROLE_RANK: Readonly<Record<MemberRole, number>> = { guest: 0, member: 1, moderator: 2, owner: 3 };

/** Whether `role` allows `action`. */
function allows(role: MemberRole, action: RoomAction): boolean {
  return ALLOWED[role].has(action);
}

/**
 * Check that a member with `role` (undefined: not a member) or the principal's admin role allows
 * `action` in `roomId`. Throws ROOM_NOT_FOUND when there is no membership and no admin right — the
 * answer a room that does not exist gets, so room ids cannot be probed (issue 11) — and FORBIDDEN
 * when the role does not allow it.
 */
export function requireAllowed(principal: Principal, role: MemberRole | undefined, action: RoomAction, roomId: string): void {
  if (principal.role === 'admin' && ADMIN_ACTIONS.has(action)) return;
  if (role === undefined) throw roomNotFound(roomId);
  if (!allows(role, action)) throw new ParleyError('FORBIDDEN', `A ${role} may not ${action} in room ${roomId}`, { details: { role, action } });
}

/**
 * Check that an actor with `actorRole` (undefined: not a member) may act on a member with
 * `targetRole` (remove, mute, ban): its role must rank higher; admins may act on anyone.
 * Throws FORBIDDEN.
 */
export function requireOutranks(principal: Principal, actorRole: MemberRole | undefined, targetRole: MemberRole): void {
  if (principal.role === 'admin') return;
  if (actorRole === undefined || ROLE_RANK[targetRole] >= ROLE_RANK[actorRole]) {
    throw new ParleyError('FORBIDDEN', `A ${actorRole ?? 'non-member'} may not act on a ${targetRole}`, { details: { role: actorRole ?? null, targetRole } });
  }
}

/** The one answer for a room that does not exist and for one the principal is not a member of. */
export function roomNotFound(roomId: string): ParleyError {
  return new ParleyError('ROOM_NOT_FOUND', `No room with id ${roomId} that you are a member of`, { details: { roomId } });
}
