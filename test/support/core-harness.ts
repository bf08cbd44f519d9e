/**
 * The core's in-process harness (issue 11): one or more "nodes" — each a real {@link Chat} — on one
 * real SQLite store, one relay log and one in-process bus, with peers that are plain objects instead
 * of sockets. The bus can lose events on their way to chosen nodes, the way Redis pub/sub does
 * (DESIGN.md rule 3), so a core guarantee that must survive a lost broker event is tested in a unit
 * test. Use with `await using h = await coreHarness()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Chat, type ChatOptions, type RoomFrame } from '../../src/core/chat.ts';
import type { Connection } from '../../src/core/connection.ts';
import type { Broker, RoomEvent } from '../../src/core/ports/broker.ts';
import type { Peer } from '../../src/core/ports/peer.ts';
import type { Principal } from '../../src/core/principal.ts';
import type { RoomRecord } from '../../src/core/ports/store.ts';
import { MemoryRelayLog } from '../../src/engines/broker/memory-relay-log.ts';
import { MemoryPresence } from '../../src/engines/presence/memory.ts';
import { MemoryCounters } from '../../src/engines/counters/memory.ts';
import { openSqliteStore, sqliteFile, type SqliteStore } from '../../src/engines/store/sqlite.ts';
import type { Ack, JoinResult, MemberRole, RoomPolicy, TimelineEvent } from '../../src/protocol/index.ts';
import { eventually } from './eventually.ts';

/** A frame a {@link TestPeer} received, parsed. */
export type ReceivedFrame = { readonly type: string } & Record<string, unknown>;

/** A connected client without a socket: it records every frame the core sends it. */
export class TestPeer implements Peer {
  readonly id = randomUUID();
  readonly frames: ReceivedFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  bufferedBytes = 0;

  constructor(readonly principal: Principal) {}

  send(frame: string | Buffer, onWritten?: () => void): void {
    if (this.closed === undefined) this.frames.push(JSON.parse(frame.toString()) as ReceivedFrame);
    onWritten?.();
  }

  coalesce(): void {}

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }

  /** Timeline events received (for the room), in arrival order. */
  events(roomId?: string): TimelineEvent[] {
    return this.frames.filter((f) => f.type === 'event').map((f) => f.event as TimelineEvent).filter((e) => roomId === undefined || e.roomId === roomId);
  }
}

/**
 * An in-process bus shared by several nodes: each node gets its own {@link Broker} endpoint.
 * `drop` decides, per event and receiving node, whether the event is lost on the way.
 */
export class LossyBus {
  readonly #endpoints = new Set<BusEndpoint>();
  /** Return true to lose `event` on its way to `node` (a node's index in the harness). @default never */
  drop: (event: RoomEvent, node: number) => boolean = () => false;
  /** Events lost so far. */
  lost = 0;

  endpoint(node: number): Broker {
    const endpoint = new BusEndpoint(this, node);
    this.#endpoints.add(endpoint);
    return endpoint;
  }

  deliver(event: RoomEvent): void {
    for (const endpoint of this.#endpoints) {
      if (!endpoint.rooms.has(event.roomId) || endpoint.handler === undefined) continue;
      if (this.drop(event, endpoint.node)) this.lost += 1;
      else endpoint.handler(event);
    }
  }
}

class BusEndpoint implements Broker {
  readonly rooms = new Set<string>();
  handler: ((event: RoomEvent) => void) | undefined;

  constructor(
    readonly bus: LossyBus,
    readonly node: number,
  ) {}

  async publish(event: RoomEvent): Promise<void> {
    this.bus.deliver(event);
  }

  async subscribe(roomId: string): Promise<void> {
    this.rooms.add(roomId);
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }

  onEvent(handler: (event: RoomEvent) => void): void {
    this.handler = handler;
  }

  onInterrupt(): void {}

  async close(): Promise<void> {
    this.rooms.clear();
  }
}

/** A client frame with its `id` optional (a fresh one is given). */
export type RoomFrameInput = RoomFrame extends infer F ? (F extends { id?: string } ? Omit<F, 'id'> & { id?: string } : never) : never;

/** One client of the harness: its principal, connection and peer, and shortcuts for its frames. */
export class TestClient {
  constructor(
    readonly chat: Chat,
    readonly connection: Connection,
    readonly peer: TestPeer,
  ) {}

