/**
 * Commands that write to the timeline (send, edit, delete, react) and their ack, read markers, and
 * the relay `gap` and `resync` notices. Rules: DESIGN.md "Delivery path" and rules 1, 4, 5.
 */
import { z } from 'zod';
import { ClientId, CommandId, RoomId } from './ids.ts';
import { ReactionKey, Seq } from './timeline.ts';

/**
 * Message text as sent: stored and delivered exactly as typed, and always rendered as text, never
 * HTML (issue 11: text is never changed). Plaintext rooms apply the word filter (block or mask,
 * docs/operations.md, Moderation); e2ee rooms carry opaque ciphertext, only size-limited.
 */
export const MessageBody = z.string().min(1, 'body must not be empty').describe('Message text (at most PARLEY_MESSAGE_MAX_BYTES UTF-8 bytes), stored exactly as sent and always shown as text, never HTML; plaintext rooms apply the word filter; e2ee rooms carry opaque ciphertext.').meta({ id: 'MessageBody' });

/**
 * `send` command. Its `id` IS the clientId idempotency key (STYLE C5), scoped to the sender and the
 * room: resend the same frame after a reconnect and the server answers with the first ack. The
 * connection must have joined the room first.
 */
export const SendCommand = z
  .object({
    type: z.literal('send'),
    id: ClientId,
    roomId: RoomId,
    body: MessageBody,
    replyTo: Seq.optional().describe('Seq of the message this one answers (shown with a quote).'),
  })
  .meta({ id: 'SendCommand', description: 'Send a message; `id` is the clientId idempotency key.' });
export type SendCommand = z.infer<typeof SendCommand>;

/** `edit` command: replace the body of your own message `target` within the edit window (PARLEY_EDIT_WINDOW_MS). */
export const EditCommand = z
  .object({ type: z.literal('edit'), id: ClientId, roomId: RoomId, target: Seq, body: MessageBody })
  .meta({ id: 'EditCommand', description: 'Edit your own message; `id` is the clientId idempotency key.' });
export type EditCommand = z.infer<typeof EditCommand>;

/** `delete` command: delete message `target` — your own, or anyone's lower in rank as a moderator. */
export const DeleteCommand = z
  .object({ type: z.literal('delete'), id: ClientId, roomId: RoomId, target: Seq })
  .meta({ id: 'DeleteCommand', description: 'Delete a message (yours, or as a moderator); leaves a tombstone.' });
export type DeleteCommand = z.infer<typeof DeleteCommand>;

/** `react` command: add (`active: true`) or take back (`active: false`) your reaction `key` on message `target`. */
export const ReactCommand = z
  .object({ type: z.literal('react'), id: ClientId, roomId: RoomId, target: Seq, key: ReactionKey, active: z.boolean().default(true) })
  .meta({ id: 'ReactCommand', description: 'Add or remove your reaction on a message.' });
export type ReactCommand = z.infer<typeof ReactCommand>;

/**
 * Ack: the answer to a command that appends a timeline event (send, edit, delete, react), given
 * only once the event is durable (persistent rooms) or in the relay buffer (relay rooms). `seq` is
 * the event's. `duplicate` is true when this clientId was already used by this sender in this room
 * (the first ack's values come back), or when the change was already in place (a reaction already
 * given: `seq` is the event that gave it).
 */
export const Ack = z
  .object({
    roomId: RoomId,
    clientId: ClientId,
    id: z.string(),
    seq: Seq,
    createdAt: z.number().int().describe('Unix ms.'),
    duplicate: z.boolean(),
  })
  .meta({ id: 'Ack' });
export type Ack = z.infer<typeof Ack>;

/** `read` command: move this principal's read marker forward to `seq` (never backwards). */
export const ReadCommand = z
  .object({ type: z.literal('read'), id: CommandId.optional(), roomId: RoomId, seq: z.number().int().min(0).describe('Last seq the user has read.') })
  .meta({ id: 'ReadCommand', description: 'Mark messages up to `seq` as read.' });
export type ReadCommand = z.infer<typeof ReadCommand>;

/** Result of `read`: the read marker after the update (it never moves backwards and is capped at the newest seq). */
export const ReadResult = z
  .object({ seq: z.number().int().min(0).describe('Your read marker now: never lower than before, never above the room\'s newest seq.') })
  .meta({ id: 'ReadResult' });
export type ReadResult = z.infer<typeof ReadResult>;

/** Push: a member's read marker moved. */
export const ReadPush = z
  .object({ type: z.literal('read'), roomId: RoomId, userId: z.string(), seq: z.number().int().min(0).describe('The member\'s new read marker.') })
  .meta({ id: 'ReadPush', description: 'A member read up to `seq`.' });
export type ReadPush = z.infer<typeof ReadPush>;

/**
 * Push (relay rooms only): the room's numbering started over in a new `epoch` (it was emptied on
 * every node and used again). Forget the room's last seq: messages from seq 1 of the new epoch follow.
 */
export const ResyncPush = z
  .object({ type: z.literal('resync'), roomId: RoomId, epoch: z.string().describe('The new epoch; seqs restart at 1.') })
  .meta({ id: 'ResyncPush', description: 'Relay room: numbering restarted in a new epoch; messages from seq 1 follow.' });
export type ResyncPush = z.infer<typeof ResyncPush>;

/**
 * Push (relay rooms only): messages `from`..`to` (inclusive seqs) are no longer in the resume
 * buffer and will never be delivered to this connection. Never a silent gap (DESIGN.md rule 5).
 */
export const GapPush = z
  .object({ type: z.literal('gap'), roomId: RoomId, from: z.number().int().min(1).describe('First missed seq.'), to: z.number().int().min(1).describe('Last missed seq (inclusive).') })
  .meta({ id: 'GapPush', description: 'Relay room: messages from..to were missed and cannot be replayed.' });
export type GapPush = z.infer<typeof GapPush>;
