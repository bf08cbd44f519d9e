/**
 * A room's state folded from its timeline (src/protocol/timeline.ts; DESIGN.md, Timeline): the
 * messages as they stand (edits, tombstones, reactions), the members with their role and mute, the
 * bans, the room's name and whether it is closed. {@link applyEvent} is a pure reducer that follows
 * the protocol's docstrings:
 * - `message`: added as given (from history or a resume it already stands as it is now); a seq that
 *   is already there is kept as it is;
 * - `message_edited`: `body` replaced, `editedAt` = the event's `createdAt`;
 * - `message_deleted`: `body` emptied, `reactions` dropped, `deletedAt` = the event's `createdAt`;
 *   a deleted message takes no more edits or reactions;
 * - `reaction_added` / `reaction_removed`: one set of members per key; as the server reads them back
 *   (src/engines/store/timeline/read.ts), members in the order they reacted and keys by their first
 *   current reaction's seq; a key with nobody left is dropped, and `reactions` is absent when none
 *   remain. The state remembers the seq that added each reaction (`reactionSeqs`) to keep that order;
 *   a message read from history carries no such seqs, so its reactions keep the order it came with
 *   (seqs below any later event's). One thing history cannot tell: after a key's first reaction is
 *   taken back, whether the key's next reaction is older than another key's first — there a client
 *   that started from history may order the two keys differently from one that saw them live;
 * - membership and moderation events update `members` and `bans` (a join starts unmuted, with the
 *   event's name and role); `room_updated` the name;
 *   `room_closed` sets `closedAt`; `system` changes nothing.
 *
 * Applying an event twice changes nothing, and a message read from history (as it stands now)
 * followed by the events it already contains ends equal to the same events applied live (but for the
 * key-order case above), so a client that resumes from any seq converges on the same state. Events about a message or member the state
 * does not hold (older than what was loaded) are ignored.
 */
import type { MemberRole, MessageEvent, Reaction, RoomInfo, TimelineEvent } from '../../src/protocol/index.ts';

/** A member as the timeline tells: name, role, and until when (Unix ms) they are muted (null: not muted). */
export interface RoomMember {
  readonly name: string;
  readonly role: MemberRole;
  readonly mutedUntil: number | null;
}

/** A room as folded from its timeline. Never mutated: {@link applyEvent} returns a new state. */
export interface RoomState {
  /** Messages by seq, each as it stands now (latest body, `editedAt`, `deletedAt`, `reactions`). */
  readonly messages: ReadonlyMap<number, MessageEvent>;
  /**
   * Per message seq: the seq of the event that added each reaction, by `key + "\n" + userId`
   * (reactions read from history get fractional seqs between the message's and the next, in the
   * order they came, until a replayed `reaction_added` names the real one). Kept only to order `reactions`.
   */
  readonly reactionSeqs: ReadonlyMap<number, ReadonlyMap<string, number>>;
  /** Members by user id. */
  readonly members: ReadonlyMap<string, RoomMember>;
  /** User ids banned from the room. */
  readonly bans: ReadonlySet<string>;
  /** The room's name. */
  readonly name: string;
  /** Unix ms when the room was closed; null while open. */
  readonly closedAt: number | null;
}

/**
 * The state before any event: an empty room named `name`, or the room a join result describes
 * (`room.name`, `room.closedAt`) with the members it lists (their mutes are not part of a join
 * result: null until a `member_muted` event).
 */
export function emptyRoomState(room: Pick<RoomInfo, 'name' | 'closedAt'> = { name: '', closedAt: null }, members: ReadonlyArray<{ userId: string; name: string; role: MemberRole }> = []): RoomState {
  return {
    messages: new Map(),
    reactionSeqs: new Map(),
    members: new Map(members.map((m) => [m.userId, { name: m.name, role: m.role, mutedUntil: null }])),
    bans: new Set(),
    name: room.name,
    closedAt: room.closedAt,
  };
}

/** Fold one timeline event into `state`. Pure: returns `state` itself when the event changes nothing. */
export function applyEvent(state: RoomState, event: TimelineEvent): RoomState {
  return fold(state, event, false);
}

