/**
 * Rooms on the wire: the room's public state, its policy, and the join/leave commands.
 * Seeds' "conversation" and "session" are rooms (DESIGN.md, Concepts).
 */
import { z } from 'zod';
import { CommandId, RoomId } from './ids.ts';

/** `persistent`: history stored, resume from the store. `relay`: never stored, short resume buffer. */
export const RoomKind = z.enum(['persistent', 'relay']).describe('persistent: history stored; relay: never stored, short resume buffer.').meta({ id: 'RoomKind' });
export type RoomKind = z.infer<typeof RoomKind>;

/**
 * `code`: joiners present the room's join code. `open`: anyone who knows the room id may join.
 * Conversations (issue 13) report `code` and have no code: nobody joins them; members add people.
 */
export const JoinRule = z.enum(['code', 'open']).describe('code: joiners present the join code; open: anyone with the room id may join. Conversations report code and have none: members add people.').meta({ id: 'JoinRule' });
export type JoinRule = z.infer<typeof JoinRule>;

/**
 * What kind of conversation a room is (issue 13): `direct` between two people (one per pair, its
 * two members from its creation), `group` a small one whose members add people (up to
 * PARLEY_GROUP_CONVERSATION_MAX_MEMBERS). Nobody joins a conversation by code, link or invite.
 */
export const ConversationKind = z.enum(['direct', 'group']).describe('direct: two people, one conversation per pair; group: a small conversation whose members add people.').meta({ id: 'ConversationKind' });
export type ConversationKind = z.infer<typeof ConversationKind>;

/**
 * The room policy set at creation (DESIGN.md: persistent | relay, e2ee, maxMembers, join rule).
 * `e2ee` rooms carry opaque bodies (ciphertext made by the clients): the server never filters
 * them, it only limits their size (issue: abuse resistance — moderation).
 */
export const RoomPolicy = z
  .object({
    kind: RoomKind.default('persistent'),
    maxMembers: z.number().int().min(1).max(1_000_000).default(1000).describe('Most members the room admits.'),
    joinRule: JoinRule.default('code'),
    e2ee: z.boolean().default(false).describe('End-to-end encrypted: bodies are opaque to the server (no word filter; only the size limit).'),
    messagesPerMinute: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('Most messages one member may send per minute in this room (issue: abuse resistance); the server\'s PARLEY_MESSAGES_PER_MINUTE when omitted.'),
  })
  .meta({ id: 'RoomPolicy' });
export type RoomPolicy = z.infer<typeof RoomPolicy>;

/** What any member may know about a room. Times are Unix epoch milliseconds. */
export const RoomInfo = z
  .object({
    id: RoomId,
    name: z.string(),
    kind: RoomKind,
    maxMembers: z.number().int(),
    joinRule: JoinRule,
    e2ee: z.boolean().describe('End-to-end encrypted: bodies are opaque to the server.'),
    messagesPerMinute: z.number().int().optional().describe('The room\'s own limit of messages per member per minute; absent when the server\'s default applies.'),
    createdAt: z.number().int().describe('Unix ms.'),
    closedAt: z.number().int().nullable().describe('Unix ms, or null while open.'),
    epoch: z.string().describe('Changes only if the room\'s seq numbering is reset; a client whose epoch differs must resync.'),
    lastSeq: z.number().int().min(0).describe('Seq of the newest timeline event (0 when empty).'),
    conversation: ConversationKind.optional().describe('Set when the room is a conversation (issue 13); absent for an ordinary room.'),
  })
  .meta({ id: 'RoomInfo' });
export type RoomInfo = z.infer<typeof RoomInfo>;

/** Member roles (DESIGN.md). Issue 2 grants `owner` to admins and `member` to joiners. */
export const MemberRole = z.enum(['owner', 'moderator', 'member', 'guest']).describe('A member\'s role in the room.').meta({ id: 'MemberRole' });
export type MemberRole = z.infer<typeof MemberRole>;

