/**
 * The Peer port: what the core needs from one connected client, whatever the transport
 * (STYLE C10; Hocuspocus `WebSocketLike`, Centrifuge `Transport`).
 */
import type { Principal } from '../principal.ts';

export interface Peer {
  /** Unique per connection. */
  readonly id: string;
  readonly principal: Principal;
  /** Queue one encoded server frame (JSON text). Never throws; a closed peer drops it. */
  send(frame: string): void;
  /** Bytes queued but not yet written to the network; the slow-consumer rule reads it. */
  readonly bufferedBytes: number;
  /** Close the connection with a close code from `protocol/close-codes.ts`. Idempotent. */
  close(code: number, reason: string): void;
}