/**
 * {@link applyEvent} for a caller that owns `state` and every collection in it (a client keeping a
 * room's state): the collections are updated in place, so an event costs the same in a room of ten
 * messages or ten thousand. The result is a new state object when something changed (its identity
 * tells a change, as React's `useSyncExternalStore` needs), but earlier state objects share the
 * updated collections: keep only the newest.
 */
export function applyEventInPlace(state: RoomState, event: TimelineEvent): RoomState {
  return fold(state, event, true);
}

/** One folding rule per event type; with `own`, collections are changed in place instead of copied. */
function fold(state: RoomState, event: TimelineEvent, own: boolean): RoomState {
  switch (event.type) {
    case 'message': {
      if (state.messages.has(event.seq)) return state;
      const message = copyMessage(event);
      if (message.reactions === undefined) return { ...state, messages: withEntry(state.messages, event.seq, message, own) };
      return { ...state, messages: withEntry(state.messages, event.seq, message, own), reactionSeqs: withEntry(state.reactionSeqs, event.seq, readSeqs(message), own) };
    }
    case 'message_edited':
      return updateMessage(state, event.target, (m) => (m.deletedAt !== undefined || (m.body === event.body && m.editedAt === event.createdAt) ? m : { ...m, body: event.body, editedAt: event.createdAt }), own);
    case 'message_deleted': {
      const next = updateMessage(
        state,
        event.target,
        (m) => {
          if (m.deletedAt === event.createdAt && m.body === '' && m.reactions === undefined) return m;
          return { ...withoutReactions(m), body: '', deletedAt: event.createdAt };
        },
        own,
      );
      if (!next.reactionSeqs.has(event.target)) return next;
      return { ...next, reactionSeqs: withoutEntry(next.reactionSeqs, event.target, own) };
    }
    case 'reaction_added':
    case 'reaction_removed': {
      const message = state.messages.get(event.target);
      if (message === undefined || message.deletedAt !== undefined) return state;
      const id = `${event.key}\n${event.senderId}`;
      const seqs = state.reactionSeqs.get(event.target) ?? new Map<string, number>();
      const known = seqs.get(id);
      // Present already: nothing to do, unless its seq was only a placeholder from history (replayed adds name the real one).
      if (event.type === 'reaction_added' && known !== undefined && Number.isInteger(known)) return state;
      if (event.type === 'reaction_removed' && known === undefined) return state;
      const next = new Map(seqs);
      if (event.type === 'reaction_added') next.set(id, event.seq);
      else next.delete(id);
      const reactionSeqs = next.size === 0 ? withoutEntry(state.reactionSeqs, event.target, own) : withEntry(state.reactionSeqs, event.target, next, own);
      return { ...state, messages: withEntry(state.messages, event.target, withReactions(message, orderedReactions(next)), own), reactionSeqs };
    }
    case 'member_joined':
      // Absolute, like every member event: a join replayed after later events leaves what they set.
      return setMember(state, event.userId, { name: event.name, role: event.role, mutedUntil: null }, own);
    case 'member_left':
    case 'member_removed':
      return removeMember(state, event.userId, own);
    case 'member_banned': {
      const removed = removeMember(state, event.userId, own);
      return removed.bans.has(event.userId) ? removed : { ...removed, bans: new Set([...removed.bans, event.userId]) };
    }
    case 'member_unbanned': {
      if (!state.bans.has(event.userId)) return state;
      const bans = new Set(state.bans);
      bans.delete(event.userId);
      return { ...state, bans };
    }
    case 'member_role_changed':
      return updateMember(state, event.userId, (m) => ({ ...m, role: event.role }), own);
    case 'member_muted':
      return updateMember(state, event.userId, (m) => ({ ...m, mutedUntil: event.until }), own);
    case 'member_unmuted':
      return updateMember(state, event.userId, (m) => ({ ...m, mutedUntil: null }), own);
    case 'room_updated':
      return event.name === undefined || event.name === state.name ? state : { ...state, name: event.name };
    case 'room_closed':
      return state.closedAt === event.createdAt ? state : { ...state, closedAt: event.createdAt };
    case 'system':
      return state;
  }
}

