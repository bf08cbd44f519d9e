/**
 * The load generator: one process, one clock, driven by the orchestrator over IPC (`bench/ipc.ts`).
 *
 * - `setup`: create rooms and member credentials through the server's driver.
 * - `connect`: open one connection per member (bounded concurrency) and join its room.
 * - `run`: offer `rate` messages/s for `durationMs`, spread round-robin over every sender, then wait
 *   (bounded) for every ack and delivery. Each body starts with `<index in room>:<send time>:`, the
 *   send time read from this process's `performance.now()`, so every latency is measured with one
 *   clock. Each connection keeps one byte per room message index: a second delivery of an index is a
 *   duplicate; an acked index a member never received is lost.
 * - `reconnect`: the reconnect storm (see `ReconnectCommand` in `ipc.ts`): drop every connection
 *   at once, reopen each and resume with `since`; report the time until all resumed and the lost
 *   and duplicated deliveries over the messages sent before and during the storm.
 * - `quit`: close everything and exit.
 *
 * Open loop: sends follow the clock, not the acks. If more than `max(2000, 5 × rate)` sends are
 * unacknowledged, further sends are skipped and counted, so a saturated server shows as skipped
 * sends and high latency instead of unbounded client memory.
 */
import { performance } from 'node:perf_hooks';
import type { Command, LoadEvent, PhaseResult, ReconnectCommand, RunCommand, SetupCommand } from './ipc.ts';
import type { Connection, ConnectionEvents, Driver, Provisioned } from './drivers/driver.ts';
import { inPool } from './drivers/driver.ts';
import { ParleyDriver } from './drivers/parley.ts';
import { BareWsDriver } from './drivers/bare-ws.ts';
import { SocketIoDriver } from './drivers/socketio.ts';
import { LatencyHistogram } from './histogram.ts';

/** A growable array of small counters indexed by room message index. */
class Counters {
  #bytes = new Uint8Array(256);

  get(index: number): number {
    return index < this.#bytes.length ? this.#bytes[index]! : 0;
  }

  /** Increment (saturating at 255) and return the value before. */
  bump(index: number): number {
    if (index >= this.#bytes.length) {
      let size = this.#bytes.length;
      while (size <= index) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    const before = this.#bytes[index]!;
    if (before < 255) this.#bytes[index] = before + 1;
    return before;
  }
}

interface Room {
  readonly id: string;
  /** Connected members only. */
  readonly members: Member[];
  /** Next message index to assign in this room. */
  nextIndex: number;
  /** First index sent in the current phase. */
  phaseStart: number;
  readonly acked: Counters;
}

interface Member {
  readonly room: Room;
  readonly name: string;
  readonly token: string;
  connection: Connection | undefined;
  readonly seen: Counters;
  lastSeq: number;
}

interface InFlight {
  readonly room: Room;
  readonly index: number;
  readonly sentAt: number;
}

/** Counters of the phase in progress. */
class Phase {
  acked = 0;
  deliveries = 0;
  expected = 0;
  duplicated = 0;
  reordered = 0;
  closed = 0;
  lastActivityAt = 0;
  readonly errors: Record<string, number> = {};
  readonly latency = new LatencyHistogram();
  readonly ackLatency = new LatencyHistogram();

