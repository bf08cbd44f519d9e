/**
 * Identifier schemas shared by every frame: command correlation ids, room ids and client ids.
 */
import { z } from 'zod';

/** Correlation id of a command: echoed by its one `reply`. Omit it and the command gets no reply. */
export const CommandId = z.string().min(1).max(64).describe('Correlation id echoed by the reply; omit for no reply.').meta({ id: 'CommandId' });

/** A room id: 1–64 characters of `[A-Za-z0-9_-]`. */
export const RoomId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'room id must be 1–64 characters of A–Z a–z 0–9 _ -')
  .describe('Room id: 1–64 characters of A–Z a–z 0–9 _ -.')
  .meta({ id: 'RoomId' });
export type RoomId = z.infer<typeof RoomId>;

/**
 * The sender's idempotency key: a retry with the same clientId returns the original ack, never a
 * copy (DESIGN.md, Message). 1–64 printable ASCII characters; a UUID is a good choice.
 */
export const ClientId = z
  .string()
  .regex(/^[\x21-\x7e]{1,64}$/, 'clientId must be 1–64 printable ASCII characters')
  .describe('Idempotency key chosen by the sender: 1–64 printable ASCII characters (a UUID is a good choice).')
  .meta({ id: 'ClientId' });
export type ClientId = z.infer<typeof ClientId>;
