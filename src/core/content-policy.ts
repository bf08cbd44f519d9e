/**
 * The content policy of plaintext rooms (DESIGN.md, delivery path step 3: "(plaintext rooms)
 * moderation policy"; issue: abuse resistance — moderation; issue 11: text is never changed): the
 * body is kept exactly as typed — markup included, since clients render bodies as text, never as
 * HTML — a body of only whitespace is refused, and the word filter blocks or masks
 * (`word-filter.ts`), the one change a server operator may configure. Bodies of e2ee rooms are
 * opaque and pass untouched: only their size is limited, by the send pipeline.
 *
 * `clean` is synchronous so that it adds no turn of the event loop before a send enters the
 * store's queue (a batch is stored in the order it was given). A refusal by the word filter is
 * recorded in the audit log — that it was refused and why, never the body.
 */
import { ParleyError } from '../protocol/index.ts';
import type { Principal } from './principal.ts';
import type { RoomRecord } from './ports/store.ts';
import type { AuditLog } from './audit.ts';
import type { WordFilter } from './word-filter.ts';

/** What plaintext bodies go through before they are stored; see the module comment. */
export class ContentPolicy {
  constructor(
    private readonly wordFilter: WordFilter,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The body to store for a send of `body` to `room`: unchanged in e2ee rooms; otherwise unchanged
   * too (markup and all, byte for byte), except where the word filter masks.
   * @throws ParleyError VALIDATION_FAILED (`details.issues` names `body`) when the body is only
   *   whitespace; MESSAGE_REFUSED (`details.reason: 'word_filter'`) when the word filter blocks it.
   */
  clean(room: RoomRecord, body: string): string {
    if (room.e2ee) return body;
    if (body.trim() === '') {
      const message = 'body has no text (only whitespace)';
      throw new ParleyError('VALIDATION_FAILED', `body: ${message}`, { details: { issues: [{ path: 'body', message }] } });
    }
    const filtered = this.wordFilter.apply(body);
    if (filtered.blocked) throw new ParleyError('MESSAGE_REFUSED', 'The message contains a word this server does not accept', { details: { reason: 'word_filter' } });
    return filtered.text;
  }

  /**
   * Record a refusal by {@link clean} in the audit log (word filter blocks only: an empty body is
   * a client error, not a moderation event). Resolves once recorded.
   */
  async recordRefusal(principal: Principal, room: RoomRecord, clientId: string, err: unknown): Promise<void> {
    if (!(err instanceof ParleyError) || err.code !== 'MESSAGE_REFUSED') return;
    await this.audit.record({ roomId: room.id, actor: principal, action: 'message_refused', details: { reason: err.details?.reason, clientId } });
  }
}
