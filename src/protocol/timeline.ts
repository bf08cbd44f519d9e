/**
 * The room timeline (issue 11; DESIGN.md, Timeline): every change to a room is one typed event with
 * the room's next `seq` — messages, edits, deletes, reactions, membership, moderation, room changes
 * and system notices. Resume, history and gap repair carry every event type, so two members that
 * apply the same seqs with {@link applyEvent}-like folding hold the same room state. Typing, presence
 * and read markers are ephemeral and never timeline events.
 *
 * Every event has the same envelope: `id`, `roomId`, `seq`, `senderId`/`senderName` (who caused it:
 * the author, the moderator, the member who joined), `clientId` (the sender's idempotency key,
 * scoped to sender and room) and `createdAt` (Unix ms when the server accepted it).
 *
 * A `message` event read back from history or a resume is the message as it stands now: its latest
 * body and `editedAt`, its tombstone (`deletedAt`, empty body) and its `reactions`. Applying the later
 * `message_edited`, `message_deleted` and `reaction_*` events to it again changes nothing, so replaying
 * from any seq converges on the same state.
 */
import { z } from 'zod';
import { ClientId, RoomId } from './ids.ts';
import { MemberRole } from './rooms.ts';

/** Seq of a timeline event; per room, gap-free and strictly increasing from 1. */
export const Seq = z.number().int().min(1).describe('Per-room, gap-free, strictly increasing.').meta({ id: 'Seq' });

/**
 * A reaction key: an emoji as the client sends it (plaintext rooms), or an opaque value made by the
 * clients (e2ee rooms). 1–64 characters, no whitespace or control characters.
 */
export const ReactionKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\s\p{Cc}]+$/u, 'a reaction is 1–64 characters without spaces or control characters')
  .describe('An emoji (or an opaque key in e2ee rooms): 1–64 characters, no whitespace.')
  .meta({ id: 'ReactionKey' });

/** The members who reacted to a message with one key, in the order they reacted. */
export const Reaction = z
  .object({ key: ReactionKey, userIds: z.array(z.string()).min(1) })
  .meta({ id: 'Reaction', description: 'One reaction key on a message and who reacted with it.' });
export type Reaction = z.infer<typeof Reaction>;

const envelope = {
  id: z.string().describe('Server-assigned unique id.'),
  roomId: RoomId,
  seq: Seq,
  senderId: z.string().describe('Who caused the event: the author, the acting moderator or owner, the member who joined or left.'),
  senderName: z.string(),
  clientId: ClientId.describe('The sender\'s idempotency key, unique per sender and room (server-chosen for events the server writes).'),
  createdAt: z.number().int().describe('Unix ms when the server accepted it.'),
};

/** The seq of the message an event acts on. */
const target = Seq.describe('Seq of the message this event acts on.');

/**
 * A message. As pushed live it is the message as sent; as read from history or a resume it is the
 * message as it stands now (latest body, `editedAt`, `deletedAt`, `reactions`).
 */
export const MessageEvent = z
  .object({
    ...envelope,
    type: z.literal('message'),
    body: z.string().describe('The text exactly as typed (plaintext rooms; render it as text, never HTML) or opaque ciphertext (e2ee rooms); empty once deleted.'),
    replyTo: Seq.optional().describe('Seq of the message this one answers.'),
    editedAt: z.number().int().optional().describe('Unix ms of the latest edit; absent if never edited.'),
    deletedAt: z.number().int().optional().describe('Unix ms of the deletion (a tombstone: the body is erased); absent otherwise.'),
    reactions: z.array(Reaction).optional().describe('Reactions, oldest key first; absent when there are none.'),
  })
  .meta({ id: 'MessageEvent', description: 'A message (in history and resumes: as it stands now).' });
export type MessageEvent = z.infer<typeof MessageEvent>;

/** The author replaced a message's body (within the edit window). Earlier versions stay readable to moderators. */
export const MessageEditedEvent = z
  .object({ ...envelope, type: z.literal('message_edited'), target, body: z.string().describe('The new body (text or ciphertext).') })
  .meta({ id: 'MessageEditedEvent', description: 'The author edited a message: replace its body, set `editedAt` to this event\'s `createdAt`.' });

/** A message was deleted by its author or a moderator: show a tombstone in its place. */
export const MessageDeletedEvent = z
  .object({ ...envelope, type: z.literal('message_deleted'), target })
  .meta({ id: 'MessageDeletedEvent', description: 'A message was deleted: empty its body, drop its reactions, set `deletedAt` to this event\'s `createdAt`.' });

/** The sender reacted to a message with `key` (one reaction per member per key). */
export const ReactionAddedEvent = z
  .object({ ...envelope, type: z.literal('reaction_added'), target, key: ReactionKey })
  .meta({ id: 'ReactionAddedEvent', description: 'The sender reacted to a message with `key`.' });

