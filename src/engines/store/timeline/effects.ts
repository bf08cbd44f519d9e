/**
 * What each committed timeline event changes, applied by `commit.ts` inside the event's transaction
 * (src/core/ports/store.ts, `StoreTimeline.commit`: the event IS the change). One function per event
 * kind; each either applies its change (and resolves undefined), answers a duplicate (the change was
 * already in place), or throws the port's refusal. Nothing here appends the event row.
 */
import type { Transaction } from 'kysely';
import { displayNameKey } from '../../../protocol/names.ts';
import { ParleyError } from '../../../protocol/errors.ts';
import type { ConversationKind, EventOf, TimelineEvent, TimelineEventType } from '../../../protocol/index.ts';
import type { Authority, StoreTimeline } from '../../../core/ports/store.ts';
import { targetData, toTimelineEvent, type Database, type EventRow } from '../schema.ts';

/** An event as `commit` receives it. */
export type CommitEvent = Parameters<StoreTimeline['commit']>[0];

/** The event of one type as `commit` receives it. */
type Committed<T extends TimelineEventType> = Extract<CommitEvent, { type: T }>;

/** What an effect works with. */
export interface EffectContext {
  readonly trx: Transaction<Database>;
  /** The room row, locked (PostgreSQL) or under the write lock (SQLite). */
  readonly room: { readonly id: string; readonly closed_at: number | null; readonly max_members: number; readonly conversation: ConversationKind | null };
  /** The seq the event will take; null in a relay room (no event row, no message there). */
  readonly seq: number | null;
  readonly authority: Authority;
  /** Longest time after a message's `createdAt` that its author may edit it, in ms; no limit when absent. */
  readonly editWindowMs: number | undefined;
}

/** A change already in place: nothing changes and no event is appended; `event` is the one that made it, if stored. */
export interface Duplicate {
  readonly duplicate: true;
  readonly event: TimelineEvent | undefined;
}

/** Apply `event`'s change in `ctx.trx`. Resolves a {@link Duplicate} or undefined (applied); throws the port's refusals. */
export function applyEffect(ctx: EffectContext, event: CommitEvent): Promise<Duplicate | undefined> {
  switch (event.type) {
    case 'message_edited':
      return edit(ctx, event);
    case 'message_deleted':
      return erase(ctx, event);
    case 'reaction_added':
      return react(ctx, event);
    case 'reaction_removed':
      return unreact(ctx, event);
    case 'member_joined':
      return join(ctx, event);
    case 'member_left':
    case 'member_removed':
      return leave(ctx, event);
    case 'member_banned':
      return ban(ctx, event);
    case 'member_unbanned':
      return unban(ctx, event);
    case 'member_role_changed':
      return updateMember(ctx, event, { role: event.role });
    case 'member_muted':
      return updateMember(ctx, event, { muted_until: event.until });
    case 'member_unmuted':
      return updateMember(ctx, event, { muted_until: null });
    case 'room_updated':
      return rename(ctx, event);
    case 'room_closed':
      return close(ctx, event);
    case 'system':
      return Promise.resolve(undefined);
  }
}

const notFound = (roomId: string, target: number) => new ParleyError('NOT_FOUND', 'No such message in this room', { details: { roomId, target } });
const notMember = (roomId: string, userId: string) => new ParleyError('NOT_MEMBER', undefined, { details: { roomId, userId } });

/** The stored event at `seq`, or undefined. */
async function eventAt(ctx: EffectContext, seq: number): Promise<TimelineEvent | undefined> {
  const row = await ctx.trx.selectFrom('events').selectAll().where('room_id', '=', ctx.room.id).where('seq', '=', seq).executeTakeFirst();
  return row === undefined ? undefined : toTimelineEvent(row);
}

/** The message `target` of the room, not deleted. @throws ParleyError `NOT_FOUND` (also in every relay room). */
async function targetMessage(ctx: EffectContext, target: number): Promise<EventRow> {
  if (ctx.seq === null) throw notFound(ctx.room.id, target);
  const row = await ctx.trx
    .selectFrom('events')
    .selectAll()
    .where('room_id', '=', ctx.room.id)
    .where('seq', '=', target)
    .where('type', '=', 'message')
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) throw notFound(ctx.room.id, target);
  return row;
}

