/**
 * The RelayLog port: seq numbering and a short, bounded resume buffer for relay rooms, whose
 * messages are never stored (DESIGN.md rule 5; Centrifuge keeps such history inside its broker).
 *
 * Contract:
 * - `append` assigns the room's next seq (gap-free within one epoch) and keeps the message in a
 *   buffer of at most `bufferSize` messages per room; a `(senderId, clientId)` still in the buffer
 *   returns the original message with `duplicate: true`.
 * - `since` answers the buffered messages with seq > since in order, and `missing` when some of
 *   them have already left the buffer (the caller must tell the client, never skip silently).
 * - `drop` forgets the room: the next append starts a new epoch at seq 1.
 */
import type { Message } from '../../protocol/index.ts';
import type { AppendResult, NewMessage } from './store.ts';

/** Seq position of a relay room: `lastSeq` within `epoch`. */
export interface RelayPosition {
  readonly epoch: string;
  readonly lastSeq: number;
}

export interface RelayLog {
  append(message: NewMessage): Promise<AppendResult & { epoch: string }>;
  position(roomId: string): Promise<RelayPosition>;
  since(roomId: string, since: number): Promise<RelayPosition & { messages: Message[]; missing?: { from: number; to: number } }>;
  drop(roomId: string): Promise<void>;
}
