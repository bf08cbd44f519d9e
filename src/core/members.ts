/**
 * Membership: who belongs to which room, seats (`maxMembers`), read markers, and the rule that every
 * room action requires membership (DESIGN.md, Member). Admins manage rooms but read and send only
 * through a membership of their own.
 */
import { ParleyError, type MemberInfo } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, MemberRecord, RoomRecord } from './ports/store.ts';
import type { RoomPresence } from './presence.ts';

export class Members {
  constructor(
    private readonly store: Store,
    private readonly presence: RoomPresence,
    private readonly now: () => number,
  ) {}

  /** The principal's membership of the room. Throws NOT_MEMBER. */
  async require(principal: Principal, roomId: string): Promise<MemberRecord> {
    const member = await this.store.members.get(roomId, principal.userId);
    if (member === undefined) throw new ParleyError('NOT_MEMBER', `Not a member of room ${roomId}`);
    return member;
  }

  /**
   * Add the principal to an open room (idempotent), taking a seat atomically.
   * Throws ROOM_CLOSED, ROOM_FULL, ROOM_NOT_FOUND. The caller has already applied the join rule.
   */
  async add(principal: Principal, room: RoomRecord): Promise<MemberRecord> {
    if (room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${room.id} is closed`);
    const { member } = await this.store.members.add(
      { roomId: room.id, userId: principal.userId, name: principal.name, role: 'member', joinedAt: this.now() },
      room.maxMembers,
    );
    return member;
  }

  /** Members with their read markers and online state. */
  async list(roomId: string): Promise<MemberInfo[]> {
    const [members, online] = await Promise.all([this.store.members.list(roomId), this.presence.online(roomId)]);
    return members.map((m) => ({ userId: m.userId, name: m.name, role: m.role, lastReadSeq: m.lastReadSeq, online: online.has(m.userId) }));
  }

  /** Move the read marker forward to min(seq, lastSeq); returns the new marker (unchanged markers are returned as they are). */
  async markRead(principal: Principal, room: { id: string; lastSeq: number }, seq: number): Promise<{ seq: number; moved: boolean }> {
    const before = await this.require(principal, room.id);
    const target = Math.min(seq, room.lastSeq);
    if (target <= before.lastReadSeq) return { seq: before.lastReadSeq, moved: false };
    const after = await this.store.members.markRead(room.id, principal.userId, target);
    return { seq: after ?? before.lastReadSeq, moved: after !== undefined && after > before.lastReadSeq };
  }
}