/** Replace the body, keeping the previous one as a version. @throws `NOT_FOUND`, `FORBIDDEN` (not the author), `EDIT_WINDOW_CLOSED`. */
async function edit(ctx: EffectContext, event: Committed<'message_edited'>): Promise<undefined> {
  const message = await targetMessage(ctx, event.target);
  if (message.sender_id !== event.senderId) throw new ParleyError('FORBIDDEN', 'Only the author may edit a message', { details: { roomId: ctx.room.id, target: event.target } });
  if (ctx.editWindowMs !== undefined && event.createdAt - message.created_at > ctx.editWindowMs) {
    throw new ParleyError('EDIT_WINDOW_CLOSED', undefined, { details: { roomId: ctx.room.id, target: event.target, editWindowMs: ctx.editWindowMs } });
  }
  await ctx.trx
    .insertInto('message_versions')
    .values({ room_id: ctx.room.id, seq: event.target, edit_seq: ctx.seq as number, body: message.body, replaced_at: event.createdAt })
    .execute();
  await ctx.trx.updateTable('events').set({ body: event.body, edited_at: event.createdAt }).where('room_id', '=', ctx.room.id).where('seq', '=', event.target).execute();
  return undefined;
}

/**
 * Erase the message to a tombstone and drop its reactions. The bodies its `message_edited` events
 * carried are erased too, so the deleted text cannot be read back from the timeline; the versions
 * kept for moderators stay. @throws `NOT_FOUND`, `FORBIDDEN` (authority `member`, not the author).
 */
async function erase(ctx: EffectContext, event: Committed<'message_deleted'>): Promise<undefined> {
  const message = await targetMessage(ctx, event.target);
  if (ctx.authority === 'member' && message.sender_id !== event.senderId) {
    throw new ParleyError('FORBIDDEN', 'Only the author or a moderator may delete a message', { details: { roomId: ctx.room.id, target: event.target } });
  }
  await ctx.trx.updateTable('events').set({ body: '', deleted_at: event.createdAt }).where('room_id', '=', ctx.room.id).where('seq', '=', event.target).execute();
  await ctx.trx.updateTable('events').set({ body: '' }).where('room_id', '=', ctx.room.id).where('type', '=', 'message_edited').where('data', '=', targetData(event.target)).execute();
  await ctx.trx.deleteFrom('reactions').where('room_id', '=', ctx.room.id).where('target_seq', '=', event.target).execute();
  return undefined;
}

/** Add the sender's reaction; one given before is a duplicate answering the event that gave it. @throws `NOT_FOUND`. */
async function react(ctx: EffectContext, event: Committed<'reaction_added'>): Promise<Duplicate | undefined> {
  await targetMessage(ctx, event.target);
  const existing = await ctx.trx
    .selectFrom('reactions')
    .select('seq')
    .where('room_id', '=', ctx.room.id)
    .where('target_seq', '=', event.target)
    .where('user_id', '=', event.senderId)
    .where('key', '=', event.key)
    .executeTakeFirst();
  if (existing !== undefined) return { duplicate: true, event: await eventAt(ctx, existing.seq) };
  await ctx.trx
    .insertInto('reactions')
    .values({ room_id: ctx.room.id, target_seq: event.target, user_id: event.senderId, key: event.key, seq: ctx.seq as number, created_at: event.createdAt })
    .execute();
  return undefined;
}

/** Take back the sender's reaction. @throws `NOT_FOUND` (no such message, or the reaction was not given). */
async function unreact(ctx: EffectContext, event: Committed<'reaction_removed'>): Promise<undefined> {
  await targetMessage(ctx, event.target);
  const removed = await ctx.trx
    .deleteFrom('reactions')
    .where('room_id', '=', ctx.room.id)
    .where('target_seq', '=', event.target)
    .where('user_id', '=', event.senderId)
    .where('key', '=', event.key)
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw new ParleyError('NOT_FOUND', 'This reaction was not given', { details: { roomId: ctx.room.id, target: event.target, key: event.key } });
  return undefined;
}

/**
 * Admit the user with the event's name and role, its read marker at the join's own seq (0 in a relay
 * room), in this order: `BANNED`; an existing member is a
 * duplicate with no event; `ROOM_CLOSED`; `ROOM_FULL` when the room already has `maxMembers`;
 * `NAME_TAKEN`. A direct conversation's two people keep their names even when they fold alike
 * (no `name_key`: each knows who the other is; issue 13).
 */
