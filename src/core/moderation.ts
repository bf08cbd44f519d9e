/**
 * Moderation (DESIGN.md, core: "mute, kick, ban, message removal; audit entries"; issue: abuse
 * resistance — moderation). Moderators, owners and admins (`moderate` in `permissions.ts`):
 * - delete a message: see `messages.ts` (authors delete their own; moderators those of lower roles);
 * - mute a member until a time: their sends and typing are refused with MEMBER_MUTED until then;
 * - remove (kick) a member; ban a user: removed like a kick, and refused from rejoining by any
 *   way in (the store refuses the admission, `members.ts`) until unbanned.
 * Actions on another member need a higher role than theirs (admins act on anyone). Owners (and
 * admins) also change roles, rename and close the room. Each action is a timeline event committed
 * with its change (DESIGN.md rule 12): every node and member learns of it in seq order, and a node
 * that missed the broker's hint finds it by gap repair. Every action is recorded in the audit log,
 * and a request is answered only after its entry is stored.
 *
 * What is not inspected: e2ee rooms' bodies.
 */
import { ParleyError, type BanInfo, type MemberRole } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, MemberRecord, RoomRecord } from './ports/store.ts';
import type { Rooms } from './rooms.ts';
import type { Members } from './members.ts';
import type { AuditLog, AuditPage } from './audit.ts';
import type { ChangeInput, Timelines } from './timeline/timelines.ts';
import { requireOutranks } from './permissions.ts';

/** Options of {@link Moderation}. */
export interface ModerationOptions {
  readonly store: Store;
  readonly timelines: Timelines;
  readonly rooms: Rooms;
  readonly members: Members;
  readonly audit: AuditLog;
  /** Clock in Unix ms. */
  readonly now: () => number;
}

/** The moderation actions and the mute check of typing; see the module comment. */
export class Moderation {
  readonly #o: ModerationOptions;

  constructor(options: ModerationOptions) {
    this.#o = options;
  }

