/**
 * Messages on the wire: the stored message, the `send` command and its ack, the `message` push,
 * read markers and the relay `gap` notice. Rules: DESIGN.md "Delivery path" and rules 1, 4, 5.
 */
import { z } from 'zod';
import { ClientId, CommandId, RoomId } from './ids.ts';

/**
 * Message text as sent. Length in bytes is limited by `PARLEY_MESSAGE_MAX_BYTES`; always rendered as
 * text. In plaintext rooms the server removes HTML markup and applies the word filter before storing
 * it (docs/operations.md, Moderation); in e2ee rooms it is opaque and stored as sent.
 */
export const MessageBody = z.string().min(1, 'body must not be empty').describe('Message text (at most PARLEY_MESSAGE_MAX_BYTES UTF-8 bytes); always shown as text, never HTML. Plaintext rooms remove HTML markup and apply the word filter; e2ee rooms store it as sent.').meta({ id: 'MessageBody' });

/**
 * A message as stored and delivered. `seq` is per room, gap-free and strictly increasing. A message
 * deleted by a moderator stays in the sequence as a tombstone: empty `body`, `deletedAt` set.
 */
export const Message = z
  .object({
    id: z.string().describe('Server-assigned unique id.'),
    roomId: RoomId,
    seq: z.number().int().min(1).describe('Per-room, gap-free, strictly increasing.'),
    senderId: z.string(),
    senderName: z.string(),
    clientId: ClientId,
    type: z.literal('text'),
    body: z.string().describe('The text (plaintext rooms: HTML markup removed) or opaque ciphertext (e2ee rooms); empty once deleted.'),
    createdAt: z.number().int().describe('Unix ms when the server accepted it.'),
    deletedAt: z.number().int().optional().describe('Unix ms when a moderator deleted it (a tombstone: the body was erased); absent otherwise.'),
  })
  .meta({ id: 'Message' });
export type Message = z.infer<typeof Message>;

/**
 * `send` command. Its `id` IS the clientId idempotency key (STYLE C5): resend the same frame after
 * a reconnect and the server answers with the first ack.
 */
export const SendCommand = z
  .object({
    type: z.literal('send'),
    id: ClientId,
    roomId: RoomId,
    body: MessageBody,
  })
  .meta({ id: 'SendCommand', description: 'Send a text message; `id` is the clientId idempotency key.' });
export type SendCommand = z.infer<typeof SendCommand>;

/**
 * Ack: the answer to a send, given only once the message is durable (persistent rooms) or handed to
 * the broker (relay rooms). `duplicate` is true when this clientId was already stored.
 */
export const Ack = z
  .object({
    roomId: RoomId,
    clientId: ClientId,
    id: z.string(),
    seq: z.number().int().min(1),
    createdAt: z.number().int().describe('Unix ms.'),
    duplicate: z.boolean(),
  })
  .meta({ id: 'Ack' });
export type Ack = z.infer<typeof Ack>;

/** Push: a message in a room this connection joined. Delivered in seq order, once. */
export const MessagePush = z
  .object({ type: z.literal('message'), message: Message })
  .meta({ id: 'MessagePush', description: 'A new (or replayed) message, in seq order.' });
export type MessagePush = z.infer<typeof MessagePush>;

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
