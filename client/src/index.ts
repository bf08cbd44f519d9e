/**
 * @parley/client — the public names: the client, the room-state reducer, the shared error class,
 * the reconnect rule and the protocol's types.
 */
export { ParleyClient, type ParleyClientOptions, type ParleyEvents, type ConnectionState, type WriteOptions } from './client.ts';
export { applyEvent, applyEventInPlace, applyEvents, emptyRoomState, type RoomMember, type RoomState } from './room-state.ts';
export type { CloseInfo, WebSocketConstructor, WebSocketLike } from './connection.ts';
export { ParleyError, shouldReconnect, CLOSE_CODES } from '../../src/protocol/index.ts';
export type {
  Ack,
  AuthResult,
  CloseCode,
  ErrorBody,
  ErrorCode,
  EventOf,
  GapPush,
  HistoryPage,
  JoinResult,
  MemberInfo,
  MemberRole,
  MessageEvent,
  PresenceChange,
  PresencePush,
  Reaction,
  ReadPush,
  ResumeOutcome,
  RoomInfo,
  TimelineEvent,
  TimelineEventType,
  TypingPush,
  WelcomePush,
  WireLimits,
} from '../../src/protocol/index.ts';
