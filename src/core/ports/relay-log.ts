/**
 * The RelayLog port: seq numbering and a short, bounded resume buffer for relay rooms, whose
 * messages are never stored (DESIGN.md rule 5; Centrifuge keeps such history inside its broker).
 * The memory engine serves one process; the Redis engine is shared by every node, so a member
 * resumes on any node.
 *
 * Contract:
 * - `append` assigns the room's next seq (gap-free and strictly increasing within one epoch, across
 *   all nodes) and keeps the message in a buffer of at most `bufferSize` messages per room; a
 *   `(senderId, clientId)` still in the buffer returns the original message with `duplicate: true`.
 *   Atomic: concurrent appends on different nodes never share a seq.
 * - `since` answers the buffered messages with seq > since in order, and `missing` when some of
 *   them have already left the buffer (the caller must tell the client, never skip silently).
 * - `position` reads the epoch and newest seq (0 before the first append); a room with no state yet
 *   gets its epoch there, so every node reports the same one.
 * - `drop` forgets the room: the next append starts a new epoch at seq 1. A room without appends for
 *   the engine's TTL is forgotten the same way (relay state is ephemeral).
 * - Every method rejects with `BROKER_UNAVAILABLE` when the engine cannot be reached.
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