/** Fold `events` in order (a history page, a replay). */
export function applyEvents(state: RoomState, events: Iterable<TimelineEvent>): RoomState {
  let next = state;
  for (const event of events) next = applyEvent(next, event);
  return next;
}

/** `map` with `key` set to `value`: a copy, or with `own` the map itself, changed. */
function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V, own: boolean): Map<K, V> {
  const next = own ? (map as Map<K, V>) : new Map(map);
  next.set(key, value);
  return next;
}

/** `map` without `key`: a copy, or with `own` the map itself, changed. */
function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K, own: boolean): Map<K, V> {
  const next = own ? (map as Map<K, V>) : new Map(map);
  next.delete(key);
  return next;
}

/** A message with its reactions copied, so the state shares no array with the event it came from. */
function copyMessage(message: MessageEvent): MessageEvent {
  return message.reactions === undefined ? { ...message } : { ...message, reactions: message.reactions.map((r) => ({ key: r.key, userIds: [...r.userIds] })) };
}

function updateMessage(state: RoomState, seq: number, update: (message: MessageEvent) => MessageEvent, own: boolean): RoomState {
  const message = state.messages.get(seq);
  if (message === undefined) return state;
  const next = update(message);
  return next === message ? state : { ...state, messages: withEntry(state.messages, seq, next, own) };
}

/** `message` with `reactions` (no `reactions` key when empty). */
function withReactions(message: MessageEvent, reactions: Reaction[]): MessageEvent {
  return reactions.length === 0 ? withoutReactions(message) : { ...message, reactions };
}

/** A copy of `message` without the `reactions` key (absent, not undefined: equal to a message that never had any). */
function withoutReactions(message: MessageEvent): MessageEvent {
  const copy = { ...message };
  delete copy.reactions;
  return copy;
}

/**
 * Seqs for the reactions of a message read from history, which carries none: fractions between its
 * seq and the next, in the order given (key by key, members in order), so {@link orderedReactions}
 * gives back that order and every later reaction sorts after them.
 */
function readSeqs(message: MessageEvent): Map<string, number> {
  const reactions = message.reactions ?? [];
  const total = reactions.reduce((n, r) => n + r.userIds.length, 0);
  const seqs = new Map<string, number>();
  let i = 0;
  for (const r of reactions) for (const userId of r.userIds) seqs.set(`${r.key}\n${userId}`, message.seq + ++i / (total + 1));
  return seqs;
}

/** Reactions as the server reads them back: members by the seq they reacted, keys by their first member's seq. */
function orderedReactions(seqs: ReadonlyMap<string, number>): Reaction[] {
  const byKey = new Map<string, Array<[string, number]>>();
  for (const [id, seq] of [...seqs].sort(([, a], [, b]) => a - b)) {
    const cut = id.indexOf('\n');
    const key = id.slice(0, cut);
    let users = byKey.get(key);
    if (users === undefined) byKey.set(key, (users = []));
    users.push([id.slice(cut + 1), seq]);
  }
  return [...byKey].map(([key, users]) => ({ key, userIds: users.map(([userId]) => userId) }));
}

function setMember(state: RoomState, userId: string, member: RoomMember, own: boolean): RoomState {
  const known = state.members.get(userId);
  if (known !== undefined && known.name === member.name && known.role === member.role && known.mutedUntil === member.mutedUntil) return state;
  return { ...state, members: withEntry(state.members, userId, member, own) };
}

function updateMember(state: RoomState, userId: string, update: (member: RoomMember) => RoomMember, own: boolean): RoomState {
  const known = state.members.get(userId);
  return known === undefined ? state : setMember(state, userId, update(known), own);
}

function removeMember(state: RoomState, userId: string, own: boolean): RoomState {
  if (!state.members.has(userId)) return state;
  return { ...state, members: withoutEntry(state.members, userId, own) };
}
