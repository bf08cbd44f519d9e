/**
 * @parley/client — the public names: the client, the shared error class, the reconnect rule and
 * the protocol's types.
 */
export { ParleyClient, type ParleyClientOptions, type ParleyEvents, type ConnectionState } from './client.ts';
export type { CloseInfo, WebSocketConstructor, WebSocketLike } from './connection.ts';
export { ParleyError, shouldReconnect, CLOSE_CODES } from '../../src/protocol/index.ts';
export type {
  Ack,
  AuthResult,
  CloseCode,
  ErrorBody,
  ErrorCode,
  GapPush,
  HistoryPage,
  JoinResult,
  MemberInfo,
  MemberMutedPush,
  Message,
  MessageDeletedPush,
  PresencePush,
  ReadPush,
  ResumeOutcome,
  RoomClosedPush,
  RoomInfo,
  TypingPush,
  WelcomePush,
} from '../../src/protocol/index.ts';
