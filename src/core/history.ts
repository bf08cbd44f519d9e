/**
 * Pages of a room's timeline by seq, for HTTP and WebSocket alike, from the room's timeline engine:
 * the Store for persistent rooms; the short resume buffer for relay rooms (they keep nothing else,
 * so their history is only what the buffer still holds).
 */
import type { HistoryPage } from '../protocol/index.ts';
import type { RoomRecord } from './ports/store.ts';
import type { Timelines } from './timeline/timelines.ts';

/** A history request: `after` (oldest first) or `before` (newest first), never both; limit capped by `pageMax`. */
export interface HistoryQuery {
  readonly after?: number | undefined;
  readonly before?: number | undefined;
  readonly limit?: number | undefined;
}

export class History {
  /** @param pageMax largest page (PARLEY_HISTORY_PAGE_MAX); 50 is the default page. */
  constructor(
    private readonly timelines: Timelines,
    private readonly pageMax: number,
  ) {}

  /** A page in ascending seq order (see `TimelineSource.page`). `after` wins when both bounds are given. */
  page(room: RoomRecord, query: HistoryQuery): Promise<HistoryPage> {
    const limit = Math.min(query.limit ?? 50, this.pageMax);
    const bound = query.after !== undefined ? { after: query.after } : query.before !== undefined ? { before: query.before } : {};
    return this.timelines.sourceFor(room).page(room.id, { ...bound, limit });
  }
}
