/**
 * The wire contract shared by the server, the client SDK and the generated docs: one Zod schema
 * per frame, and the two direction unions. This folder imports nothing but `zod`.
 */
import { z } from 'zod';
import { AuthCommand, AuthResult, PingCommand, WelcomePush, ReplyFrame, ErrorPush, ReconnectPush, EmptyResult } from './envelope.ts';
import { JoinCommand, JoinResult, LeaveCommand, HistoryCommand } from './rooms.ts';
import { SendCommand, EditCommand, DeleteCommand, ReactCommand, Ack, ReadCommand, ReadResult, ReadPush, GapPush, ResyncPush } from './messages.ts';
import { EventPush, HistoryPage } from './timeline.ts';
import { TypingCommand, TypingPush, PresencePush } from './presence.ts';

export * from './envelope.ts';
export * from './ids.ts';
export * from './errors.ts';
export * from './close-codes.ts';
export * from './rooms.ts';
export * from './messages.ts';
export * from './timeline.ts';
export * from './presence.ts';
export * from './embed.ts';
export * from './moderation.ts';
export * from './names.ts';
export * from './search.ts';

/** Every frame a client may send (client → server). */
export const ClientFrame = z.discriminatedUnion('type', [
  AuthCommand,
  JoinCommand,
  LeaveCommand,
  SendCommand,
  EditCommand,
  DeleteCommand,
  ReactCommand,
  HistoryCommand,
  ReadCommand,
  TypingCommand,
  PingCommand,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** The `type` values of client frames. */
export type ClientFrameType = ClientFrame['type'];

/** Every frame the server may send (server → client). */
export const ServerFrame = z.union([
  WelcomePush,
  ReplyFrame,
  ErrorPush,
  ReconnectPush,
  EventPush,
  GapPush,
  ResyncPush,
  ReadPush,
  TypingPush,
  PresencePush,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** Client frame schemas by type, for per-type validation and the docs. */
export const CLIENT_FRAMES = {
  auth: AuthCommand,
  join: JoinCommand,
  leave: LeaveCommand,
  send: SendCommand,
  edit: EditCommand,
  delete: DeleteCommand,
  react: ReactCommand,
  history: HistoryCommand,
  read: ReadCommand,
  typing: TypingCommand,
  ping: PingCommand,
} as const satisfies Record<ClientFrameType, z.ZodType>;

/** The `result` of each command's successful reply. */
export const COMMAND_RESULTS = {
  auth: AuthResult,
  join: JoinResult,
  leave: EmptyResult,
  send: Ack,
  edit: Ack,
  delete: Ack,
  react: Ack,
  history: HistoryPage,
  read: ReadResult,
  typing: EmptyResult,
  ping: EmptyResult,
} as const satisfies Record<ClientFrameType, z.ZodType>;

/** The result type of a command, e.g. `CommandResult<'send'>` is `Ack`. */
export type CommandResult<T extends ClientFrameType> = z.infer<(typeof COMMAND_RESULTS)[T]>;

/** Server frame schemas by name, for the docs. */
export const SERVER_FRAMES = {
  welcome: WelcomePush,
  reply: ReplyFrame,
  error: ErrorPush,
  reconnect: ReconnectPush,
  event: EventPush,
  gap: GapPush,
  resync: ResyncPush,
  read: ReadPush,
  typing: TypingPush,
  presence: PresencePush,
} as const;
