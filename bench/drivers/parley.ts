/**
 * Driver for Parley: rooms are created through the admin API (`POST /api/v1/admin/rooms`, open join
 * rule, a message rate per member far above what any scenario offers), each member joins through `POST /api/v1/join` and receives its own session token, and the
 * connection is Parley's `/ws?token=…` speaking the frames of `src/protocol/`.
 */
import type { Driver, Provisioned, MemberCredentials, ConnectionEvents, Connection } from './driver.ts';
import { inPool } from './driver.ts';
import { openWireConnection } from './wire.ts';

const MAX_ATTEMPTS = 20;
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * The rooms' `messagesPerMinute` (their policy's maximum): scenarios offer a member 1 message/s,
 * the large room's sender 20/s and ramps far more, none of which the limit may throttle.
 */
const MESSAGES_PER_MINUTE = 1_000_000;

export class ParleyDriver implements Driver {
  readonly #base: string;
  #retries = 0;

  constructor(
    private readonly port: number,
    private readonly adminToken: string,
    private readonly roomKind: 'persistent' | 'relay',
  ) {
    this.#base = `http://127.0.0.1:${port}`;
  }

  async provision(rooms: number, membersPerRoom: number, concurrency: number): Promise<Provisioned> {
    const roomIds: string[] = new Array<string>(rooms);
    await inPool(rooms, concurrency, async (r) => {
      const created = (await this.#post('/api/v1/admin/rooms', `Bearer ${this.adminToken}`, {
        name: `bench ${r}`,
        kind: this.roomKind,
        maxMembers: membersPerRoom,
        joinRule: 'open',
        messagesPerMinute: MESSAGES_PER_MINUTE,
      })) as { room: { id: string } };
      roomIds[r] = created.room.id;
    });
    const members: MemberCredentials[][] = roomIds.map(() => []);
    await inPool(rooms * membersPerRoom, concurrency, async (i) => {
      const r = i % rooms;
      const m = Math.floor(i / rooms);
      const name = `u${r}-${m}`;
      const joined = (await this.#post('/api/v1/join', undefined, { roomId: roomIds[r], name })) as { token: string };
      members[r]![m] = { name, token: joined.token };
    });
    return { roomIds, members, retries: this.#retries };
  }

  connect(member: MemberCredentials, events: ConnectionEvents): Promise<Connection> {
    return openWireConnection(`ws://127.0.0.1:${this.port}/ws?token=${encodeURIComponent(member.token)}`, events);
  }

  /** POST JSON; retries (bounded) when the server answers 429 or 503, honouring `retryAfterMs`. */
  async #post(path: string, authorization: string | undefined, body: unknown): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(this.#base + path, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await res.text();
      if (res.ok) return JSON.parse(text) as unknown;
      if ((res.status === 429 || res.status === 503) && attempt < MAX_ATTEMPTS) {
        this.#retries++;
        const retryAfterMs = Number((JSON.parse(text) as { error?: { details?: { retryAfterMs?: unknown } } }).error?.details?.retryAfterMs);
        await new Promise((resolve) => setTimeout(resolve, Number.isFinite(retryAfterMs) ? Math.min(retryAfterMs, 5000) : 100 * attempt));
        continue;
      }
      throw new Error(`POST ${path} → HTTP ${res.status}: ${text.slice(0, 300)}`);
    }
  }
}
