/**
 * The timeline pane: the room's events in seq order, older pages read as the list is scrolled to its
 * top (or with its "Load older messages" button) — messages as they
 * stand (a quote of the message they reply to, an "(edited)" mark, a "Message deleted" tombstone,
 * reactions with counts), system lines for membership, moderation and room events, the user's own
 * messages while they are being sent, an unread mark on others' messages after the read marker, and
 * a "seen by" line. Each message offers Reply, Edit (own messages, inline), Delete (own; a
 * moderator's on others) and quick reactions (a click toggles yours; hovering a reaction shows who).
 * Reports which entries are on screen so the page can mark them read.
 * User text (bodies, names) is set with `textContent` only.
 */
import type { HistoryPage, MessageEvent, TimelineEvent } from '../../client/src/index.ts';
import type { User } from './api.ts';
import { el } from './elements.ts';
import { eventLine, timeOfDay, type NameOf } from './event-lines.ts';
import { reactionBar } from './reaction-bar.ts';
import { linkify } from './links.ts';

/** How close to the bottom (px) still counts as "at the bottom" for auto-scrolling. */
const STICK_PX = 48;
/** What a deleted message shows instead of its body. */
export const TOMBSTONE_TEXT = 'Message deleted';
/** Longest excerpt of a replied-to message in a quote (characters). */
const QUOTE_CHARS = 120;
/** Messages by one sender closer together than this (ms) are shown as one group, their name once. */
const GROUP_MS = 5 * 60_000;

/** What the timeline needs from the page around it. */
export interface TimelineHost {
  /** The message `seq` as it stands now (the SDK's room state), when loaded. */
  message(seq: number): MessageEvent | undefined;
  /** The name to show for a user id. */
  nameOf: NameOf;
  /** Whether the user may delete other members' messages (a moderator or owner). */
  canModerate(): boolean;
  /** The user pressed Reply on `message`. */
  reply(message: MessageEvent): void;
  /** The user saved an edit of their message `seq`; resolves once acked. */
  edit(seq: number, body: string): Promise<unknown>;
  /** The user pressed Delete on message `seq`. */
  delete(seq: number): void;
  /** The user toggled their reaction `key` on message `seq` (`active`: add it). */
  react(seq: number, key: string, active: boolean): void;
  /** Older history is wanted (the list was scrolled to its top, or "Load older messages" pressed); settles once it is shown or failed. */
  loadOlder(): Promise<void>;
  /** The highest seq on screen changed. */
  seen(seq: number): void;
}

/** A short excerpt of a message for a quote or the reply bar. */
export function excerpt(message: MessageEvent): string {
  if (message.deletedAt !== undefined) return TOMBSTONE_TEXT;
  return message.body.length > QUOTE_CHARS ? `${message.body.slice(0, QUOTE_CHARS)}…` : message.body;
}

export class MessageList {
  /** The pane to place in the page. */
  readonly element: HTMLElement;
  readonly #list = el('div', { id: 'message-list' });
  readonly #pending = el('div', { id: 'pending-list' });
  readonly #older = el('button', { type: 'button', id: 'load-older', class: 'secondary older', hidden: '' }, 'Load older messages');
  readonly #seenBy = el('p', { id: 'seen-by', class: 'muted' });
  /** Shown while the newest messages are out of view: scrolls to them. */
  readonly #jump = el('button', { type: 'button', id: 'jump-newest', class: 'jump', hidden: '' }, 'Jump to newest ↓');
  /** Every entry shown (messages and system lines) by seq. */
  readonly #bySeq = new Map<number, HTMLElement>();
  readonly #bySending = new Map<string, HTMLElement>();
  readonly #visible = new Set<number>();
  readonly #observer: IntersectionObserver;
  /** Watches the "load older" button coming into view. */
  readonly #olderInView: IntersectionObserver;
  /** Whether an older page is being read. */
  #loadingOlder = false;
  readonly #me: User;
  readonly #host: TimelineHost;
  /** Seq of the oldest event read from history (shown or not: edits and reactions have no entry of their own). */
  #oldestRead = Infinity;
  /** The message being edited inline, and its editor. */
  #editing: { seq: number; editor: HTMLFormElement } | undefined;