/** A member of a room as other members see it. */
export const MemberInfo = z
  .object({
    userId: z.string(),
    name: z.string(),
    role: MemberRole,
    lastReadSeq: z.number().int().min(0).describe('The member\'s read marker: last seq they have read.'),
    online: z.boolean(),
  })
  .meta({ id: 'MemberInfo' });
export type MemberInfo = z.infer<typeof MemberInfo>;

/**
 * `join` command: start receiving a room's events on this connection.
 * With `since`, every timeline event with seq > since is replayed in order before live ones (resume).
 * `epoch` is the room epoch the client's `since` refers to; a mismatch answers `resync`.
 */
export const JoinCommand = z
  .object({
    type: z.literal('join'),
    id: CommandId.optional(),
    roomId: RoomId,
    since: z.number().int().min(0).optional().describe('Last seq the client has; omit on a fresh join.'),
    epoch: z.string().max(64).optional(),
  })
  .meta({ id: 'JoinCommand', description: 'Subscribe this connection to a room, optionally resuming after `since`.' });
export type JoinCommand = z.infer<typeof JoinCommand>;

/**
 * How a join resumed:
 * - `fresh`: no `since` given; nothing replayed (page history to show the past).
 * - `replay`: the `replayed` events after `since` follow this reply as `event` pushes, then live ones.
 * - `resync`: the gap is too large, `since` is beyond the room's newest seq, or the epoch changed;
 *   drop local state and page history. Live messages after `lastSeq` still follow.
 * - `gap` (relay rooms): some messages after `since` are gone; a `gap` push names them, the rest replay.
 */
export const ResumeOutcome = z.enum(['fresh', 'replay', 'resync', 'gap']).describe('How the join resumed: fresh, replay, resync or gap (see the join flow).').meta({ id: 'ResumeOutcome' });
export type ResumeOutcome = z.infer<typeof ResumeOutcome>;

/** Result of `join`. Replayed `message` pushes (if any) follow this reply on the same socket. */
export const JoinResult = z
  .object({
    room: RoomInfo,
    resume: ResumeOutcome,
    replayed: z.number().int().min(0).describe('How many `event` pushes follow as catch-up.'),
    members: z.array(MemberInfo).describe('Up to PARLEY_JOIN_MEMBERS_MAX current members, online ones first: a summary whose size does not grow with the room; page the rest with GET /api/v1/rooms/:id/members.'),
    memberCount: z.number().int().min(0).describe('How many members the room has.'),
    lastReadSeq: z.number().int().min(0).describe('This principal\'s own read marker.'),
    unread: z.number().int().min(0).describe('Messages by others after the read marker (other event types and your own messages do not count).'),
  })
  .meta({ id: 'JoinResult' });
export type JoinResult = z.infer<typeof JoinResult>;

/** `leave` command: stop receiving the room's events on this connection (membership stays). */
export const LeaveCommand = z
  .object({ type: z.literal('leave'), id: CommandId.optional(), roomId: RoomId })
  .meta({ id: 'LeaveCommand', description: 'Unsubscribe this connection from a room.' });
export type LeaveCommand = z.infer<typeof LeaveCommand>;

/** `history` command: a page of the room's timeline by seq (same rules as HTTP history; relay rooms answer from their short buffer). */
export const HistoryCommand = z
  .object({
    type: z.literal('history'),
    id: CommandId.optional(),
    roomId: RoomId,
    before: z.number().int().min(1).optional().describe('Return events with seq < before (newest page when omitted).'),
    after: z.number().int().min(0).optional().describe('Return events with seq > after (oldest first).'),
    limit: z.number().int().min(1).max(500).optional(),
  })
  .meta({ id: 'HistoryCommand', description: 'Fetch a page of the timeline by seq.' });
export type HistoryCommand = z.infer<typeof HistoryCommand>;
