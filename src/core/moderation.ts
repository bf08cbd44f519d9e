/**
 * Moderation (DESIGN.md, core: "mute, kick, ban, message removal; audit entries"; issue: abuse
 * resistance — moderation). Moderators, owners and admins (`moderate` in `permissions.ts`):
 * - delete a message: its stored body is erased and it stays in the sequence as a tombstone
 *   (`deletedAt`, empty body); members are told with a `message_deleted` push;
 * - mute a member until a time: their sends and typing are refused with MEMBER_MUTED until then;
 * - remove (kick) a member; ban a user: removed like a kick, and refused from rejoining by any
 *   way in (the store refuses the admission, `members.ts`) until unbanned.
 * Actions on another member need a higher role than theirs (admins act on anyone). Owners (and
 * admins) also change roles and close the room. Every action is recorded in the audit log, and a
 * request is answered only after its entry is stored; if storing it fails the answer is
 * STORE_UNAVAILABLE, and repeating the request (every action is idempotent) records it.
 *
 * What is not inspected: e2ee rooms' bodies (deletion erases a ciphertext like any body). Relay
 * rooms store no messages, so there is nothing to delete there (NOT_FOUND).
 */
import { ParleyError, type BanInfo, type MemberMutedPush, type MemberPush, type MemberRole, type MessageDeletedPush } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, MemberRecord, RoomRecord } from './ports/store.ts';
import type { Broker } from './ports/broker.ts';
import type { Rooms } from './rooms.ts';
import type { Members } from './members.ts';
import type { AuditLog, AuditPage } from './audit.ts';
import { requireOutranks } from './permissions.ts';

/** The moderation actions and the mute check of the send path; see the module comment. */
export class Moderation {
  /** @param onError told of a push that failed after its change was stored (to be logged). */
  constructor(
    private readonly store: Store,
    private readonly broker: Broker,
    private readonly rooms: Rooms,
    private readonly members: Members,
    private readonly audit: AuditLog,
    private readonly now: () => number,
    private readonly onError: (err: unknown, context: string) => void,
  ) {}

  /**
   * Delete message `seq` of a persistent room: erase its body, keep it as a tombstone, tell the
   * room. Idempotent (a second delete keeps the first `deletedAt`). Throws ROOM_NOT_FOUND,
   * NOT_MEMBER, FORBIDDEN, NOT_FOUND (no such message, or a relay room).
   */
  async deleteMessage(principal: Principal, roomId: string, seq: number): Promise<MessageDeletedPush> {
    const room = await this.rooms.fresh(roomId);
    await this.members.authorize(principal, roomId, 'moderate');
    if (room.kind === 'relay') throw new ParleyError('NOT_FOUND', 'Relay rooms store no messages: there is nothing to delete');
    const message = await this.store.messages.erase(roomId, seq, this.now());
    if (message?.deletedAt === undefined) throw new ParleyError('NOT_FOUND', `Room ${roomId} has no message ${seq}`);
    await this.audit.record({ roomId, actor: principal, action: 'message_deleted', targetId: message.senderId, details: { seq } });
    const push: MessageDeletedPush = { type: 'message_deleted', roomId, seq, deletedAt: message.deletedAt };
    await this.#publish(roomId, push);
    return push;
  }

  /**
   * Mute a member until `until` (Unix ms, in the future): sends and typing are refused until then.
   * Throws VALIDATION_FAILED (past `until`), NOT_MEMBER, FORBIDDEN.
   */
  async mute(principal: Principal, roomId: string, userId: string, until: number): Promise<MemberRecord> {
    if (until <= this.now()) throw new ParleyError('VALIDATION_FAILED', 'body.until: must be in the future (Unix ms)', { details: { issues: [{ path: 'body.until', message: 'must be in the future' }] } });
    await this.#target(principal, roomId, userId);
    return this.#setMute(principal, roomId, userId, until);
  }

