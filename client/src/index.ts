/**
 * @parley/client — the public names: the client, the shared error class, the reconnect rule and
 * the protocol's types.
 */
export { ParleyClient, type ParleyClientOptions, type ParleyEvents, type ConnectionState } from './client.ts';
export { ParleyError, shouldReconnect, CLOSE_CODES } from '../../src/protocol/index.ts';
export type { Ack, Message, JoinResult, HistoryPage, RoomInfo, MemberInfo, TypingPush, PresencePush, ReadPush, GapPush, ErrorCode } from '../../src/protocol/index.ts';
