/**
 * Pages of a room's messages by seq, for HTTP and WebSocket alike. Persistent rooms page the Store;
 * relay rooms answer from their short resume buffer (they keep nothing else).
 */
import type { HistoryPage } from '../protocol/index.ts';
import type { Store, RoomRecord } from './ports/store.ts';
import type { RelayLog } from './ports/relay-log.ts';

/** A history request: `after` (oldest first) or `before` (newest first), never both; limit capped by `pageMax`. */
export interface HistoryQuery {
  readonly after?: number | undefined;
  readonly before?: number | undefined;
  readonly limit?: number | undefined;
}

export class History {
  /** @param pageMax largest page (PARLEY_HISTORY_PAGE_MAX); 50 is the default page. */
  constructor(
    private readonly store: Store,
    private readonly relayLog: RelayLog,
    private readonly pageMax: number,
  ) {}

  async page(room: RoomRecord, query: HistoryQuery): Promise<HistoryPage> {
    const limit = Math.min(query.limit ?? 50, this.pageMax);
    if (room.kind === 'persistent') {
      const q: { after?: number; before?: number; limit: number } = { limit };
      if (query.after !== undefined) q.after = query.after;
      else if (query.before !== undefined) q.before = query.before;
      return this.store.messages.page(room.id, q);
    }
    const { messages } = await this.relayLog.since(room.id, query.after ?? 0);
    if (query.after !== undefined) return { messages: messages.slice(0, limit), hasMore: messages.length > limit };
    const older = query.before === undefined ? messages : messages.filter((m) => m.seq < (query.before as number));
    return { messages: older.slice(-limit), hasMore: older.length > limit };
  }
}
