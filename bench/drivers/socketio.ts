/**
 * Driver for `bench/servers/socketio.ts`: Socket.IO over its WebSocket transport only (no polling
 * upgrade), `join` and `send` as events with acknowledgement callbacks, `message` as a room event
 * carrying the same message fields as Parley's push.
 */
import { io, type Socket } from 'socket.io-client';
import type { Driver, Provisioned, MemberCredentials, ConnectionEvents, Connection } from './driver.ts';
import { withTimeout } from './driver.ts';
import { bareProvision } from './bare-ws.ts';

const CONNECT_TIMEOUT_MS = 30_000;

interface AckResult {
  clientId?: string;
  seq?: number;
  error?: { code?: string };
}

export class SocketIoDriver implements Driver {
  constructor(
    private readonly port: number,
    private readonly token: string,
  ) {}

  async provision(rooms: number, membersPerRoom: number): Promise<Provisioned> {
    return bareProvision(rooms, membersPerRoom, this.token);
  }

  connect(member: MemberCredentials, events: ConnectionEvents): Promise<Connection> {
    const socket: Socket = io(`http://127.0.0.1:${this.port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: CONNECT_TIMEOUT_MS,
      auth: { token: member.token, user: member.name },
    });
    let closedByUs = false;
    socket.on('message', (m: { roomId: string; seq: number; body: string }) => events.onMessage(m.roomId, m.seq, m.body));
    const connection: Connection = {
      join(roomId: string): Promise<void> {
        const replied = new Promise<void>((resolve, reject) => {
          socket.emit('join', { roomId }, (res: AckResult) => (res.error === undefined ? resolve() : reject(new Error(`join refused: ${res.error.code ?? '?'}`))));
        });
        return withTimeout(replied, CONNECT_TIMEOUT_MS, `join ${roomId}`);
      },
      send(roomId: string, clientId: string, body: string): void {
        socket.emit('send', { roomId, clientId, body }, (res: AckResult) => {
          if (res.error !== undefined) events.onError(clientId, res.error.code ?? 'UNKNOWN');
          else events.onAck(clientId, res.seq ?? 0);
        });
      },
      close(): void {
        closedByUs = true;
        socket.disconnect();
      },
    };
    return new Promise<Connection>((resolve, reject) => {
      let connected = false;
      socket.once('connect', () => {
        connected = true;
        resolve(connection);
      });
      socket.once('connect_error', (err) => reject(err));
      socket.on('disconnect', (reason) => {
        if (connected && !closedByUs) events.onClose(reason === 'io server disconnect' ? 1000 : 1006);
      });
    });
  }
}