  error(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }
}

let driver: Driver | undefined;
let setup: SetupCommand | undefined;
let rooms: Room[] = [];
let senders: Member[] = [];
const inFlight = new Map<string, InFlight>();
let phase = new Phase();
let clientCounter = 0;
let padding = '';

function emit(event: LoadEvent): void {
  process.send?.(event);
}

function driverFor(command: SetupCommand): Driver {
  const { target } = command;
  switch (target.driver) {
    case 'parley':
      return new ParleyDriver(target.port, target.token, target.roomKind);
    case 'ws':
      return new BareWsDriver(target.port, target.token);
    case 'socketio':
      return new SocketIoDriver(target.port, target.token);
  }
}

async function handleSetup(command: SetupCommand): Promise<void> {
  setup = command;
  driver = driverFor(command);
  padding = 'x'.repeat(command.bodyBytes);
  const started = performance.now();
  const provisioned: Provisioned = await driver.provision(command.rooms, command.membersPerRoom, command.concurrency);
  rooms = provisioned.roomIds.map((id) => ({ id, members: [], nextIndex: 0, phaseStart: 0, acked: new Counters() }));
  emit({ evt: 'provisioned', ms: performance.now() - started, retries: provisioned.retries });
  return connectLater(provisioned);
}

/** Members not yet connected, and those whose connection was attempted. */
let pendingMembers: Member[] = [];
const connectedMembers: Member[] = [];

function connectLater(provisioned: Provisioned): void {
  // Interleave rooms so that connections (and, later, senders) are spread over every room.
  pendingMembers = [];
  const perRoom = setup!.membersPerRoom;
  for (let m = 0; m < perRoom; m++) {
    for (let r = 0; r < rooms.length; r++) {
      const credentials = provisioned.members[r]![m]!;
      pendingMembers.push({ room: rooms[r]!, name: credentials.name, token: credentials.token, connection: undefined, seen: new Counters(), lastSeq: 0 });
    }
  }
}

function eventsFor(member: Member): ConnectionEvents {
  return {
    onAck(clientId: string): void {
      const flight = inFlight.get(clientId);
      if (flight === undefined) return;
      inFlight.delete(clientId);
      const now = performance.now();
      phase.acked++;
      phase.lastActivityAt = now;
      phase.ackLatency.record(now - flight.sentAt);
      if (flight.room.acked.bump(flight.index) === 0) phase.expected += flight.room.members.length;
    },
    onError(id: string | undefined, code: string): void {
      phase.error(code);
      if (id !== undefined) inFlight.delete(id);
    },
    onMessage(roomId: string, seq: number, body: string): void {
      const now = performance.now();
      if (roomId !== member.room.id) {
        phase.error('STRAY_DELIVERY');
        return;
      }
      const first = body.indexOf(':');
      const second = body.indexOf(':', first + 1);
      const index = Number(body.slice(0, first));
      const sentAt = Number(body.slice(first + 1, second));
      phase.lastActivityAt = now;
      if (member.seen.bump(index) > 0) {
        phase.duplicated++;
        return;
      }
      phase.deliveries++;
      phase.latency.record(now - sentAt);
      if (seq <= member.lastSeq) phase.reordered++;
      else member.lastSeq = seq;
    },
    onClose(): void {
      phase.closed++;
    },
  };
}

async function handleConnect(count: number | undefined): Promise<void> {
  const members = pendingMembers.splice(0, count ?? pendingMembers.length);
  connectedMembers.push(...members);
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await inPool(members.length, setup!.concurrency, async (i) => {
    const member = members[i]!;
    try {
      const connection = await driver!.connect({ name: member.name, token: member.token }, eventsFor(member));
      member.connection = connection;
      await connection.join(member.room.id);
      member.room.members.push(member);
    } catch (err) {
      failed++;
      firstError ??= err instanceof Error ? err.message : String(err);
      member.connection?.close();
      member.connection = undefined;
    }
  });
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const loadCpuPct = ((cpu.user + cpu.system) / 1000 / ms) * 100;
  const sendersPerRoom = setup!.sendersPerRoom;
  senders = [];
  const maxRoomSize = Math.max(0, ...rooms.map((room) => room.members.length));
  for (let m = 0; m < maxRoomSize; m++) {
    for (const room of rooms) {
      const member = room.members[m];
      if (member !== undefined && (sendersPerRoom === 0 || m < sendersPerRoom)) senders.push(member);
    }
  }
  emit({ evt: 'connected', conns: members.length - failed, ms, failed, loadCpuPct, ...(firstError === undefined ? {} : { firstError }) });
}

function sendOne(sender: Member): void {
  const room = sender.room;
  const index = room.nextIndex++;
  const clientId = `c${++clientCounter}`;
  const sentAt = performance.now();
  const head = `${index}:${sentAt.toFixed(3)}:`;
  const body = head.length >= padding.length ? head : head + padding.slice(head.length);
  inFlight.set(clientId, { room, index, sentAt });
  sender.connection!.send(room.id, clientId, body);
}

function countLost(): number {
  let lost = 0;
  for (const room of rooms) {
    for (let index = room.phaseStart; index < room.nextIndex; index++) {
      if (room.acked.get(index) === 0) continue;
      for (const member of room.members) if (member.seen.get(index) === 0) lost++;
    }
  }
  return lost;
}

async function handleRun(command: RunCommand): Promise<void> {
  if (senders.length === 0) throw new Error('no connected senders');
  phase = new Phase();
  inFlight.clear();
  for (const room of rooms) room.phaseStart = room.nextIndex;
  const maxInFlight = Math.max(2000, Math.ceil(command.rate * 5));
  const total = Math.floor((command.rate * command.durationMs) / 1000);
  let sent = 0;
  let skipped = 0;
  let next = 0;
  const cpuBefore = process.cpuUsage();
  emit({ evt: 'phase-start' });
  const started = performance.now();
  phase.lastActivityAt = started;

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - started;
      const due = Math.min(total, Math.floor((elapsed * command.rate) / 1000));
      while (sent + skipped < due) {
        if (inFlight.size >= maxInFlight) {
          skipped++;
          continue;
        }
        sendOne(senders[next++ % senders.length]!);
        sent++;
      }
      if (sent + skipped >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const sendWindowMs = performance.now() - started;

  const drainDeadline = performance.now() + command.drainTimeoutMs;
  const isDrained = (): boolean => inFlight.size === 0 && phase.deliveries >= phase.expected;
  while (!isDrained() && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const drained = isDrained();
  const cpu = process.cpuUsage(cpuBefore);
  const activeMs = Math.max(sendWindowMs, phase.lastActivityAt - started);
  const wallMs = performance.now() - started;

  const result: PhaseResult = {
    offeredRate: command.rate,
    sent,
    acked: phase.acked,
    skipped,
    errors: phase.errors,
    deliveries: phase.deliveries,
    expectedDeliveries: phase.expected,
    lost: countLost(),
    duplicated: phase.duplicated,
    reordered: phase.reordered,
    closed: phase.closed,
    sendWindowMs,
    activeMs,
    p50Ms: phase.latency.quantileMs(0.5),
    p99Ms: phase.latency.quantileMs(0.99),
    maxMs: phase.latency.maxMs,
    ackP50Ms: phase.ackLatency.quantileMs(0.5),
    ackP99Ms: phase.ackLatency.quantileMs(0.99),
    loadCpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    loadCpuUs: cpu.user + cpu.system,
    drained,
  };
  emit({ evt: 'phase-end', result });
}

/** Wait (polling every 10 ms) until `done()` or `timeoutMs` passed; resolves whether it is done. */
async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return done();
}

async function handleReconnect(command: ReconnectCommand): Promise<void> {
  phase = new Phase();
  inFlight.clear();
  for (const room of rooms) room.phaseStart = room.nextIndex;
  const drained = (): boolean => inFlight.size === 0 && phase.deliveries >= phase.expected;
  // Every member holds a seq before the storm, so every resume is a real `since`.
  for (const room of rooms) if (room.members[0] !== undefined) sendOne(room.members[0]);
  if (!(await until(drained, command.drainTimeoutMs))) throw new Error('the messages before the storm were not all delivered');
  const members = rooms.flatMap((room) => room.members);
  for (const member of members) member.connection?.close();
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  let lastResumedAt = started;
  await inPool(members.length, command.concurrency, async (i) => {
    const member = members[i]!;
    try {
      const connection = await driver!.connect({ name: member.name, token: member.token }, eventsFor(member));
      member.connection = connection;
      await connection.join(member.room.id, member.lastSeq);
      lastResumedAt = performance.now();
      if (member === member.room.members[0]) for (let k = 0; k < command.messagesPerRoom; k++) sendOne(member);
    } catch (err) {
      failed++;
      firstError ??= err instanceof Error ? err.message : String(err);
      member.connection?.close();
      member.connection = undefined;
    }
  });
  const resumeMs = lastResumedAt - started;
  await until(drained, command.drainTimeoutMs);
  emit({
    evt: 'reconnected',
    conns: members.length - failed,
    failed,
    resumeMs,
    deliveries: phase.deliveries,
    expectedDeliveries: phase.expected,
    lost: countLost(),
    duplicated: phase.duplicated,
    errors: phase.errors,
    ...(firstError === undefined ? {} : { firstError }),
  });
}

function quit(): void {
  for (const room of rooms) for (const member of room.members) member.connection?.close();
  for (const member of connectedMembers) member.connection?.close();
  setTimeout(() => process.exit(0), 200).unref();
}

let queue: Promise<void> = Promise.resolve();

process.on('message', (command: Command) => {
  queue = queue.then(async () => {
    try {
      switch (command.cmd) {
        case 'setup':
          return await handleSetup(command);
        case 'connect':
          return await handleConnect(command.count);
        case 'run':
          return await handleRun(command);
        case 'reconnect':
          return await handleReconnect(command);
        case 'quit':
          return quit();
      }
    } catch (err) {
      emit({ evt: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
});
process.on('disconnect', () => process.exit(0));