async function join(ctx: EffectContext, event: Committed<'member_joined'>): Promise<Duplicate | undefined> {
  const { trx, room } = ctx;
  const banned = await trx.selectFrom('bans').select('user_id').where('room_id', '=', room.id).where('user_id', '=', event.userId).executeTakeFirst();
  if (banned !== undefined) throw new ParleyError('BANNED', undefined, { details: { roomId: room.id } });
  const existing = await trx.selectFrom('members').select('user_id').where('room_id', '=', room.id).where('user_id', '=', event.userId).executeTakeFirst();
  if (existing !== undefined) return { duplicate: true, event: undefined };
  if (room.closed_at !== null) throw new ParleyError('ROOM_CLOSED', undefined, { details: { roomId: room.id } });
  const { count } = await trx.selectFrom('members').select((eb) => eb.fn.countAll<number | string>().as('count')).where('room_id', '=', room.id).executeTakeFirstOrThrow();
  if (Number(count) >= room.max_members) throw new ParleyError('ROOM_FULL', undefined, { details: { roomId: room.id, maxMembers: room.max_members } });
  // The unique index (room_id, name_key) refuses a name another current member holds in any case.
  const inserted = await trx
    .insertInto('members')
    // The read marker starts at the join itself: history from before it is never unread (issue 12).
    .values({ room_id: room.id, user_id: event.userId, name: event.name, role: event.role, joined_at: event.createdAt, name_key: room.conversation === 'direct' ? null : displayNameKey(event.name), last_read_seq: ctx.seq ?? 0 })
    .onConflict((oc) => oc.columns(['room_id', 'name_key']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  if (inserted === undefined) throw new ParleyError('NAME_TAKEN', 'Another member of this room already has this name (names are compared ignoring case): choose another name', { details: { roomId: room.id, name: event.name } });
  return undefined;
}

/** End the membership. @throws `NOT_MEMBER`. */
async function leave(ctx: EffectContext, event: Committed<'member_left' | 'member_removed'>): Promise<undefined> {
  const removed = await ctx.trx.deleteFrom('members').where('room_id', '=', ctx.room.id).where('user_id', '=', event.userId).executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw notMember(ctx.room.id, event.userId);
  return undefined;
}

/** Record the ban and end any membership; an existing ban is a duplicate answering the event that recorded it. */
async function ban(ctx: EffectContext, event: Committed<'member_banned'>): Promise<Duplicate | undefined> {
  const existing = await ctx.trx.selectFrom('bans').select('seq').where('room_id', '=', ctx.room.id).where('user_id', '=', event.userId).executeTakeFirst();
  if (existing !== undefined) return { duplicate: true, event: existing.seq === null ? undefined : await eventAt(ctx, existing.seq) };
  await ctx.trx
    .insertInto('bans')
    .values({ room_id: ctx.room.id, user_id: event.userId, actor_id: event.senderId, reason: event.reason, created_at: event.createdAt, seq: ctx.seq })
    .execute();
  await ctx.trx.deleteFrom('members').where('room_id', '=', ctx.room.id).where('user_id', '=', event.userId).execute();
  return undefined;
}

/** Lift the ban. @throws `NOT_FOUND` when there is none. */
async function unban(ctx: EffectContext, event: Committed<'member_unbanned'>): Promise<undefined> {
  const lifted = await ctx.trx.deleteFrom('bans').where('room_id', '=', ctx.room.id).where('user_id', '=', event.userId).executeTakeFirst();
  if (Number(lifted.numDeletedRows) === 0) throw new ParleyError('NOT_FOUND', 'This user is not banned', { details: { roomId: ctx.room.id, userId: event.userId } });
  return undefined;
}

/** Change the role or the mute of a member. @throws `NOT_MEMBER`. */
async function updateMember(ctx: EffectContext, event: { readonly userId: string }, change: { role?: EventOf<'member_role_changed'>['role']; muted_until?: number | null }): Promise<undefined> {
  const updated = await ctx.trx.updateTable('members').set(change).where('room_id', '=', ctx.room.id).where('user_id', '=', event.userId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw notMember(ctx.room.id, event.userId);
  return undefined;
}

/** Apply the changed settings (the name). */
async function rename(ctx: EffectContext, event: Committed<'room_updated'>): Promise<undefined> {
  if (event.name !== undefined) await ctx.trx.updateTable('rooms').set({ name: event.name }).where('id', '=', ctx.room.id).execute();
  return undefined;
}

/** Close the room; closing a closed room is a duplicate answering the `room_closed` event, if stored. */
async function close(ctx: EffectContext, event: Committed<'room_closed'>): Promise<Duplicate | undefined> {
  if (ctx.room.closed_at !== null) {
    const row = await ctx.trx.selectFrom('events').selectAll().where('room_id', '=', ctx.room.id).where('type', '=', 'room_closed').orderBy('seq').executeTakeFirst();
    return { duplicate: true, event: row === undefined ? undefined : toTimelineEvent(row) };
  }
  await ctx.trx.updateTable('rooms').set({ closed_at: event.createdAt }).where('id', '=', ctx.room.id).execute();
  return undefined;
}
