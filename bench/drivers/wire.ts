/**
 * A connection speaking Parley's WebSocket frames (`src/protocol/`): `welcome` first, `join` →
 * `reply`, `send` → `reply` (the ack, whose `id` is the client id) and `message` pushes. The bare
 * `ws` server speaks the same frames, so both use this client and pay the same client-side costs.
 */
import WebSocket from 'ws';
import type { Connection, ConnectionEvents } from './driver.ts';
import { withTimeout } from './driver.ts';

/** The subset of server frames the load generator reads. */
interface Frame {
  type?: string;
  id?: string;
  result?: { seq?: number };
  error?: { code?: string; message?: string };
  event?: { type: string; roomId: string; seq: number; body?: string };
}

const CONNECT_TIMEOUT_MS = 30_000;

/** Open `url`, wait for the `welcome` frame, and return the connection. */
export function openWireConnection(url: string, events: ConnectionEvents): Promise<Connection> {
  const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: CONNECT_TIMEOUT_MS });
  const joins = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  let joinCounter = 0;
  let closedByUs = false;

  const connection: Connection = {
    join(roomId: string): Promise<void> {
      const id = `j${++joinCounter}`;
      const replied = new Promise<void>((resolve, reject) => joins.set(id, { resolve, reject }));
      socket.send(JSON.stringify({ type: 'join', id, roomId }));
      return withTimeout(replied, CONNECT_TIMEOUT_MS, `join ${roomId}`);
    },
    send(roomId: string, clientId: string, body: string): void {
      socket.send(JSON.stringify({ type: 'send', id: clientId, roomId, body }));
    },
    close(): void {
      closedByUs = true;
      socket.terminate();
    },
  };

  return new Promise<Connection>((resolve, reject) => {
    let welcomed = false;
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Frame;
      switch (frame.type) {
        case 'event': {
          const e = frame.event!;
          if (e.type === 'message') events.onMessage(e.roomId, e.seq, e.body ?? '');
          return;
        }
        case 'reply': {
          const id = frame.id ?? '';
          const join = joins.get(id);
          if (join !== undefined) {
            joins.delete(id);
            if (frame.error !== undefined) join.reject(new Error(`join refused: ${frame.error.code ?? '?'} ${frame.error.message ?? ''}`));
            else join.resolve();
          } else if (frame.error !== undefined) {
            events.onError(id, frame.error.code ?? 'UNKNOWN');
          } else {
            events.onAck(id, frame.result?.seq ?? 0);
          }
          return;
        }
        case 'welcome':
          welcomed = true;
          resolve(connection);
          return;
        case 'error':
          events.onError(undefined, frame.error?.code ?? 'UNKNOWN');
          return;
        default:
          return; // presence, typing, read: not measured
      }
    });
    socket.on('unexpected-response', (_req, res) => {
      reject(new Error(`upgrade refused: HTTP ${res.statusCode ?? '?'}`));
      socket.terminate();
    });
    socket.on('error', (err) => {
      if (!welcomed) reject(err);
    });
    socket.on('close', (code) => {
      for (const join of joins.values()) join.reject(new Error(`closed with ${code}`));
      joins.clear();
      if (!welcomed) reject(new Error(`closed with ${code} before welcome`));
      else if (!closedByUs) events.onClose(code);
    });
  });
}
