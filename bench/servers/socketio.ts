/**
 * The common alternative: a minimal Socket.IO room chat with the same semantics as the bare `ws`
 * server. The handshake's `auth` carries the run's shared token and a user name; `join` puts the
 * socket in a Socket.IO room; `send` assigns the room's next seq, acks through the event callback and
 * broadcasts `message` to the room with `io.to(room).emit` (Socket.IO encodes a broadcast once).
 * WebSocket transport only, per-message deflate off, default in-memory adapter.
 *
 * Env: `PORT`, `HOST` (default 127.0.0.1), `BENCH_TOKEN`. `GET /healthz` answers 200 when listening.
 */
import { createServer } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const token = Buffer.from(process.env.BENCH_TOKEN ?? '');

type Ack = (result: unknown) => void;
const roomSeq = new Map<string, number>();
let nextMessageId = 0;

const server = createServer((req, res) => {
  if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
const io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 64 * 1024 });

io.use((socket, next) => {
  const auth = socket.handshake.auth as { token?: unknown; user?: unknown };
  const presented = Buffer.from(typeof auth.token === 'string' ? auth.token : '');
  if (presented.length !== token.length || !timingSafeEqual(presented, token) || typeof auth.user !== 'string' || auth.user === '') {
    next(new Error('unauthorized'));
    return;
  }
  socket.data.user = auth.user;
  next();
});

io.on('connection', (socket) => {
  const user = socket.data.user as string;
  socket.on('join', (frame: { roomId?: unknown }, ack: Ack) => {
    if (typeof frame?.roomId !== 'string' || typeof ack !== 'function') return;
    void socket.join(frame.roomId);
    ack({ room: { id: frame.roomId, lastSeq: roomSeq.get(frame.roomId) ?? 0 } });
  });
  socket.on('send', (frame: { roomId?: unknown; clientId?: unknown; body?: unknown }, ack: Ack) => {
    const { roomId, clientId, body } = frame ?? {};
    if (typeof roomId !== 'string' || typeof clientId !== 'string' || typeof body !== 'string' || typeof ack !== 'function') return;
    if (!socket.rooms.has(roomId)) {
      ack({ error: { code: 'NOT_JOINED' } });
      return;
    }
    const seq = (roomSeq.get(roomId) ?? 0) + 1;
    roomSeq.set(roomId, seq);
    const message = { id: `m${++nextMessageId}`, roomId, seq, senderId: user, senderName: user, clientId, type: 'text', body, createdAt: Date.now() };
    ack({ roomId, clientId, id: message.id, seq, createdAt: message.createdAt, duplicate: false });
    io.to(roomId).emit('message', message);
  });
});

server.listen(port, host);
process.on('SIGTERM', () => {
  io.close();
  process.exit(0);
});
