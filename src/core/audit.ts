/**
 * The audit log (issue: abuse resistance — moderation): every moderation action and every refused
 * message or join is recorded durably, with time, room, actor, action, target and details. A
 * refused message is recorded as refused and why, never with its body: callers pass only the
 * parameters of the action (seq, clientId, reason, role, mute end), and nothing here reads a body.
 *
 * Entry ids are 27 decimal digits: the time in ms (15), a per-process counter (6) and random
 * digits (6). They sort by time as plain strings under every database collation, entries of one
 * process keep their order within a millisecond, and two nodes never pick the same id in practice.
 */
import { randomInt } from 'node:crypto';
import type { AuditAction, AuditEntry } from '../protocol/index.ts';
import type { AuditStore } from './ports/store.ts';
import type { Principal } from './principal.ts';

/** What a caller records; the log adds the id and the time. */
export interface AuditInput {
  readonly roomId: string;
  /** Who acted; for a refusal, whose message or join was refused. */
  readonly actor: Pick<Principal, 'userId' | 'name'>;
  readonly action: AuditAction;
  /** The member acted upon, if any. */
  readonly targetId?: string | null;
  /** The action's parameters. Never a message body. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A page of the log, newest first; `hasMore` when older entries exist. */
export interface AuditPage {
  readonly entries: AuditEntry[];
  readonly hasMore: boolean;
}

const COUNTER_SPAN = 1_000_000;

/** Writes and pages the audit log over the Store's AuditStore; see the module comment for ids and what is never recorded. */
export class AuditLog {
  #counter = 0;

  constructor(
    private readonly store: AuditStore,
    private readonly now: () => number,
  ) {}

  /** Store one entry; resolves once it is durable. Rejects with STORE_UNAVAILABLE (nothing recorded). */
  async record(input: AuditInput): Promise<void> {
    const at = this.now();
    this.#counter = (this.#counter + 1) % COUNTER_SPAN;
    const id = `${String(at).padStart(15, '0')}${String(this.#counter).padStart(6, '0')}${String(randomInt(COUNTER_SPAN)).padStart(6, '0')}`;
    await this.store.append({
      id,
      at,
      roomId: input.roomId,
      actorId: input.actor.userId,
      actorName: input.actor.name,
      action: input.action,
      targetId: input.targetId ?? null,
      details: input.details ?? {},
    });
  }

  /** Entries newest first, of one room or of all, older than entry id `before` if given. */
  async page(query: { roomId?: string | undefined; before?: string | undefined; limit: number }): Promise<AuditPage> {
    const q: { roomId?: string; before?: string; limit: number } = { limit: query.limit };
    if (query.roomId !== undefined) q.roomId = query.roomId;
    if (query.before !== undefined) q.before = query.before;
    const { entries, hasMore } = await this.store.page(q);
    return { entries: entries.map((e) => ({ ...e, details: { ...e.details } })), hasMore };
  }
}
