/**
 * A scripted WebSocket server that speaks just enough of the protocol to put the SDK in situations
 * a healthy server never creates on demand: holes in the seq, repeated messages, chosen close
 * codes, unanswered commands. It welcomes every connection and records every frame received.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import type { JoinResult, MessageEvent, WireLimits } from '../../src/protocol/index.ts';

/** A frame the client sent, loosely typed for assertions. */
export type ClientFrame = { type: string; id?: string; roomId?: string; [key: string]: unknown };

export class FakeServer implements AsyncDisposable {
  readonly #wss: WebSocketServer;
  readonly #waiters: Array<{ test: (f: ClientFrame) => boolean; resolve: (f: ClientFrame) => void }> = [];
  /** Every frame received, in order, on any connection. */
  readonly frames: ClientFrame[] = [];
  /** Sockets accepted so far, in order; the last one is the current connection. */
  readonly sockets: WebSocket[] = [];
  /** The limits each welcome announces (the server defaults unless a test changes them). */
  limits: WireLimits = { messageMaxBytes: 16_384, frameMaxBytes: 65_536 };
  /**
   * Answers frames. The default answers `join` with {@link joinResult} (`fresh`, or `replay` of
   * nothing when it carries `since`) and `ping` with `{}`.
   */
  answer: (frame: ClientFrame, socket: WebSocket) => void = (frame, socket) => {
    if (frame.type === 'join') {
      const since = typeof frame.since === 'number' ? frame.since : undefined;
      reply(socket, frame, joinResult({ roomId: frame.roomId ?? 'room', lastSeq: since ?? 0, resume: since === undefined ? 'fresh' : 'replay' }));
    }
    if (frame.type === 'ping') reply(socket, frame, {});
  };

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    wss.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.send(JSON.stringify({ type: 'welcome', version: 1, connectionId: `c${this.sockets.length}`, user: { id: 'u1', name: 'Ada' }, heartbeatIntervalMs: 25_000, limits: this.limits }));
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as ClientFrame;
        this.frames.push(frame);
        for (const waiter of this.#waiters.filter((w) => w.test(frame))) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
        this.answer(frame, socket);
      });
    });
  }

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    return new FakeServer(wss);
  }

  /** `ws://127.0.0.1:PORT/ws`. */
  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/ws`;
  }

  /** The next frame (from now on) that passes `test`. */
  next(test: (frame: ClientFrame) => boolean): Promise<ClientFrame> {
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  /** Send a frame on the current connection. */
  push(frame: object): void {
    this.sockets.at(-1)?.send(JSON.stringify(frame));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise((resolve) => this.#wss.close(resolve));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Answer `frame` with a `reply` carrying `result`. */
export function reply(socket: WebSocket, frame: ClientFrame, result: unknown): void {
  socket.send(JSON.stringify({ type: 'reply', id: frame.id, result }));
}

/** A JoinResult for a persistent room. */
export function joinResult(options: { roomId: string; lastSeq?: number; epoch?: string; resume?: JoinResult['resume'] }): JoinResult {
  return {
    room: { id: options.roomId, name: 'Room', kind: 'persistent', maxMembers: 10, joinRule: 'code', e2ee: false, createdAt: 0, closedAt: null, epoch: options.epoch ?? 'e1', lastSeq: options.lastSeq ?? 0 },
    resume: options.resume ?? 'fresh',
    replayed: 0,
    members: [],
    memberCount: 0,
    lastReadSeq: 0,
    unread: 0,
  };
}

/** A message event with seq `seq` from user u2. */
export function message(roomId: string, seq: number): MessageEvent {
  return { id: `m${seq}`, roomId, seq, senderId: 'u2', senderName: 'Bob', clientId: `c${seq}`, type: 'message', body: `message ${seq}`, createdAt: 1_700_000_000_000 + seq };
}

/** The `event` push carrying `event`. */
export function eventPush(event: object): { type: 'event'; event: object } {
  return { type: 'event', event };
}
