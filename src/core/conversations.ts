/**
 * Direct and group conversations, and blocking (issue 13). A conversation is a room — same seq,
 * resume, edits, reactions and moderation — marked `direct` or `group` (`RoomRecord.conversation`),
 * persistent and plaintext, with no join code: nobody joins one by code, link, invite or credential
 * grant (`Members.add` refuses them); people are in it because it was opened with them or a member
 * added them.
 *
 * Reach: a principal may open a conversation with, or add to a group, a person it "may reach" — an
 * account (by its id), or anyone it shares a room with (integrator-JWT users and guests are reached
 * only so), and who has not blocked it. Anyone else, and an id nobody has, answers the same
 * NOT_FOUND, so people cannot be probed.
 *
 * Direct conversations: one per pair of people, found or created idempotently — the store inserts
 * the room under the pair's key (`directKey`) or reads the one already there, in the transaction
 * that commits both `member_joined` events (`ConversationStore.open`). Opening again brings back a
 * person who left.
 *
 * Blocking: a person blocked by the other member of a direct conversation cannot open it (NOT_FOUND)
 * nor write in it — messages, edits, reactions, typing answer BLOCKED — until unblocked. The
 * check reads durable state before each write; a block committed while a write is under way may
 * let that one write through. In group conversations and ordinary rooms a blocked person's
 * messages still go through (blocking is between two people; leaving the group is the remedy).
 */
import { randomUUID } from 'node:crypto';
import { ParleyError, type MemberRole } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { BlockRecord, ConversationJoin, NewConversation, NewRoom, RoomRecord, Store } from './ports/store.ts';
import { newRoomId, type Rooms } from './rooms.ts';
import type { Timelines } from './timeline/timelines.ts';
import { requireAllowed } from './permissions.ts';

/** Longest generated group name, in characters (the room-name limit of `UpdateRoomRequest`). */
const GROUP_NAME_MAX_CHARS = 100;

/** Options of {@link Conversations}. */
export interface ConversationsOptions {
  readonly store: Store;
  readonly rooms: Rooms;
  readonly timelines: Timelines;
  /** Most members of a group conversation, its creator included (PARLEY_GROUP_CONVERSATION_MAX_MEMBERS). */
  readonly groupMaxMembers: number;
  /** Clock in Unix ms. */
  readonly now: () => number;
}

/** A person a principal may reach, under the name the conversation shows. */
interface Reached {
  readonly userId: string;
  readonly name: string;
}

/** The key of the direct conversation of two people: their user ids sorted, as a JSON array (unambiguous whatever the ids hold). */
function directKey(a: string, b: string): string {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}

export class Conversations {
  readonly #o: ConversationsOptions;

  constructor(options: ConversationsOptions) {
    this.#o = options;
  }

