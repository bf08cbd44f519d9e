/**
 * The message pane: history in seq order with a "load older" button, live messages, the user's own
 * messages while they are being sent, an unread mark on messages after the read marker, and a
 * "seen by" line. Reports which messages are on screen so the page can mark them read.
 * A message deleted by a moderator shows as a tombstone, "message deleted", whether the deletion
 * arrives as a push (before or after the message itself) or in history (`deletedAt`).
 * Bodies are set with `textContent` only.
 */
import type { HistoryPage, Message } from '../../client/src/index.ts';
import type { User } from './api.ts';
import { el } from './elements.ts';

/** How close to the bottom (px) still counts as "at the bottom" for auto-scrolling. */
const STICK_PX = 48;

/** What a deleted message shows instead of its body. */
const TOMBSTONE_TEXT = 'message deleted';

export class MessageList {
  /** The pane to place in the page. */
  readonly element: HTMLElement;
  readonly #list = el('div', { id: 'message-list' });
  readonly #pending = el('div', { id: 'pending-list' });
  readonly #older = el('button', { type: 'button', id: 'load-older', class: 'secondary older', hidden: '' }, 'Load older messages');
  readonly #seenBy = el('p', { id: 'seen-by', class: 'muted' });
  readonly #bySeq = new Map<number, HTMLElement>();
  readonly #bySending = new Map<string, HTMLElement>();
  /** Seqs deleted by a moderator, kept for a message that arrives after its deletion push. */
  readonly #deleted = new Set<number>();
  readonly #visible = new Set<number>();
  readonly #observer: IntersectionObserver;
  readonly #me: User;

