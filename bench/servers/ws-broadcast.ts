/**
 * The floor: a minimal room broadcast server on bare `ws`, speaking the same frames as Parley for the
 * paths the benchmark uses. A connection presents the run's shared token (`BENCH_TOKEN`, compared in
 * constant time) and a user name; `join` adds it to a room; `send` assigns the room's next seq, acks
 * the sender and broadcasts one `event` frame — serialised once, written as the same Buffer to every
 * member, the sender included. Nothing is stored, validated beyond types, or rate limited: this is
 * what any Node chat server must at least spend.
 *
 * Env: `PORT`, `HOST` (default 127.0.0.1), `BENCH_TOKEN`. `GET /healthz` answers 200 when listening.
 */
import { createServer } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';

const MAX_BUFFERED_BYTES = 1024 * 1024;
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const token = Buffer.from(process.env.BENCH_TOKEN ?? '');

interface Room {
  seq: number;
  readonly members: Set<WebSocket>;
}
const rooms = new Map<string, Room>();
let nextMessageId = 0;

const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024, clientTracking: false });

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  const url = new URL(req.url ?? '/', 'http://localhost');
  const presented = Buffer.from(url.searchParams.get('token') ?? '');
  const user = url.searchParams.get('user') ?? '';
  if (url.pathname !== '/ws' || presented.length !== token.length || !timingSafeEqual(presented, token) || user === '') {
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => accept(ws, user));
});

function accept(ws: WebSocket, user: string): void {
  const joined = new Set<Room>();
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    for (const room of joined) room.members.delete(ws);
  });
  ws.on('message', (data: RawData) => {
    let frame: { type?: unknown; id?: unknown; roomId?: unknown; body?: unknown };
    try {
      frame = JSON.parse(data.toString()) as typeof frame;
    } catch {
      return;
    }
    const { id, roomId } = frame;
    if (typeof id !== 'string' || typeof roomId !== 'string') return;
    if (frame.type === 'join') {
      let room = rooms.get(roomId);
      if (room === undefined) rooms.set(roomId, (room = { seq: 0, members: new Set() }));
      room.members.add(ws);
      joined.add(room);
      ws.send(JSON.stringify({ type: 'reply', id, result: { room: { id: roomId, lastSeq: room.seq } } }));
    } else if (frame.type === 'send' && typeof frame.body === 'string') {
      const room = rooms.get(roomId);
      if (room === undefined || !joined.has(room)) {
        ws.send(JSON.stringify({ type: 'reply', id, error: { code: 'NOT_JOINED', message: 'join first', retryable: false } }));
        return;
      }
      const message = { id: `m${++nextMessageId}`, roomId, seq: ++room.seq, senderId: user, senderName: user, clientId: id, type: 'message', body: frame.body, createdAt: Date.now() };
      ws.send(JSON.stringify({ type: 'reply', id, result: { roomId, clientId: id, id: message.id, seq: message.seq, createdAt: message.createdAt, duplicate: false } }));
      const encoded = Buffer.from(JSON.stringify({ type: 'event', event: message }));
      for (const member of room.members) {
        member.send(encoded, { binary: false });
        if (member.bufferedAmount > MAX_BUFFERED_BYTES) member.close(4500, 'slow consumer');
      }
    }
  });
  ws.send(JSON.stringify({ type: 'welcome', version: 1, connectionId: user, user: { id: user, name: user }, heartbeatIntervalMs: 0 }));
}

server.listen(port, host);
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
