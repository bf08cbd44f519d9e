/**
 * Membership: who belongs to which room with which role, seats (`maxMembers`), read markers, and the
 * rule that every room action is allowed by the actor's role (`permissions.ts`; DESIGN.md, Member).
 * Admins manage rooms but read and send only through a membership of their own.
 *
 * Memberships change only through timeline events (`member_joined`, `member_left`, …), committed
 * with their change in one store transaction (DESIGN.md rule 12), so members who replay a room's
 * timeline know who is in it.
 *
 * Grants: a principal whose credential grants a room (an integrator's token, an embed ticket)
 * becomes a member with the granted role the first time it acts there, and its role follows the
 * grant of the credential it presents.
 *
 * Bans: every way in — join code, auth key, invite, credential grant — ends in {@link Members.add},
 * where the store refuses a banned user with BANNED inside the transaction that would admit it;
 * each refusal is recorded in the audit log (issue: abuse resistance — moderation).
 *
 * Probing: a principal that is not a member of a room gets the same answer as for a room that does
 * not exist (ROOM_NOT_FOUND), so room ids cannot be probed (issue 11).
 */
import { ParleyError, type MemberInfo, type MemberRole } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { Store, JoinView, MemberListing, MemberRecord, RoomRecord } from './ports/store.ts';
import type { RoomPresence } from './presence.ts';
import type { AuditLog } from './audit.ts';
import type { Timelines } from './timeline/timelines.ts';
import { requireAllowed, type RoomAction } from './permissions.ts';

/** Most unread messages counted; a room with more shows this many (the UI shows "999+"). */
const UNREAD_MAX = 999;

/** Options of {@link Members}. */
export interface MembersOptions {
  readonly store: Store;
  readonly timelines: Timelines;
  readonly presence: RoomPresence;
  readonly audit: AuditLog;
}

export class Members {
  readonly #o: MembersOptions;

  constructor(options: MembersOptions) {
    this.#o = options;
  }

  /**
   * The principal's membership of the room, checked to allow `action` (default `read`). A granted
   * room is joined on first use. Throws ROOM_NOT_FOUND (no such room, or not a member: one answer),
   * FORBIDDEN, and for a granted room that cannot be joined ROOM_CLOSED or ROOM_FULL.
   */
  async require(principal: Principal, roomId: string, action: RoomAction = 'read'): Promise<MemberRecord> {
    const member = await this.#current(principal, roomId);
    requireAllowed(principal, member?.role, action, roomId);
    return member as MemberRecord;
  }

  /**
   * Check an action an admin may also take without a membership (`invite`, `kick`, `moderate`,
   * `manage`). Resolves with the actor's membership, if any. Throws ROOM_NOT_FOUND, FORBIDDEN.
   */
  async authorize(principal: Principal, roomId: string, action: RoomAction): Promise<MemberRecord | undefined> {
    const member = await this.#current(principal, roomId);
    requireAllowed(principal, member?.role, action, roomId);
    return member;
  }

