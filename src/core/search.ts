/**
 * Message search for a principal (issue 13, Search), over the Store's full-text index
 * (`SearchStore`): only the plaintext rooms the principal is a member of (every member role may
 * read), newest first, a page at a time.
 *
 * Naming a room narrows the search to it and is checked first: a room the principal is not in
 * answers ROOM_NOT_FOUND (the same as a missing one, so room ids cannot be probed); an e2ee room
 * answers NOT_SEARCHABLE rather than an empty page (its bodies are opaque to the server), as does a
 * relay room (it stores no messages).
 *
 * Positions (`before`, each result's `position`) are opaque to clients: base64url of the JSON
 * `[createdAt, roomId, seq]` of a result.
 */
import { ParleyError, RoomId, type SearchResponse } from '../protocol/index.ts';
import type { SearchPosition, SearchStore } from './ports/store.ts';
import type { Principal } from './principal.ts';
import type { Members } from './members.ts';
import type { Rooms } from './rooms.ts';

/** A search as transports pass it (`SearchQuery` of src/protocol/search.ts, validated). Times are Unix ms. */
export interface SearchInput {
  readonly q: string;
  readonly roomId?: string | undefined;
  readonly senderId?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** A result's `position`: only results after it. */
  readonly before?: string | undefined;
  readonly limit: number;
}

export class Search {
  constructor(
    private readonly deps: {
      readonly search: SearchStore;
      readonly members: Members;
      readonly rooms: Rooms;
    },
  ) {}

  /**
   * A page of the messages matching `input` that `principal` may read, newest first.
   * Throws ROOM_NOT_FOUND (`roomId` names no room of the principal's), NOT_SEARCHABLE (`roomId`
   * names an e2ee or relay room), VALIDATION_FAILED (no word in `q`, too many, or a `before` that
   * is not a position), STORE_UNAVAILABLE.
   */
  async messages(principal: Principal, input: SearchInput): Promise<SearchResponse> {
    if (input.roomId !== undefined) {
      await this.deps.members.require(principal, input.roomId);
      const room = await this.deps.rooms.get(input.roomId);
      if (room.e2ee) throw notSearchable(room.id, 'e2ee', 'Messages in end-to-end encrypted rooms cannot be searched on the server');
      if (room.kind === 'relay') throw notSearchable(room.id, 'relay', 'Relay rooms keep no messages, so there is nothing to search on the server');
    }
    const { hits, hasMore } = await this.deps.search.messages({
      userId: principal.userId,
      text: input.q,
      roomId: input.roomId,
      senderId: input.senderId,
      from: input.from,
      to: input.to,
      before: input.before === undefined ? undefined : decodePosition(input.before),
      limit: input.limit,
    });
    return { results: hits.map((hit) => ({ ...hit, position: encodePosition(hit) })), hasMore };
  }
}

/** NOT_SEARCHABLE for `roomId`, saying why. */
function notSearchable(roomId: string, reason: 'e2ee' | 'relay', message: string): ParleyError {
  return new ParleyError('NOT_SEARCHABLE', message, { details: { roomId, reason } });
}

/** A result's position as clients see it: base64url of `[createdAt, roomId, seq]`. */
export function encodePosition(position: SearchPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.roomId, position.seq])).toString('base64url');
}

/** The position `text` encodes. @throws ParleyError `VALIDATION_FAILED` (details.field = 'before') when it is not one {@link encodePosition} made. */
export function decodePosition(text: string): SearchPosition {
  const invalid = () => new ParleyError('VALIDATION_FAILED', 'before must be the position of a search result', { details: { field: 'before', issues: [{ path: 'querystring.before', message: 'not the position of a search result' }] } });
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 3) throw invalid();
  const [createdAt, roomId, seq] = value as unknown[];
  if (!Number.isSafeInteger(createdAt) || typeof roomId !== 'string' || !RoomId.safeParse(roomId).success || !Number.isSafeInteger(seq)) throw invalid();
  return { createdAt: createdAt as number, roomId, seq: seq as number };
}
