/**
 * @parley/client/react — React hooks over a {@link ParleyClient} (issue 12), each built on
 * `useSyncExternalStore`, returning snapshots that keep their identity until they change. React
 * (≥ 18) is an optional peer dependency of @parley/client: only this entry point imports it.
 *
 * @example
 * function Room({ client, roomId }) {
 *   const { joined } = useRoom(client, roomId);
 *   const { messages, hasOlder, loadOlder } = useMessages(client, roomId);
 *   const online = usePresence(client, roomId);
 *   const typing = useTyping(client, roomId);
 *   const connection = useConnectionState(client);
 *   …
 * }
 */
export { useConnectionState } from './use-connection-state.ts';
export { useRoom, type RoomView } from './use-room.ts';
export { useMessages, type MessagesOptions, type MessagesView } from './use-messages.ts';
export { usePresence, type OnlineMember } from './use-presence.ts';
export { useTyping } from './use-typing.ts';
