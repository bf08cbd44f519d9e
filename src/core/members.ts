/**
 * Membership: who belongs to which room with which role, seats (`maxMembers`), read markers, and the
 * rule that every room action is allowed by the actor's role (`permissions.ts`; DESIGN.md, Member).
 * Admins manage rooms but read and send only through a membership of their own.
 *
 * Grants: a principal whose credential grants a room (an integrator's token, an embed ticket)
 * becomes a member with the granted role the first time it acts there, and its role follows the
 * grant of the credential it presents.
 *
 * Bans: every way in — join code, auth key, invite, credential grant — ends in {@link Members.add},
 * where the store refuses a banned user with BANNED inside the transaction that would admit it;
 * each refusal is recorded in the audit log (issue: abuse resistance — moderation).
 */
import { ParleyError, type MemberInfo, type MemberRole } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, MemberRecord, RoomRecord } from './ports/store.ts';
import type { RoomPresence } from './presence.ts';
import type { AuditLog } from './audit.ts';
import { requireAllowed, type RoomAction } from './permissions.ts';

export class Members {
  constructor(
    private readonly store: Store,
    private readonly presence: RoomPresence,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {}

  /**
   * The principal's membership of the room, checked to allow `action` (default `read`). A granted
   * room is joined on first use. Throws NOT_MEMBER, FORBIDDEN, and for a granted room that cannot
   * be joined ROOM_CLOSED or ROOM_FULL.
   */
  async require(principal: Principal, roomId: string, action: RoomAction = 'read'): Promise<MemberRecord> {
    return (await this.authorize(principal, roomId, action)) as MemberRecord;
  }

  /**
   * Check an action an admin may also take without a membership (`invite`, `kick`, `manage`).
   * Resolves with the actor's membership, if any. Throws NOT_MEMBER, FORBIDDEN.
   */
  async authorize(principal: Principal, roomId: string, action: RoomAction): Promise<MemberRecord | undefined> {
    const member = await this.#current(principal, roomId);
    requireAllowed(principal, member?.role, action, roomId);
    return member;
  }

  /**
   * Add the principal to an open room with `role` (idempotent: an existing member keeps its role),
   * taking a seat atomically. Throws BANNED (recorded in the audit log first), ROOM_CLOSED,
   * ROOM_FULL, ROOM_NOT_FOUND. The caller has already applied the join rule.
   */
  async add(principal: Principal, room: RoomRecord, role: MemberRole = 'member'): Promise<MemberRecord> {
    if (room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${room.id} is closed`);
    try {
      const { member } = await this.store.members.add({ roomId: room.id, userId: principal.userId, name: principal.name, role, joinedAt: this.now() }, room.maxMembers);
      return member;
    } catch (err) {
      if (!(err instanceof ParleyError && err.code === 'BANNED')) throw err;
      await this.audit.record({ roomId: room.id, actor: principal, action: 'join_refused', details: { reason: 'banned' } });
      throw new ParleyError('BANNED', `You are banned from room ${room.id}`, { details: { roomId: room.id } });
    }
  }

  /** Give a member another role. Throws NOT_MEMBER when `userId` is not one. */
  async setRole(roomId: string, userId: string, role: MemberRole): Promise<MemberRecord> {
    const member = await this.store.members.setRole(roomId, userId, role);
    if (member === undefined) throw new ParleyError('NOT_MEMBER', `${userId} is not a member of room ${roomId}`);
    return member;
  }

  /** End a membership (kick). Resolves whether there was one. */
  remove(roomId: string, userId: string): Promise<boolean> {
    return this.store.members.remove(roomId, userId);
  }

  /** The stored membership, created or brought in line with the principal's grant for the room. */
  async #current(principal: Principal, roomId: string): Promise<MemberRecord | undefined> {
    const member = await this.store.members.get(roomId, principal.userId);
    const grant = principal.grants?.find((g) => g.roomId === roomId);
    if (grant === undefined) return member;
    if (member !== undefined) return member.role === grant.role ? member : this.setRole(roomId, principal.userId, grant.role);
    const room = await this.store.rooms.get(roomId);
    if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', `No room has id ${roomId}`);
    return this.add(principal, room, grant.role);
  }

  /** Members with their read markers and online state. */
  async list(roomId: string): Promise<MemberInfo[]> {
    const [members, online] = await Promise.all([this.store.members.list(roomId), this.presence.online(roomId)]);
    return members.map((m) => ({ userId: m.userId, name: m.name, role: m.role, lastReadSeq: m.lastReadSeq, online: online.has(m.userId) }));
  }

  /** Move the read marker forward to min(seq, lastSeq); returns the new marker (unchanged markers are returned as they are). */
  async markRead(principal: Principal, room: { id: string; lastSeq: number }, seq: number): Promise<{ seq: number; moved: boolean }> {
    const before = await this.require(principal, room.id, 'read');
    const target = Math.min(seq, room.lastSeq);
    if (target <= before.lastReadSeq) return { seq: before.lastReadSeq, moved: false };
    const after = await this.store.members.markRead(room.id, principal.userId, target);
    return { seq: after ?? before.lastReadSeq, moved: after !== undefined && after > before.lastReadSeq };
  }
}