  constructor(me: User, host: TimelineHost) {
    this.#me = me;
    this.#host = host;
    // Focusable, so the list scrolls from the keyboard (arrows, Page Up/Down) like any scrolling region.
    this.element = el('section', { id: 'messages', 'aria-label': 'Messages', tabindex: '0' }, this.#older, this.#list, this.#pending, this.#seenBy, this.#jump);
    this.element.addEventListener('scroll', () => (this.#jump.hidden = this.#atBottom()), { passive: true });
    this.#jump.addEventListener('click', () => this.scrollToNewest());
    this.#list.setAttribute('aria-live', 'polite');
    this.#older.addEventListener('click', () => this.#loadOlder());
    // Scrolling up to the top of what is shown loads the page before it, as long as the top stays in view.
    this.#olderInView = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.#loadOlder();
      },
      { root: this.element },
    );
    this.#olderInView.observe(this.#older);
    this.#observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const seq = Number((entry.target as HTMLElement).dataset.seq);
          if (entry.isIntersecting) this.#visible.add(seq);
          else this.#visible.delete(seq);
        }
        if (this.#visible.size > 0) host.seen(Math.max(...this.#visible));
      },
      { root: this.element, threshold: 0.5 },
    );
  }

  /** Seq of the oldest event read or shown (undefined when none): older pages are read before it. */
  get oldestSeq(): number | undefined {
    const oldest = Math.min(this.#oldestRead, ...this.#bySeq.keys());
    return oldest === Infinity ? undefined : oldest;
  }

  /** Seq of the newest message shown (0 when none). */
  get newestSeq(): number {
    let newest = 0;
    for (const [seq, node] of this.#bySeq) if (seq > newest && node.classList.contains('message')) newest = seq;
    return newest;
  }

  /** Sender of the newest message shown (undefined when none). */
  get newestSenderId(): string | undefined {
    return this.#bySeq.get(this.newestSeq)?.dataset.senderId;
  }

  /** Highest seq on screen now (0 when none). */
  get seenSeq(): number {
    return this.#visible.size === 0 ? 0 : Math.max(...this.#visible);
  }

  /** How many messages shown are marked unread. */
  get unreadCount(): number {
    return this.#list.querySelectorAll('.message.unread').length;
  }

  /**
   * Show the newest history `page` (merged with what is shown) and scroll to the bottom. Others'
   * messages after `readSeq` are marked unread.
   */
  load(page: HistoryPage, readSeq: number): void {
    for (const event of page.events) this.#insertEvent(event, readSeq);
    this.#layout();
    this.#oldestRead = Math.min(this.#oldestRead, page.events[0]?.seq ?? Infinity);
    this.#older.hidden = !page.hasMore;
    // Open at the read marker: the first unread message under a "New messages" line, else the newest.
    this.#list.querySelector('.new-divider')?.remove();
    const firstUnread = this.#list.querySelector<HTMLElement>('.message.unread');
    if (firstUnread === null) return this.scrollToNewest();
    const divider = el('p', { class: 'new-divider', role: 'separator', 'aria-label': 'New messages' }, 'New messages');
    firstUnread.before(divider);
    this.#layout();
    divider.scrollIntoView({ block: 'start' });
    this.#jump.hidden = this.#atBottom();
  }

  /** Read the page before the oldest shown, once at a time; then look again whether the top is still in view. */
  #loadOlder(): void {
    if (this.#loadingOlder || this.#older.hidden) return;
    this.#loadingOlder = true;
    this.#older.textContent = 'Loading older messages…';
    void this.#host.loadOlder().finally(() => {
      this.#loadingOlder = false;
      this.#older.textContent = 'Load older messages';
      // Observing again reports the button's current state: still in view (a short page) loads the next.
      this.#olderInView.unobserve(this.#older);
      this.#olderInView.observe(this.#older);
    });
  }

  /** Scroll to the newest message (the "Jump to newest" button). */
  scrollToNewest(): void {
    this.element.scrollTop = this.element.scrollHeight;
    this.#jump.hidden = true;
  }

  /** Show `page` instead of everything shown (the room's history was reset or too much was missed). */
  reset(page: HistoryPage, readSeq: number): void {
    this.#observer.disconnect();
    this.#visible.clear();
    this.#bySeq.clear();
    this.#oldestRead = Infinity;
    this.#editing = undefined;
    this.#list.replaceChildren();
    this.load(page, readSeq);
  }

  /** Add an older page above what is shown, keeping the view where it was. */
  prepend(page: HistoryPage): void {
    const fromBottom = this.element.scrollHeight - this.element.scrollTop;
    for (const event of page.events) this.#insertEvent(event, Infinity);
    this.#layout();
    this.#oldestRead = Math.min(this.#oldestRead, page.events[0]?.seq ?? Infinity);
    this.#older.hidden = !page.hasMore;
    this.element.scrollTop = this.element.scrollHeight - fromBottom;
  }

  /** Add a live message (it replaces the user's own pending copy with the same clientId). */
  add(message: MessageEvent, unread: boolean): void {
    const mine = message.senderId === this.#me.id;
    const stick = this.#atBottom() || mine;
    if (mine) this.#bySending.get(message.clientId)?.remove();
    this.#bySending.delete(message.clientId);
    this.#insertMessage(message, unread);
    this.#layout();
    if (stick) this.element.scrollTop = this.element.scrollHeight;
  }

  /** Add a live system line for `event` (nothing for events without one). */
  line(event: TimelineEvent): void {
    const stick = this.#atBottom();
    this.#insertLine(event);
    this.#layout();
    if (stick) this.element.scrollTop = this.element.scrollHeight;
  }

  /** Message `seq` changed (edited, deleted, reacted to): show it as it stands now, and the quotes of it. */
  update(seq: number): void {
    const node = this.#bySeq.get(seq);
    const message = this.#host.message(seq);
    if (node !== undefined && message !== undefined && node.classList.contains('message')) this.#fill(node, message);
    for (const reply of this.#list.querySelectorAll<HTMLElement>(`.message[data-reply-to="${seq}"]`)) {
      const replyMessage = this.#host.message(Number(reply.dataset.seq));
      if (replyMessage !== undefined) this.#fill(reply, replyMessage);
    }
  }

  /** Show the user's own message while it is being sent. */
  sending(clientId: string, body: string, replyTo?: number): void {
    const node = el('article', { class: 'message mine pending', 'data-client-id': clientId });
    node.append(
      el('div', { class: 'meta' }, el('span', { class: 'sender' }, this.#me.name), el('span', { class: 'note' }, 'sending…')),
      ...(replyTo === undefined ? [] : [this.#quote(replyTo)]),
      el('div', { class: 'body' }, body),
    );
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

  /**
   * The send of `clientId` failed: keep the text, say why, and offer Retry (`retry` sends it again
   * with the same clientId, so it is stored at most once) and Discard (drops it from the page).
   */
  failed(clientId: string, reason: string, retry: () => void): void {
    const node = this.#bySending.get(clientId);
    if (node === undefined) return;
    node.classList.replace('pending', 'failed');
    (node.querySelector('.note') as HTMLElement).textContent = `not sent: ${reason}`;
    const again = el('button', { type: 'button', class: 'secondary', 'data-action': 'retry' }, 'Retry');
    const discard = el('button', { type: 'button', class: 'secondary', 'data-action': 'discard' }, 'Discard');
    const buttons = el('div', { class: 'failed-actions' }, again, discard);
    again.addEventListener('click', () => {
      buttons.remove();
      node.classList.replace('failed', 'pending');
      (node.querySelector('.note') as HTMLElement).textContent = 'sending…';
      retry();
    });
    discard.addEventListener('click', () => {
      node.remove();
      this.#bySending.delete(clientId);
    });
    node.append(buttons);
  }

  /** Entries up to `seq` are read: drop their unread mark. */
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

  /** A history event: a message as it stands (the room state's copy when it has one), or a system line. */
  #insertEvent(event: TimelineEvent, readSeq: number): void {
    if (event.type !== 'message') return this.#insertLine(event);
    const message = this.#host.message(event.seq) ?? event;
    this.#insertMessage(message, message.seq > readSeq && message.senderId !== this.#me.id);
  }

  #insertMessage(message: MessageEvent, unread: boolean): void {
    if (this.#bySeq.has(message.seq)) return this.update(message.seq);
    const node = el('article', { class: message.senderId === this.#me.id ? 'message mine' : 'message', 'data-seq': String(message.seq), 'data-sender-id': message.senderId, 'data-at': String(message.createdAt) });
    if (unread) node.classList.add('unread');
    this.#fill(node, message);
    this.#place(message.seq, node);
  }

  #insertLine(event: TimelineEvent): void {
    if (this.#bySeq.has(event.seq)) return;
    const text = eventLine(event, this.#host.nameOf);
    if (text === undefined) return;
    const at = new Date(event.createdAt);
    const node = el('p', { class: `system-line ${event.type.replace(/_/g, '-')}`, 'data-seq': String(event.seq), 'data-type': event.type, 'data-at': String(event.createdAt) }, el('span', { class: 'text' }, text), el('time', { datetime: at.toISOString(), title: at.toLocaleString() }, timeOfDay(event.createdAt)));
    this.#place(event.seq, node);
  }

  /** Put an entry in seq order and watch whether it is on screen. */
  #place(seq: number, node: HTMLElement): void {
    let next: HTMLElement | null = null;
    let nextSeq = Infinity;
    for (const [s, other] of this.#bySeq) if (s > seq && s < nextSeq) [next, nextSeq] = [other, s];
    this.#list.insertBefore(node, next);
    this.#bySeq.set(seq, node);
    this.#observer.observe(node);
  }

  /**
   * Date separators before the first entry of each day ("Today", "Yesterday", or the date), and
   * `continued` on a message that follows one by the same sender on the same day within
   * {@link GROUP_MS}, so a run of messages shows its sender once (issue 12). Must run after the
   * "New messages" line is placed, which also breaks a run.
   */
  #layout(): void {
    for (const separator of this.#list.querySelectorAll('.date-separator')) separator.remove();
    let day: string | undefined;
    let previous: HTMLElement | undefined;
    for (const node of [...this.#list.children] as HTMLElement[]) {
      // The "New messages" line starts a new run; it has no time of its own.
      if (node.dataset.at === undefined) {
        previous = undefined;
        continue;
      }
      const at = Number(node.dataset.at);
      const nodeDay = new Date(at).toDateString();
      if (nodeDay !== day) {
        // The day comes first, then the "New messages" line that may stand right before its first entry.
        const before = node.previousElementSibling?.classList.contains('new-divider') === true ? (node.previousElementSibling as HTMLElement) : node;
        before.before(el('p', { class: 'date-separator', role: 'separator', 'aria-label': dayLabel(at) }, dayLabel(at)));
        day = nodeDay;
        previous = undefined;
      }
      const continued =
        node.classList.contains('message') && previous?.classList.contains('message') === true && previous.dataset.senderId === node.dataset.senderId && at - Number(previous.dataset.at) < GROUP_MS;
      node.classList.toggle('continued', continued);
      previous = node;
    }
  }

  /** (Re)build a message's content from `message` as it stands; an open editor stays open. */
  #fill(node: HTMLElement, message: MessageEvent): void {
    const mine = message.senderId === this.#me.id;
    const deleted = message.deletedAt !== undefined;
    node.classList.toggle('deleted', deleted);
    if (message.replyTo === undefined) delete node.dataset.replyTo;
    else node.dataset.replyTo = String(message.replyTo);

    const at = new Date(message.createdAt);
    const meta = el('div', { class: 'meta' }, el('span', { class: 'sender' }, message.senderName), el('time', { datetime: at.toISOString(), title: at.toLocaleString() }, timeOfDay(message.createdAt)));
    if (message.editedAt !== undefined && !deleted) meta.append(el('span', { class: 'edited', title: `edited at ${timeOfDay(message.editedAt)}` }, '(edited)'));
    const parts: HTMLElement[] = [meta];
    if (message.replyTo !== undefined) parts.push(this.#quote(message.replyTo));

    if (deleted && this.#editing?.seq === message.seq) this.#editing = undefined;
    if (this.#editing?.seq === message.seq) parts.push(this.#editing.editor);
    else parts.push(deleted ? el('div', { class: 'body' }, TOMBSTONE_TEXT) : el('div', { class: 'body' }, ...linkify(message.body)));

    if (!deleted) {
      parts.push(reactionBar(message, this.#me.id, this.#host.nameOf, (key, active) => this.#host.react(message.seq, key, active)));
      const actions = el('div', { class: 'actions' });
      const button = (name: string, label: string, onClick: () => void) => {
        const b = el('button', { type: 'button', class: `secondary ${name}`, 'data-action': name }, label);
        b.addEventListener('click', onClick);
        actions.append(b);
      };
      button('reply', 'Reply', () => this.#host.reply(message));
      if (mine) button('edit', 'Edit', () => this.#startEdit(message));
      if (mine || this.#host.canModerate()) button('delete', 'Delete', () => this.#host.delete(message.seq));
      parts.push(actions);
    }
    node.replaceChildren(...parts);
  }

  /** The quote of message `seq` shown above a reply; clicking it scrolls to the message. */
  #quote(seq: number): HTMLElement {
    const original = this.#host.message(seq);
    const quote = el(
      'blockquote',
      { class: 'quote', 'data-seq': String(seq), title: 'Show the message' },
      el('span', { class: 'quote-sender' }, original === undefined ? 'Earlier message' : original.senderName),
      el('span', { class: 'quote-body' }, original === undefined ? `#${seq}` : excerpt(original)),
    );
    quote.addEventListener('click', () => this.#bySeq.get(seq)?.scrollIntoView({ block: 'center', behavior: 'smooth' }));
    return quote;
  }

  /** Replace the body of the user's message with an inline editor: Enter or Save sends, Escape or Cancel restores. */
  #startEdit(message: MessageEvent): void {
    const input = el('textarea', { class: 'edit-input', rows: '2', 'aria-label': 'Edit message' });
    input.value = message.body;
    const note = el('span', { class: 'note error' });
    const editor = el('form', { class: 'editor' }, input, el('div', { class: 'editor-buttons' }, el('button', { type: 'submit', class: 'save' }, 'Save'), el('button', { type: 'button', class: 'secondary cancel' }, 'Cancel'), note));
    const stop = () => {
      if (this.#editing?.editor !== editor) return;
      this.#editing = undefined;
      this.update(message.seq);
    };
    (editor.querySelector('.cancel') as HTMLElement).addEventListener('click', stop);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') stop();
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        editor.requestSubmit();
      }
    });
    editor.addEventListener('submit', (event) => {
      event.preventDefault();
      const body = input.value;
      const current = this.#host.message(message.seq)?.body ?? message.body;
      if (body.trim() === '' || body === current) return stop();
      input.disabled = true;
      this.#host.edit(message.seq, body).then(stop, (err: unknown) => {
        input.disabled = false;
        note.textContent = err instanceof Error ? err.message : String(err);
      });
    });
    this.#editing = { seq: message.seq, editor };
    this.update(message.seq);
    input.focus();
  }

  #atBottom(): boolean {
    return this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < STICK_PX;
  }
}

/** "Today", "Yesterday", or the weekday and date of a Unix ms timestamp, in the browser's locale. */
function dayLabel(ms: number): string {
  const day = new Date(ms);
  const today = new Date();
  if (day.toDateString() === today.toDateString()) return 'Today';
  if (day.toDateString() === new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1).toDateString()) return 'Yesterday';
  return day.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}
