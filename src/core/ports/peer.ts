/**
 * The Peer port: what the core needs from one connected client, whatever the transport
 * (STYLE C10; Hocuspocus `WebSocketLike`, Centrifuge `Transport`).
 */
import type { Principal } from '../principal.ts';

export interface Peer {
  /** Unique per connection. */
  readonly id: string;
  readonly principal: Principal;
  /**
   * Queue one encoded server frame: JSON text, as a string or as its UTF-8 bytes (a Buffer shared by
   * every peer of a fan-out; never modified). Sent as a text frame. Never throws; a closed peer drops it.
   * `onWritten` is called once the frame was handed to the OS, or at once if the peer is closed
   * (replay uses it for back-pressure).
   */
  send(frame: string | Buffer, onWritten?: () => void): void;
  /**
   * Hold frames sent from now until the current run of callbacks and microtasks ends, then write
   * them together (one syscall instead of one per frame; DESIGN.md, "Coalesce"). The send path
   * calls it before publishing, so the sender's copy of its message and its ack leave together.
   */
  coalesce(): void;
  /** Bytes queued but not yet written to the network (frames held by `coalesce` count once released); the slow-consumer rule reads it. */
  readonly bufferedBytes: number;
  /** Close the connection with a close code from `protocol/close-codes.ts`. Idempotent. */
  close(code: number, reason: string): void;
}
