/**
 * The exactly-once check of the failure tests: SDK clients (`client/`) in one room send messages and
 * record every ack and every timeline event delivered; afterwards each client must have received
 * every acknowledged message exactly once, and every timeline event of the room since its join (the
 * messages and the other members' `member_joined`, which share the room's seqs) exactly once, in
 * seq order, with no seq missing. `summary()` is the line each test prints: messages acked, lost,
 * duplicated, reordered, events missing, and resume time p50/p99 (socket drop → room rejoined).
 */
import WebSocket from 'ws';
import { ParleyClient, type WebSocketConstructor } from '../../client/src/index.ts';

/** One SDK client with what it saw. */
export interface Recorder {
  readonly client: ParleyClient;
  /** clientId → acked seq. */
  readonly acks: Map<string, number>;
  /** Delivered `message` events, in delivery order. */
  readonly received: Array<{ seq: number; clientId: string; senderId: string }>;
  /** Every delivered timeline event (messages included), in delivery order. */
  readonly events: Array<{ seq: number; type: string }>;
  /** The room's `lastSeq` when this client first joined it: it must receive every event after it. */
  joinedAtSeq: number;
  /** Resume times of this client, ms. */
  readonly resumeMs: number[];
}

/** Connect an SDK client for `token` through `url`, join `roomId`, and record what it sees. */
export async function recorder(url: string, token: string, roomId: string): Promise<Recorder> {
  const client = new ParleyClient({ url, token, WebSocket: WebSocket as unknown as WebSocketConstructor, backoffBaseMs: 100, backoffMaxMs: 1000, requestTimeoutMs: 15_000 });
  const record: Recorder = { client, acks: new Map(), received: [], events: [], joinedAtSeq: 0, resumeMs: [] };
  let droppedAt: number | undefined;
  client.on('state', ({ state }) => {
    if (state === 'reconnecting' && droppedAt === undefined) droppedAt = performance.now();
  });
  client.on('joined', () => {
    if (droppedAt === undefined) return;
    record.resumeMs.push(performance.now() - droppedAt);
    droppedAt = undefined;
  });
  client.on('event', (e) => {
    record.events.push({ seq: e.seq, type: e.type });
    if (e.type === 'message') record.received.push({ seq: e.seq, clientId: e.clientId, senderId: e.senderId });
  });
  await client.connect();
  record.joinedAtSeq = (await client.join(roomId)).room.lastSeq;
  return record;
}

/**
 * Send `count` messages from `r`, at most `inFlight` awaiting their ack at once; every send is
 * retried by the SDK (same clientId) across reconnects, and here after a retryable error, until
 * acked. `onAck` sees each ack; `refused.count` counts the retryable errors met.
 */
export async function sendAll(r: Recorder, roomId: string, count: number, inFlight: number, onAck: () => void, refused = { count: 0 }): Promise<void> {
  // The sender's id is read once, while connected: between two sockets the client has no welcome.
  const sender = r.client.user?.id;
  if (sender === undefined) throw new Error('sendAll: the recorder is not connected');
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const clientId = `${sender}-${n}`;
      const ack = await sendUntilAcked(r.client, roomId, clientId, refused);
      r.acks.set(clientId, ack);
      onAck();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** Send with the same clientId until it is acked, retrying after a retryable error (at most 100 times, 100 ms apart). */
async function sendUntilAcked(client: ParleyClient, roomId: string, clientId: string, refused: { count: number }): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await client.send(roomId, clientId, { clientId })).seq;
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable === true;
      if (!retryable || attempt >= 100) throw err;
      refused.count += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Outcome of the check over every recorder. */
export interface ExactlyOnce {
  readonly acked: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly reordered: number;
  /**
   * Timeline events of any type a client never received: over every client, the seqs after its
   * join (`joinedAtSeq`) up to the newest seq any client received that it lacks.
   */
  readonly missing: number;
  /** How many times a client resumed after its socket dropped, and how long that took (ms). */
  readonly resumes: number;
  readonly resumeP50Ms: number;
  readonly resumeP99Ms: number;
}

/**
 * Wait until every recorder received every acked message and every event after its join up to the
 * newest seq any recorder received (or `timeoutMs` passed), then count what is wrong.
 */
export async function checkExactlyOnce(recorders: readonly Recorder[], timeoutMs: number): Promise<ExactlyOnce> {
  const acked = new Map<string, number>();
  for (const r of recorders) for (const [clientId, seq] of r.acks) acked.set(clientId, seq);
  const total = acked.size;
  const deadline = Date.now() + timeoutMs;
  const newestSeq = () => recorders.reduce((max, r) => r.events.reduce((m, e) => Math.max(m, e.seq), max), 0);
  const complete = (r: Recorder, newest: number) => new Set(r.received.map((m) => m.seq)).size >= total && new Set(r.events.map((e) => e.seq).filter((seq) => seq > r.joinedAtSeq)).size >= newest - r.joinedAtSeq;
  while (Date.now() < deadline) {
    const newest = newestSeq();
    if (recorders.every((r) => complete(r, newest))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let missing = 0;
  const newest = newestSeq();
  for (const r of recorders) {
    // Duplicates and order over every event type: they share the room's seqs.
    const seenEvents = new Set<number>();
    let previous = 0;
    for (const e of r.events) {
      if (seenEvents.has(e.seq)) duplicated++;
      seenEvents.add(e.seq);
      if (e.seq <= previous) reordered++;
      previous = Math.max(previous, e.seq);
    }
    for (let seq = r.joinedAtSeq + 1; seq <= newest; seq++) if (!seenEvents.has(seq)) missing++;
    const seen = new Map<number, string>();
    for (const m of r.received) if (!seen.has(m.seq)) seen.set(m.seq, m.clientId);
    for (const [clientId, seq] of acked) if (seen.get(seq) !== clientId) lost++;
  }
  const resumes = recorders.flatMap((r) => r.resumeMs).sort((a, b) => a - b);
  const pct = (p: number) => (resumes.length === 0 ? 0 : (resumes[Math.min(resumes.length - 1, Math.floor((p / 100) * resumes.length))] as number));
  return { acked: total, lost, duplicated, reordered, missing, resumes: resumes.length, resumeP50Ms: Math.round(pct(50)), resumeP99Ms: Math.round(pct(99)) };
}

/** The summary line a failure test prints. */
export function summary(label: string, result: ExactlyOnce): string {
  const resumes = result.resumes === 0 ? 'no client had to resume' : `${result.resumes} resumes, p50 ${result.resumeP50Ms} ms, p99 ${result.resumeP99Ms} ms`;
  return `${label}: ${result.acked} messages acked, ${result.lost} lost, ${result.duplicated} duplicated, ${result.reordered} reordered, ${result.missing} events missing; ${resumes}`;
}