  get principal(): Principal {
    return this.peer.principal;
  }

  /** Send a frame with a fresh id and resolve its reply's result; rejects with the reply's error body. */
  async request<T = unknown>(frame: RoomFrameInput): Promise<T> {
    const id = frame.id ?? randomUUID();
    const from = this.peer.frames.length;
    await this.chat.handle(this.connection, { ...frame, id } as RoomFrame);
    const replyOf = () => this.peer.frames.slice(from).find((f) => f.type === 'reply' && f.id === id);
    await eventually(`a reply to ${frame.type} ${id}`, 5000, () => replyOf() !== undefined);
    const reply = replyOf() as ReceivedFrame;
    if ('error' in reply) throw Object.assign(new Error(`${frame.type} failed: ${JSON.stringify(reply.error)}`), { body: reply.error });
    return reply.result as T;
  }

  join(roomId: string, since?: number): Promise<JoinResult> {
    return this.request<JoinResult>({ type: 'join', roomId, ...(since === undefined ? {} : { since }) });
  }

  send(roomId: string, body: string, extra: { id?: string; replyTo?: number } = {}): Promise<Ack> {
    return this.request<Ack>({ type: 'send', roomId, body, ...extra });
  }
}

/** Options of {@link coreHarness}. */
export interface HarnessOptions {
  /** How many nodes share the store, relay log and bus. @default 1 */
  readonly nodes?: number;
  /** Chat options to change. */
  readonly chat?: Partial<ChatOptions>;
}

/** The harness: nodes, their shared engines, and shortcuts to set up rooms and members. */
export interface CoreHarness extends AsyncDisposable {
  readonly nodes: Chat[];
  readonly store: SqliteStore;
  readonly relayLog: MemoryRelayLog;
  readonly bus: LossyBus;
  /** A principal (a user) named `name`. */
  principal(name: string): Principal;
  /** Create a room owned by `owner` (who becomes its first member). */
  room(owner: Principal, policy?: Partial<RoomPolicy>): Promise<RoomRecord>;
  /** Make `principal` a member of the room with `role` on node 0. */
  admit(principal: Principal, room: RoomRecord, role?: MemberRole): Promise<void>;
  /** Connect `principal` to node `node` (default 0). */
  connect(principal: Principal, node?: number): TestClient;
}

/** Start a harness; see the module comment. */
export async function coreHarness(options: HarnessOptions = {}): Promise<CoreHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-core-'));
  const store = await openSqliteStore({ file: sqliteFile(dir), synchronous: 'NORMAL', groupCommitMaxBatch: 64 });
  const relayLog = new MemoryRelayLog({ bufferSize: 100, ttlMs: 60_000, dedupeWindowMs: 600_000 });
  const bus = new LossyBus();
  const presence = new MemoryPresence();
  const counters = new MemoryCounters();
  const chatOptions: ChatOptions = {
    messageMaxBytes: 65_536,
    messagesPerMinute: 1_000_000,
    historyPageMax: 500,
    resumeMaxMessages: 1000,
    maxRoomsPerConnection: 100,
    maxBufferedBytes: 1 << 20,
    typingThrottleMs: 1000,
    typingTtlMs: 5000,
    presenceTtlMs: 30_000,
    positionCheckIntervalMs: 100,
    ...options.chat,
  };
  const nodes = Array.from({ length: options.nodes ?? 1 }, (_, node) => new Chat({ store, broker: bus.endpoint(node), presence, relayLog, counters }, chatOptions));
  const node0 = nodes[0] as Chat;
  return {
    nodes,
    store,
    relayLog,
    bus,
    principal: (name) => ({ userId: `u-${name.toLowerCase()}-${randomUUID().slice(0, 8)}`, name, role: 'user' }),
    room: (owner, policy = {}) => node0.createRoom(owner, { name: 'Room', kind: 'persistent', maxMembers: 1000, joinRule: 'code', joinCodeHash: null, ...policy }),
    admit: (principal, room, role = 'member') => node0.addMember(principal, room, role),
    connect: (principal, node = 0) => {
      const chat = nodes[node] as Chat;
      const peer = new TestPeer(principal);
      return new TestClient(chat, chat.open(peer), peer);
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(nodes.map((chat) => chat.close()));
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