  /** End a member's mute (idempotent). Throws NOT_MEMBER, FORBIDDEN. */
  async unmute(principal: Principal, roomId: string, userId: string): Promise<MemberRecord> {
    await this.#target(principal, roomId, userId);
    return this.#setMute(principal, roomId, userId, null);
  }

  /**
   * Remove a member (kick); they may rejoin by any way in. Their connections leave the room on every
   * node. Throws NOT_MEMBER, FORBIDDEN.
   */
  async kick(principal: Principal, roomId: string, userId: string): Promise<void> {
    const target = await this.#target(principal, roomId, userId, 'kick');
    await this.members.remove(roomId, userId);
    await this.audit.record({ roomId, actor: principal, action: 'member_kicked', targetId: userId, details: { role: target.role } });
    await this.#announceMember({ type: 'member', roomId, userId, name: target.name, role: target.role, removed: true });
  }

  /**
   * Ban a user (a member, or someone who may come later): a member is removed at once, and no way
   * in admits them until unbanned. Idempotent. Throws ROOM_NOT_FOUND, NOT_MEMBER (the actor),
   * FORBIDDEN (the target's role is not lower).
   */
  async ban(principal: Principal, roomId: string, userId: string, reason: string | undefined): Promise<BanInfo> {
    await this.rooms.fresh(roomId);
    const actor = await this.members.authorize(principal, roomId, 'moderate');
    const member = await this.store.members.get(roomId, userId);
    if (member !== undefined) requireOutranks(principal, actor?.role, member.role);
    const { ban, removed } = await this.store.bans.add({ roomId, userId, actorId: principal.userId, reason: reason === undefined || reason === '' ? null : reason, createdAt: this.now() });
    await this.audit.record({ roomId, actor: principal, action: 'member_banned', targetId: userId, details: { reason: ban.reason, wasMember: removed !== undefined } });
    if (removed !== undefined) await this.#announceMember({ type: 'member', roomId, userId, name: removed.name, role: removed.role, removed: true });
    return { ...ban };
  }

  /** Lift a ban. Throws NOT_MEMBER, FORBIDDEN, NOT_FOUND (no ban of this user). */
  async unban(principal: Principal, roomId: string, userId: string): Promise<void> {
    await this.rooms.fresh(roomId);
    await this.members.authorize(principal, roomId, 'moderate');
    if (!(await this.store.bans.remove(roomId, userId))) throw new ParleyError('NOT_FOUND', `${userId} is not banned from room ${roomId}`);
    await this.audit.record({ roomId, actor: principal, action: 'member_unbanned', targetId: userId });
  }

  /** The room's bans, oldest first. Throws ROOM_NOT_FOUND, NOT_MEMBER, FORBIDDEN. */
  async bans(principal: Principal, roomId: string): Promise<BanInfo[]> {
    await this.rooms.fresh(roomId);
    await this.members.authorize(principal, roomId, 'moderate');
    return (await this.store.bans.list(roomId)).map((b) => ({ ...b }));
  }

  /** Give a member another role (owners, admins); every node is told. Throws NOT_MEMBER, FORBIDDEN. */
  async setRole(principal: Principal, roomId: string, userId: string, role: MemberRole): Promise<MemberRecord> {
    await this.rooms.fresh(roomId);
    await this.members.authorize(principal, roomId, 'manage');
    const before = await this.store.members.get(roomId, userId);
    const member = await this.members.setRole(roomId, userId, role);
    await this.audit.record({ roomId, actor: principal, action: 'role_changed', targetId: userId, details: { from: before?.role ?? null, to: role } });
    await this.#announceMember({ type: 'member', roomId, userId, name: member.name, role, removed: false });
    return member;
  }

  /** Close the room (owners, admins); every node and member is told. Closing a closed room records nothing. */
  async closeRoom(principal: Principal, roomId: string): Promise<RoomRecord> {
    const before = await this.rooms.fresh(roomId);
    await this.members.authorize(principal, roomId, 'manage');
    const room = await this.rooms.close(roomId);
    if (before.closedAt === null) await this.audit.record({ roomId, actor: principal, action: 'room_closed' });
    return room;
  }