  /**
   * Mute a member until `until` (Unix ms, in the future): sends and typing are refused until then.
   * Throws VALIDATION_FAILED (past `until`), ROOM_NOT_FOUND, NOT_MEMBER (the target), FORBIDDEN.
   */
  async mute(principal: Principal, roomId: string, userId: string, until: number): Promise<MemberRecord> {
    if (until <= this.#o.now()) throw new ParleyError('VALIDATION_FAILED', 'body.until: must be in the future (Unix ms)', { details: { issues: [{ path: 'body.until', message: 'must be in the future' }] } });
    const { room, target } = await this.#target(principal, roomId, userId);
    await this.#act(principal, room, { type: 'member_muted', userId, until });
    await this.#o.audit.record({ roomId, actor: principal, action: 'member_muted', targetId: userId, details: { mutedUntil: until } });
    return { ...target, mutedUntil: until };
  }

  /** End a member's mute (idempotent). Throws ROOM_NOT_FOUND, NOT_MEMBER (the target), FORBIDDEN. */
  async unmute(principal: Principal, roomId: string, userId: string): Promise<MemberRecord> {
    const { room, target } = await this.#target(principal, roomId, userId);
    if (target.mutedUntil !== null) await this.#act(principal, room, { type: 'member_unmuted', userId });
    await this.#o.audit.record({ roomId, actor: principal, action: 'member_unmuted', targetId: userId });
    return { ...target, mutedUntil: null };
  }

  /**
   * Remove a member (kick); they may rejoin by any way in. Their connections leave the room on every
   * node. Throws ROOM_NOT_FOUND, NOT_MEMBER (the target), FORBIDDEN.
   */
  async kick(principal: Principal, roomId: string, userId: string): Promise<void> {
    const { room, target } = await this.#target(principal, roomId, userId, 'kick');
    await this.#act(principal, room, { type: 'member_removed', userId });
    await this.#o.audit.record({ roomId, actor: principal, action: 'member_kicked', targetId: userId, details: { role: target.role } });
  }

  /**
   * Ban a user (a member, or someone who may come later): a member is removed at once, and no way
   * in admits them until unbanned. Idempotent. Throws ROOM_NOT_FOUND, FORBIDDEN (the target's role is not lower).
   */
  async ban(principal: Principal, roomId: string, userId: string, reason: string | undefined): Promise<BanInfo> {
    const room = await this.#o.rooms.fresh(roomId);
    const actor = await this.#o.members.authorize(principal, roomId, 'moderate');
    const member = await this.#o.store.members.get(roomId, userId);
    if (member !== undefined) requireOutranks(principal, actor?.role, member.role);
    const note = reason === undefined || reason === '' ? null : reason;
    await this.#act(principal, room, { type: 'member_banned', userId, reason: note });
    await this.#o.audit.record({ roomId, actor: principal, action: 'member_banned', targetId: userId, details: { reason: note, wasMember: member !== undefined } });
    const ban = await this.#o.store.bans.get(roomId, userId);
    if (ban === undefined) throw new ParleyError('NOT_FOUND', `${userId} is not banned from room ${roomId}`);
    return { ...ban };
  }

  /** Lift a ban. Throws ROOM_NOT_FOUND, FORBIDDEN, NOT_FOUND (no ban of this user). */
  async unban(principal: Principal, roomId: string, userId: string): Promise<void> {
    const room = await this.#o.rooms.fresh(roomId);
    await this.#o.members.authorize(principal, roomId, 'moderate');
    await this.#act(principal, room, { type: 'member_unbanned', userId });
    await this.#o.audit.record({ roomId, actor: principal, action: 'member_unbanned', targetId: userId });
  }

  /** The room's bans, oldest first. Throws ROOM_NOT_FOUND, FORBIDDEN. */
  async bans(principal: Principal, roomId: string): Promise<BanInfo[]> {
    await this.#o.rooms.fresh(roomId);
    await this.#o.members.authorize(principal, roomId, 'moderate');
    return (await this.#o.store.bans.list(roomId)).map((b) => ({ ...b }));
  }

  /** Give a member another role (owners, admins); every node is told. Throws ROOM_NOT_FOUND, NOT_MEMBER (the target), FORBIDDEN. */
  async setRole(principal: Principal, roomId: string, userId: string, role: MemberRole): Promise<MemberRecord> {
    const room = await this.#o.rooms.fresh(roomId);
    await this.#o.members.authorize(principal, roomId, 'manage');
    const before = await this.#o.store.members.get(roomId, userId);
    if (before === undefined) throw new ParleyError('NOT_MEMBER', `${userId} is not a member of room ${roomId}`);
    if (before.role !== role) await this.#act(principal, room, { type: 'member_role_changed', userId, role });
    await this.#o.audit.record({ roomId, actor: principal, action: 'role_changed', targetId: userId, details: { from: before.role, to: role } });
    return { ...before, role };
  }

  /** Rename the room (owners, admins); every member is told. Throws ROOM_NOT_FOUND, FORBIDDEN, ROOM_CLOSED. */
  async rename(principal: Principal, roomId: string, name: string): Promise<RoomRecord> {
    const room = await this.#o.rooms.fresh(roomId);
    await this.#o.members.authorize(principal, roomId, 'manage');
    if (room.name !== name) await this.#act(principal, room, { type: 'room_updated', name });
    return this.#o.rooms.fresh(roomId);
  }

  /** Close the room (owners, admins); every node and member is told. Closing a closed room records nothing. */
  async closeRoom(principal: Principal, roomId: string): Promise<RoomRecord> {
    const before = await this.#o.rooms.fresh(roomId);
    await this.#o.members.authorize(principal, roomId, 'manage');
    if (before.closedAt === null) {
      await this.#o.rooms.close(before, { userId: principal.userId, name: principal.name });
      await this.#o.audit.record({ roomId, actor: principal, action: 'room_closed' });
    }
    return this.#o.rooms.fresh(roomId);
  }

  /**
   * Refuse a write (send, edit, reaction) if a mute ending at `mutedUntil` (Unix ms, or null) is in
   * force now: records the refusal (never the body), then rejects with MEMBER_MUTED (`details.mutedUntil`).
   */
  async refuseIfMuted(principal: Principal, roomId: string, mutedUntil: number | null, clientId: string): Promise<void> {
    if (mutedUntil === null || mutedUntil <= this.#o.now()) return;
    await this.#o.audit.record({ roomId, actor: principal, action: 'message_refused', details: { reason: 'muted', clientId, mutedUntil } });
    this.requireUnmuted(roomId, mutedUntil);
  }

  /** Throw MEMBER_MUTED if a mute ending at `mutedUntil` (Unix ms, or null) is in force now (typing; records nothing). */
  requireUnmuted(roomId: string, mutedUntil: number | null): void {
    if (mutedUntil !== null && mutedUntil > this.#o.now()) {
      throw new ParleyError('MEMBER_MUTED', `You are muted in room ${roomId} until ${new Date(mutedUntil).toISOString()}`, { details: { roomId, mutedUntil } });
    }
  }

  /**
   * The audit log for `principal`: admins read every room's (or one room's); a room's owners and
   * moderators read their room's (`audit` in `permissions.ts`). Throws FORBIDDEN (no room given by
   * a non-admin, or a lower role), ROOM_NOT_FOUND.
   */
  async auditLog(principal: Principal, query: { roomId?: string | undefined; before?: string | undefined; limit: number }): Promise<AuditPage> {
    if (query.roomId === undefined) {
      if (principal.role !== 'admin') throw new ParleyError('FORBIDDEN', 'Only admins read the audit log of every room');
    } else {
      await this.#o.members.authorize(principal, query.roomId, 'audit');
    }
    return this.#o.audit.page(query);
  }

  /** The member a moderator acts on, checked: the actor may `action` here and outranks them. */
  async #target(principal: Principal, roomId: string, userId: string, action: 'kick' | 'moderate' = 'moderate'): Promise<{ room: RoomRecord; target: MemberRecord }> {
    const room = await this.#o.rooms.fresh(roomId);
    const actor = await this.#o.members.authorize(principal, roomId, action);
    const target = await this.#o.store.members.get(roomId, userId);
    if (target === undefined) throw new ParleyError('NOT_MEMBER', `${userId} is not a member of room ${roomId}`);
    requireOutranks(principal, actor?.role, target.role);
    return { room, target };
  }

  /** Commit a moderation event as `principal`, whose authority the caller checked. */
  #act(principal: Principal, room: RoomRecord, change: ChangeInput) {
    return this.#o.timelines.commit(room, { userId: principal.userId, name: principal.name }, change, { authority: 'checked' });
  }
}
