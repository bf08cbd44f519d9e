/**
 * Parley's own cost per message, without sockets: drives the core's `Chat` in-process, with peers
 * that drop what they are sent, through the send pipeline of `many-small-rooms` (100 rooms × 10
 * members, every member sending in turn): parse and validate the frame, dedupe, seq, ack, publish
 * and fan out. What the network costs on top is the full benchmark's business.
 *
 * CLI: `node --import tsx bench/pipeline.ts [relay|persistent] [messages]` prints CPU µs per message.
 * Persistent rooms use an in-memory SQLite store (no fsync), so the figure is the JavaScript and
 * SQL work only.
 */
import { Chat } from '../src/core/chat.ts';
import type { Connection } from '../src/core/connection.ts';
import type { Peer } from '../src/core/ports/peer.ts';
import { MemoryBroker } from '../src/engines/broker/memory.ts';
import { MemoryRelayLog } from '../src/engines/broker/memory-relay-log.ts';
import { MemoryPresence } from '../src/engines/presence/memory.ts';
import { MemoryCounters } from '../src/engines/counters/memory.ts';
import { openSqliteStore } from '../src/engines/store/sqlite.ts';
import { CLIENT_FRAMES, type SendCommand } from '../src/protocol/index.ts';

const ROOMS = 100;
const MEMBERS = 10;
const BODY = 'x'.repeat(100);

async function main(kind: 'relay' | 'persistent', messages: number): Promise<void> {
  const store = await openSqliteStore({ file: ':memory:', synchronous: 'NORMAL', groupCommitMaxBatch: 256 });
  const chat = new Chat(
    { store, broker: new MemoryBroker(), presence: new MemoryPresence(), relayLog: new MemoryRelayLog({ bufferSize: 500, ttlMs: 3_600_000, dedupeWindowMs: 600_000 }), counters: new MemoryCounters() },
    // Every member sends far more than a person would: the message rate limit is counted, never reached.
    { messageMaxBytes: 16_384, messagesPerMinute: 1_000_000, historyPageMax: 100, resumeMaxMessages: 1000, maxRoomsPerConnection: 100, maxBufferedBytes: 1 << 20, typingThrottleMs: 1000, typingTtlMs: 5000, presenceTtlMs: 60_000, positionCheckIntervalMs: 1000 },
  );
  const members: Array<{ connection: Connection; roomId: string }> = [];
  for (let r = 0; r < ROOMS; r++) {
    const room = await chat.rooms.create({ name: `room ${r}`, kind, maxMembers: MEMBERS, joinRule: 'open', joinCodeHash: null });
    for (let m = 0; m < MEMBERS; m++) {
      const principal = { userId: `user-${r}-${m}`, name: `u${r}-${m}`, role: 'user' as const };
      await store.sessions.createUser({ id: principal.userId, name: principal.name, createdAt: Date.now() });
      await chat.addMember(principal, room);
      const peer: Peer = { id: `peer-${r}-${m}`, principal, bufferedBytes: 0, send: () => undefined, coalesce: () => undefined, close: () => undefined };
      const connection = chat.open(peer);
      await chat.handle(connection, { type: 'join', roomId: room.id });
      members.push({ connection, roomId: room.id });
    }
  }
  let sent = 0;
  /** Send `count` messages as the wire would bring them: JSON text, parsed and validated first. */
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const { connection, roomId } = members[sent % members.length] as (typeof members)[number];
      const text = JSON.stringify({ type: 'send', id: `c-${sent++}`, roomId, body: BODY });
      const frame = CLIENT_FRAMES.send.parse(JSON.parse(text)) as SendCommand;
      const handled = chat.handle(connection, frame);
      if (i % 16 === 15) await handled;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await run(Math.min(20_000, messages));
  const before = process.cpuUsage();
  await run(messages);
  const used = process.cpuUsage(before);
  console.log(`${kind}: ${((used.user + used.system) / messages).toFixed(2)} µs CPU per message (${MEMBERS} deliveries each), ${messages} messages`);
  await chat.close();
  await store.close();
}

const [kind = 'relay', count = '50000'] = process.argv.slice(2);
if (kind !== 'relay' && kind !== 'persistent') {
  console.error('usage: node --import tsx bench/pipeline.ts [relay|persistent] [messages]');
  process.exit(2);
}
await main(kind, Number(count));