  /**
   * @param onLoadOlder the "load older" button was pressed.
   * @param onSeen called with the highest seq on screen whenever what is on screen changes.
   */
  constructor(me: User, onLoadOlder: () => void, onSeen: (seq: number) => void) {
    this.#me = me;
    this.element = el('section', { id: 'messages', 'aria-label': 'Messages' }, this.#older, this.#list, this.#pending, this.#seenBy);
    this.#list.setAttribute('aria-live', 'polite');
    this.#older.addEventListener('click', onLoadOlder);
    this.#observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const seq = Number((entry.target as HTMLElement).dataset.seq);
          if (entry.isIntersecting) this.#visible.add(seq);
          else this.#visible.delete(seq);
        }
        if (this.#visible.size > 0) onSeen(Math.max(...this.#visible));
      },
      { root: this.element, threshold: 0.5 },
    );
  }

  /** Seq of the oldest message shown (undefined when none). */
  get oldestSeq(): number | undefined {
    return this.#bySeq.size === 0 ? undefined : Math.min(...this.#bySeq.keys());
  }

  /** Seq of the newest message shown (0 when none). */
  get newestSeq(): number {
    return this.#bySeq.size === 0 ? 0 : Math.max(...this.#bySeq.keys());
  }

  /** Sender of the newest message shown (undefined when none). */
  get newestSenderId(): string | undefined {
    return this.#bySeq.get(this.newestSeq)?.dataset.senderId;
  }

  /** Highest seq on screen now (0 when none). */
  get seenSeq(): number {
    return this.#visible.size === 0 ? 0 : Math.max(...this.#visible);
  }

  /**
   * Show the newest history `page` (merged with live messages already shown) and scroll to the
   * bottom. Messages after `readSeq` from others are marked unread.
   */
  load(page: HistoryPage, readSeq: number): void {
    for (const message of page.messages) this.#insert(message, message.seq > readSeq && message.senderId !== this.#me.id);
    this.#older.hidden = !page.hasMore;
    this.element.scrollTop = this.element.scrollHeight;
  }

  /** Show `page` instead of everything shown (the room's history was reset or too much was missed). */
  reset(page: HistoryPage, readSeq: number): void {
    this.#observer.disconnect();
    this.#visible.clear();
    this.#bySeq.clear();
    this.#list.replaceChildren();
    this.load(page, readSeq);
  }

  /** Add an older page above what is shown, keeping the view where it was. */
  prepend(page: HistoryPage): void {
    const fromBottom = this.element.scrollHeight - this.element.scrollTop;
    for (const message of page.messages) this.#insert(message, false);
    this.#older.hidden = !page.hasMore;
    this.element.scrollTop = this.element.scrollHeight - fromBottom;
  }

  /** Add a live message (it replaces the user's own pending copy with the same clientId). */
  add(message: Message, unread: boolean): void {
    const stick = this.#atBottom() || message.senderId === this.#me.id;
    if (message.senderId === this.#me.id) this.#bySending.get(message.clientId)?.remove();
    this.#bySending.delete(message.clientId);
    this.#insert(message, unread);
    if (stick) this.element.scrollTop = this.element.scrollHeight;
  }

  /** Show the user's own message while it is being sent. */
  sending(clientId: string, body: string): void {
    const node = this.#render({ senderName: this.#me.name, body, mine: true }, 'sending…');
    node.classList.add('pending');
    node.dataset.clientId = clientId;
    this.#bySending.set(clientId, node);
    this.#pending.append(node);
    this.element.scrollTop = this.element.scrollHeight;
  }

  /** The send of `clientId` was acked as `seq`: drop the pending copy once that message is shown. */
  acked(clientId: string, seq: number): void {
    if (!this.#bySeq.has(seq)) return;
    this.#bySending.get(clientId)?.remove();
    this.#bySending.delete(clientId);
  }

  /** The send of `clientId` failed for good: keep the text, say why. */
  failed(clientId: string, reason: string): void {
    const node = this.#bySending.get(clientId);
    if (node === undefined) return;
    node.classList.replace('pending', 'failed');
    (node.querySelector('.note') as HTMLElement).textContent = `not sent: ${reason}`;
  }

  /** A moderator deleted message `seq`: show a tombstone in its place (now, or when it arrives). */
  markDeleted(seq: number): void {
    this.#deleted.add(seq);
    const node = this.#bySeq.get(seq);
    if (node !== undefined) showTombstone(node);
  }

  /** Messages up to `seq` are read: drop their unread mark. */
  markRead(seq: number): void {
    for (const [s, node] of this.#bySeq) if (s <= seq) node.classList.remove('unread');
  }

  /** Names of those who have read the newest message (empty to hide the line). */
  seenBy(names: string[]): void {
    this.#seenBy.textContent = names.length === 0 ? '' : `Seen by ${names.join(', ')}`;
  }

  dispose(): void {
    this.#observer.disconnect();
  }

  #insert(message: Message, unread: boolean): void {
    if (this.#bySeq.has(message.seq)) return;
    const node = this.#render({ senderName: message.senderName, body: message.body, mine: message.senderId === this.#me.id, createdAt: message.createdAt });
    node.dataset.seq = String(message.seq);
    node.dataset.senderId = message.senderId;
    if (message.deletedAt !== undefined || this.#deleted.has(message.seq)) showTombstone(node);
    if (unread) node.classList.add('unread');
    let next: HTMLElement | null = null;
    for (const [seq, other] of this.#bySeq) if (seq > message.seq && (next === null || seq < Number(next.dataset.seq))) next = other;
    this.#list.insertBefore(node, next);
    this.#bySeq.set(message.seq, node);
    this.#observer.observe(node);
  }

  #render(message: { senderName: string; body: string; mine: boolean; createdAt?: number }, note?: string): HTMLElement {
    const meta = el('div', { class: 'meta' }, el('span', { class: 'sender' }, message.senderName));
    if (message.createdAt !== undefined) {
      const at = new Date(message.createdAt);
      meta.append(el('time', { datetime: at.toISOString() }, at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
    }
    if (note !== undefined) meta.append(el('span', { class: 'note' }, note));
    return el('article', { class: message.mine ? 'message mine' : 'message' }, meta, el('div', { class: 'body' }, message.body));
  }

  #atBottom(): boolean {
    return this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < STICK_PX;
  }
}

/** Replace a message's body with the tombstone text. */
function showTombstone(node: HTMLElement): void {
  node.classList.add('deleted');
  (node.querySelector('.body') as HTMLElement).textContent = TOMBSTONE_TEXT;
}