  /**
   * Add the principal to an open room with `role` (idempotent: an existing member keeps its role),
   * taking a seat atomically, as a `member_joined` event. Throws BANNED (recorded in the audit log
   * first), ROOM_CLOSED, ROOM_FULL, ROOM_NOT_FOUND, NAME_TAKEN. The caller has already applied the join rule.
   * Conversations are never entered this way (by code, invite or credential grant: issue 13): FORBIDDEN.
   */
  async add(principal: Principal, room: RoomRecord, role: MemberRole = 'member'): Promise<MemberRecord> {
    if (room.conversation !== null) throw new ParleyError('FORBIDDEN', 'Nobody joins a conversation: its members add people', { details: { roomId: room.id } });
    if (room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${room.id} is closed`);
    try {
      await this.#o.timelines.commit(room, { userId: principal.userId, name: principal.name }, { type: 'member_joined', userId: principal.userId, name: principal.name, role }, { authority: 'checked' });
    } catch (err) {
      if (!(err instanceof ParleyError && err.code === 'BANNED')) throw err;
      await this.#o.audit.record({ roomId: room.id, actor: principal, action: 'join_refused', details: { reason: 'banned' } });
      throw new ParleyError('BANNED', `You are banned from room ${room.id}`, { details: { roomId: room.id } });
    }
    const member = await this.#o.store.members.get(room.id, principal.userId);
    if (member === undefined) throw new ParleyError('ROOM_NOT_FOUND', `No room has id ${room.id}`);
    return member;
  }

  /**
   * End the principal's own membership (`member_left`); their connections leave the room on every
   * node. Owners stay (a room keeps its owners: hand the role on first). Throws ROOM_NOT_FOUND, FORBIDDEN.
   */
  async leave(principal: Principal, room: RoomRecord): Promise<void> {
    const member = await this.require(principal, room.id);
    if (member.role === 'owner') throw new ParleyError('FORBIDDEN', 'An owner cannot leave the room; make someone else owner first', { details: { role: 'owner' } });
    await this.#o.timelines.commit(room, { userId: principal.userId, name: principal.name }, { type: 'member_left', userId: principal.userId }, { authority: 'checked' });
  }

  /**
   * What a join of the room needs, in one store read (issue 11: joining at scale): the open room,
   * the principal's membership (allowed to read; a granted room is joined or its role brought in
   * line first) and the member count. Throws ROOM_NOT_FOUND (no such room, or not a member: one
   * answer), FORBIDDEN, ROOM_CLOSED, and for a granted room that cannot be joined ROOM_FULL.
   */
  async joinView(principal: Principal, roomId: string): Promise<JoinView & { readonly member: MemberRecord }> {
    let view = await this.#o.store.members.joinView(roomId, principal.userId);
    const grant = principal.grants?.find((g) => g.roomId === roomId);
    if (view !== undefined && grant !== undefined && view.member?.role !== grant.role) {
      await this.#current(principal, roomId);
      view = await this.#o.store.members.joinView(roomId, principal.userId);
    }
    requireAllowed(principal, view?.member?.role, 'read', roomId);
    const { room, member, memberCount } = view as JoinView & { member: MemberRecord };
    if (room.closedAt !== null) throw new ParleyError('ROOM_CLOSED', `Room ${roomId} is closed`);
    return { room, member, memberCount };
  }

  /** The stored membership, created or brought in line with the principal's grant for the room. */
  async #current(principal: Principal, roomId: string): Promise<MemberRecord | undefined> {
    const member = await this.#o.store.members.get(roomId, principal.userId);
    const grant = principal.grants?.find((g) => g.roomId === roomId);
    if (grant === undefined || member?.role === grant.role) return member;
    const room = await this.#o.store.rooms.get(roomId);
    if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', `No room has id ${roomId}`);
    if (member === undefined) return this.add(principal, room, grant.role);
    await this.#o.timelines.commit(room, { userId: principal.userId, name: principal.name }, { type: 'member_role_changed', userId: principal.userId, role: grant.role }, { authority: 'checked' });
    return { ...member, role: grant.role };
  }

  /** A page of members (by user id) with their read markers and online state; asks presence about the page's members only. */
  async page(roomId: string, query: { after?: string | undefined; limit: number }): Promise<{ members: MemberInfo[]; hasMore: boolean }> {
    const page = await this.#o.store.members.page(roomId, query);
    const online = await this.#o.presence.present(roomId, page.members.map((m) => m.userId));
    return { members: page.members.map((m) => toInfo(m, online.has(m.userId))), hasMore: page.hasMore };
  }

  /**
   * Up to `max` members of a room of `count` members, online ones first (each group by user id):
   * what a join reply lists, whatever the room's size (issue 11: join cost independent of room size).
   * A room of at most `max` members is one page read and one presence question about them; a larger
   * one reads at most `max` online members from presence and at most `2 × max` members from the store.
   */
  async summary(roomId: string, max: number, count: number): Promise<MemberInfo[]> {
    if (count <= max) {
      const { members } = await this.#o.store.members.page(roomId, { limit: max });
      const online = await this.#o.presence.present(roomId, members.map((m) => m.userId));
      const infos = members.map((m) => toInfo(m, online.has(m.userId)));
      return [...infos.filter((m) => m.online), ...infos.filter((m) => !m.online)];
    }
    const onlineIds = await this.#o.presence.online(roomId, max);
    const members = (await this.#o.store.members.getMany(roomId, onlineIds)).map((m) => toInfo(m, true));
    if (members.length < max) {
      const listed = new Set(onlineIds);
      const { members: more } = await this.#o.store.members.page(roomId, { limit: max });
      for (const m of more) if (members.length < max && !listed.has(m.userId)) members.push(toInfo(m, false));
    }
    return members;
  }

  /** Messages by others after `lastReadSeq` (at most {@link UNREAD_MAX}); other events and your own messages never count. */
  async unread(room: RoomRecord, userId: string, lastReadSeq: number): Promise<number> {
    if (room.kind !== 'relay') return this.#o.store.timeline.unread(room.id, userId, lastReadSeq, UNREAD_MAX);
    const read = await this.#o.timelines.sourceFor(room).since(room.id, lastReadSeq, UNREAD_MAX * 4);
    return Math.min(UNREAD_MAX, read.events.filter((e) => e.type === 'message' && e.senderId !== userId && e.deletedAt === undefined).length);
  }

  /** Move the read marker forward to min(seq, lastSeq); returns the new marker (unchanged markers are returned as they are). */
  async markRead(principal: Principal, room: { id: string; lastSeq: number }, seq: number): Promise<{ seq: number; moved: boolean }> {
    const before = await this.require(principal, room.id, 'read');
    const target = Math.min(seq, room.lastSeq);
    if (target <= before.lastReadSeq) return { seq: before.lastReadSeq, moved: false };
    const after = await this.#o.store.members.markRead(room.id, principal.userId, target);
    return { seq: after ?? before.lastReadSeq, moved: after !== undefined && after > before.lastReadSeq };
  }
}

/** The wire view of a member. */
function toInfo(m: MemberListing, online: boolean): MemberInfo {
  return { userId: m.userId, name: m.name, role: m.role, lastReadSeq: m.lastReadSeq, online };
}