  /** Throw MEMBER_MUTED if a mute ending at `mutedUntil` (Unix ms, or null) is in force now; records nothing (typing). */
  requireUnmuted(roomId: string, mutedUntil: number | null): void {
    if (mutedUntil !== null && mutedUntil > this.now()) throw mutedError(roomId, mutedUntil);
  }

  /**
   * Refuse a send if a mute ending at `mutedUntil` (Unix ms, or null) is in force now: records the
   * refusal (never the body), then rejects with MEMBER_MUTED (`details.mutedUntil`).
   */
  async refuseIfMuted(principal: Principal, roomId: string, mutedUntil: number | null, clientId: string): Promise<void> {
    if (mutedUntil === null || mutedUntil <= this.now()) return;
    await this.audit.record({ roomId, actor: principal, action: 'message_refused', details: { reason: 'muted', clientId, mutedUntil } });
    throw mutedError(roomId, mutedUntil);
  }

  /**
   * The audit log for `principal`: admins read every room's (or one room's); a room's owner reads
   * their room's. Throws FORBIDDEN (no room given by a non-admin, or not its owner), NOT_MEMBER.
   */
  async auditLog(principal: Principal, query: { roomId?: string | undefined; before?: string | undefined; limit: number }): Promise<AuditPage> {
    if (query.roomId === undefined) {
      if (principal.role !== 'admin') throw new ParleyError('FORBIDDEN', 'Only admins read the audit log of every room');
    } else {
      await this.members.authorize(principal, query.roomId, 'manage');
    }
    return this.audit.page(query);
  }

  /** The member a moderator acts on, checked: the actor may `action` here and outranks them. */
  async #target(principal: Principal, roomId: string, userId: string, action: 'kick' | 'moderate' = 'moderate'): Promise<MemberRecord> {
    await this.rooms.fresh(roomId);
    const actor = await this.members.authorize(principal, roomId, action);
    const target = await this.store.members.get(roomId, userId);
    if (target === undefined) throw new ParleyError('NOT_MEMBER', `${userId} is not a member of room ${roomId}`);
    requireOutranks(principal, actor?.role, target.role);
    return target;
  }

  async #setMute(principal: Principal, roomId: string, userId: string, mutedUntil: number | null): Promise<MemberRecord> {
    const member = await this.store.members.setMutedUntil(roomId, userId, mutedUntil);
    if (member === undefined) throw new ParleyError('NOT_MEMBER', `${userId} is not a member of room ${roomId}`);
    await this.audit.record({ roomId, actor: principal, action: mutedUntil === null ? 'member_unmuted' : 'member_muted', targetId: userId, details: mutedUntil === null ? {} : { mutedUntil } });
    const push: MemberMutedPush = { type: 'member_muted', roomId, userId, mutedUntil };
    await this.#publish(roomId, push);
    return member;
  }

  async #announceMember(push: MemberPush): Promise<void> {
    await this.broker.publish({ roomId: push.roomId, frame: JSON.stringify(push) });
  }

  /** Publish a push whose change is already stored; a failure is reported, not thrown. */
  async #publish(roomId: string, push: MessageDeletedPush | MemberMutedPush): Promise<void> {
    try {
      await this.broker.publish({ roomId, frame: JSON.stringify(push) });
    } catch (err) {
      this.onError(err, `publishing ${push.type} in room ${roomId}`);
    }
  }
}

/** MEMBER_MUTED for a member muted until `mutedUntil` (Unix ms). */
function mutedError(roomId: string, mutedUntil: number): ParleyError {
  return new ParleyError('MEMBER_MUTED', `You are muted in room ${roomId} until ${new Date(mutedUntil).toISOString()}`, { details: { roomId, mutedUntil } });
}