  /**
   * Find or create the direct conversation of `principal` and `userId`; both are its members
   * afterwards. `created` is true for the one call that created it. Throws VALIDATION_FAILED
   * (yourself), NOT_FOUND (unknown, unreachable, or blocking the principal), ROOM_CLOSED (an admin
   * closed it and one of the two had left), BANNED.
   */
  async openDirect(principal: Principal, userId: string): Promise<{ room: RoomRecord; created: boolean }> {
    const other = await this.#reach(principal, userId);
    const room: NewConversation = { ...this.#newRoom(`${principal.name} & ${other.name}`, 2), conversation: 'direct', directKey: directKey(principal.userId, other.userId) };
    return this.#open(room, principal, [
      { userId: principal.userId, name: principal.name },
      { userId: other.userId, name: other.name },
    ]);
  }

  /**
   * Create a group conversation owned by `principal` with the people `userIds` as members (named
   * after them unless `name` is given). Throws VALIDATION_FAILED (yourself among them), NOT_FOUND
   * (one is unknown, unreachable or blocking the principal), ROOM_FULL (more than the group limit),
   * NAME_TAKEN (two fold to the same display name).
   */
  async createGroup(principal: Principal, input: { readonly name?: string | undefined; readonly userIds: readonly string[] }): Promise<RoomRecord> {
    const ids = [...new Set(input.userIds)];
    const max = this.#o.groupMaxMembers;
    if (ids.length + 1 > max) throw new ParleyError('ROOM_FULL', `A group conversation has at most ${max} members, you included`, { details: { maxMembers: max } });
    const others: Reached[] = [];
    for (const id of ids) others.push(await this.#reach(principal, id));
    const name = input.name ?? [principal.name, ...others.map((o) => o.name)].join(', ').slice(0, GROUP_NAME_MAX_CHARS);
    const opened = await this.#open({ ...this.#newRoom(name, max), conversation: 'group' }, principal, [{ userId: principal.userId, name: principal.name, role: 'owner' }, ...others]);
    return opened.room;
  }

  /**
   * Add `userId` to a group conversation as a member of it (`member_joined`; idempotent). Throws
   * ROOM_NOT_FOUND (no such room, or not a member), FORBIDDEN (a guest, or not a group
   * conversation), VALIDATION_FAILED (yourself), NOT_FOUND (as for {@link createGroup}), ROOM_FULL,
   * ROOM_CLOSED, BANNED, NAME_TAKEN.
   */
  async addMember(principal: Principal, roomId: string, userId: string): Promise<RoomRecord> {
    const member = await this.#o.store.members.get(roomId, principal.userId);
    requireAllowed(principal, member?.role, 'send', roomId);
    const room = await this.#o.rooms.fresh(roomId);
    if (room.conversation !== 'group') throw new ParleyError('FORBIDDEN', 'Only group conversations take members this way', { details: { roomId } });
    const other = await this.#reach(principal, userId);
    await this.#o.timelines.commit(room, { userId: principal.userId, name: principal.name }, { type: 'member_joined', userId: other.userId, name: other.name, role: 'member' }, { authority: 'checked' });
    return this.#o.rooms.fresh(roomId);
  }

  /** Block `userId` as `principal` (idempotent). Throws VALIDATION_FAILED for yourself. */
  block(principal: Principal, userId: string): Promise<BlockRecord> {
    if (userId === principal.userId) throw yourself();
    return this.#o.store.blocks.add({ blockerId: principal.userId, blockedId: userId, createdAt: this.#o.now() });
  }

  /** Lift `principal`'s block of `userId`, if any (idempotent). */
  async unblock(principal: Principal, userId: string): Promise<void> {
    await this.#o.store.blocks.remove(principal.userId, userId);
  }

  /** The people `principal` blocks, oldest block first. */
  blocks(principal: Principal): Promise<BlockRecord[]> {
    return this.#o.store.blocks.list(principal.userId);
  }

  /** Refuse a write by `principal` to `room` when it is a direct conversation whose other member blocks them. Throws BLOCKED. */
  async refuseIfBlocked(principal: Principal, room: RoomRecord): Promise<void> {
    if (room.conversation !== 'direct') return;
    if (await this.#o.store.blocks.blockedInRoom(room.id, principal.userId)) {
      throw new ParleyError('BLOCKED', undefined, { details: { roomId: room.id } });
    }
  }

  /** Open `room` with `people` (role `member` unless given) as joins made by `principal`, publish the joins, and cache the room. */
  async #open(room: NewConversation, principal: Principal, people: ReadonlyArray<Reached & { readonly role?: MemberRole }>): Promise<{ room: RoomRecord; created: boolean }> {
    const createdAt = this.#o.now();
    const joins = people.map(
      (p): ConversationJoin => ({
        type: 'member_joined',
        id: randomUUID(),
        senderId: principal.userId,
        senderName: principal.name,
        clientId: randomUUID(),
        createdAt,
        userId: p.userId,
        name: p.name,
        role: p.role ?? 'member',
      }),
    );
    const opened = await this.#o.store.conversations.open(room, joins);
    for (const event of opened.events) this.#o.timelines.publish(event);
    this.#o.rooms.remember(opened.room);
    return { room: opened.room, created: opened.created };
  }

  /** A new conversation room's fields but its kind of conversation: persistent, plaintext, no join code. */
  #newRoom(name: string, maxMembers: number): NewRoom {
    return {
      id: newRoomId(),
      name,
      kind: 'persistent',
      maxMembers,
      joinRule: 'code',
      e2ee: false,
      messagesPerMinute: null,
      joinCodeHash: null,
      epoch: randomUUID(),
      createdAt: this.#o.now(),
    };
  }

  /**
   * `userId` as `principal` may reach them (see the module comment): an account under its name, or
   * a person sharing a room with the principal under their name there; not blocking the principal.
   * Throws VALIDATION_FAILED (yourself), NOT_FOUND (one answer for everything else).
   */
  async #reach(principal: Principal, userId: string): Promise<Reached> {
    if (userId === principal.userId) throw yourself();
    const { store } = this.#o;
    const name = (await store.accounts.get(userId))?.name ?? (await store.conversations.sharedName(principal.userId, userId));
    if (name === undefined || (await store.blocks.has(userId, principal.userId))) {
      throw new ParleyError('NOT_FOUND', 'No person with this id that you can reach', { details: { userId } });
    }
    return { userId, name };
  }
}

/** The refusal of a conversation or block with oneself. */
function yourself(): ParleyError {
  const message = 'userId: this is you';
  return new ParleyError('VALIDATION_FAILED', message, { details: { issues: [{ path: 'userId', message }] } });
}