/** The sender took back their reaction `key`. */
export const ReactionRemovedEvent = z
  .object({ ...envelope, type: z.literal('reaction_removed'), target, key: ReactionKey })
  .meta({ id: 'ReactionRemovedEvent', description: 'The sender took back their reaction `key`.' });

const member = { userId: z.string().describe('The member concerned.') };

/** Someone became a member (the sender is the new member). */
export const MemberJoinedEvent = z
  .object({ ...envelope, type: z.literal('member_joined'), ...member, name: z.string(), role: MemberRole })
  .meta({ id: 'MemberJoinedEvent', description: 'A member joined the room with `role`.' });

/** A member left the room of their own accord. */
export const MemberLeftEvent = z
  .object({ ...envelope, type: z.literal('member_left'), ...member })
  .meta({ id: 'MemberLeftEvent', description: 'A member left the room.' });

/** A moderator removed (kicked) a member; they may come back by any way in. */
export const MemberRemovedEvent = z
  .object({ ...envelope, type: z.literal('member_removed'), ...member })
  .meta({ id: 'MemberRemovedEvent', description: 'A member was removed (kicked) by the sender.' });

/** A moderator banned a user: a member is removed, and no way in admits them until unbanned. */
export const MemberBannedEvent = z
  .object({ ...envelope, type: z.literal('member_banned'), ...member, reason: z.string().nullable() })
  .meta({ id: 'MemberBannedEvent', description: 'A user was banned (and removed if a member).' });

/** A moderator lifted a ban. */
export const MemberUnbannedEvent = z
  .object({ ...envelope, type: z.literal('member_unbanned'), ...member })
  .meta({ id: 'MemberUnbannedEvent', description: 'A ban was lifted.' });

/** An owner (or admin) gave a member another role. */
export const MemberRoleChangedEvent = z
  .object({ ...envelope, type: z.literal('member_role_changed'), ...member, role: MemberRole })
  .meta({ id: 'MemberRoleChangedEvent', description: 'A member\'s role changed to `role`.' });

/** A moderator muted a member until `until` (Unix ms): their sends and typing are refused until then. */
export const MemberMutedEvent = z
  .object({ ...envelope, type: z.literal('member_muted'), ...member, until: z.number().int().describe('Unix ms when the mute ends.') })
  .meta({ id: 'MemberMutedEvent', description: 'A member was muted until `until`.' });

/** A moderator ended a member's mute. */
export const MemberUnmutedEvent = z
  .object({ ...envelope, type: z.literal('member_unmuted'), ...member })
  .meta({ id: 'MemberUnmutedEvent', description: 'A member\'s mute ended early.' });

/** An owner changed the room's settings; only the changed fields are present. */
export const RoomUpdatedEvent = z
  .object({ ...envelope, type: z.literal('room_updated'), name: z.string().optional().describe('The new room name.') })
  .meta({ id: 'RoomUpdatedEvent', description: 'The room\'s settings changed (the fields present).' });

/** The room was closed: it accepts no new messages or joins. */
export const RoomClosedEvent = z
  .object({ ...envelope, type: z.literal('room_closed') })
  .meta({ id: 'RoomClosedEvent', description: 'The room was closed; no more messages or joins.' });

/** A notice posted by the integrator's backend or an admin, shown as a system line. */
export const SystemEvent = z
  .object({ ...envelope, type: z.literal('system'), body: z.string().describe('The notice, shown as text.') })
  .meta({ id: 'SystemEvent', description: 'A system notice posted by the integrator\'s backend or an admin.' });

/** Every timeline event, by `type`. */
export const TimelineEvent = z
  .discriminatedUnion('type', [
    MessageEvent,
    MessageEditedEvent,
    MessageDeletedEvent,
    ReactionAddedEvent,
    ReactionRemovedEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MemberRemovedEvent,
    MemberBannedEvent,
    MemberUnbannedEvent,
    MemberRoleChangedEvent,
    MemberMutedEvent,
    MemberUnmutedEvent,
    RoomUpdatedEvent,
    RoomClosedEvent,
    SystemEvent,
  ])
  .meta({ id: 'TimelineEvent' });
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** The `type` of a timeline event. */
export type TimelineEventType = TimelineEvent['type'];

/** The event of one type, e.g. `EventOf<'member_banned'>`. */
export type EventOf<T extends TimelineEventType> = Extract<TimelineEvent, { type: T }>;

/** Push: one timeline event of a room this connection joined, in seq order, each seq once. */
export const EventPush = z
  .object({ type: z.literal('event'), event: TimelineEvent })
  .meta({ id: 'EventPush', description: 'A timeline event (new, replayed or repaired), in seq order.' });
export type EventPush = z.infer<typeof EventPush>;

/** A page of the timeline, always in ascending seq order. */
export const HistoryPage = z
  .object({
    events: z.array(TimelineEvent),
    hasMore: z.boolean().describe('True when more events exist beyond this page in the requested direction.'),
  })
  .meta({ id: 'HistoryPage' });
export type HistoryPage = z.infer<typeof HistoryPage>;
