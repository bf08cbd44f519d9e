/**
 * The rooms sidebar (issue 12): every room the session belongs to, the most recently active first
 * (closed rooms last, marked), each with its unread count and when it last changed, the open one
 * marked, and a way to make a new room. One request (`GET /api/v1/rooms`) reads them all: when the
 * page opens, whenever the window regains focus or becomes visible, and every
 * {@link REFRESH_MS} while it is visible (the page follows only the open room live).
 */
import { myRooms, type MyRoom } from './api.ts';
import { el } from './elements.ts';
import { shortWhen, whenText } from './event-lines.ts';

/** How often a visible sidebar reads the rooms again, ms. */
const REFRESH_MS = 20_000;

export class RoomNav {
  /** The sidebar to place in the page. */
  readonly element: HTMLElement;
  readonly #list = el('ul', { id: 'room-list' });
  readonly #currentId: string;
  readonly #navigate: (path: string) => void;

  constructor(currentId: string, navigate: (path: string) => void) {
    this.#currentId = currentId;
    this.#navigate = navigate;
    const create = el('a', { href: '/', id: 'new-room-link' }, '+ New room');
    create.addEventListener('click', (event) => {
      event.preventDefault();
      navigate('/');
    });
    this.element = el('nav', { id: 'rooms-nav', 'aria-label': 'Your rooms' }, el('h2', {}, 'Rooms'), this.#list, create);
  }

  /** Keep the sidebar current until the returned function is called (when the page closes). */
  follow(): () => void {
    const refresh = () => {
      if (document.visibilityState === 'visible') void this.refresh();
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    window.addEventListener('focus', refresh);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
      document.removeEventListener('visibilitychange', refresh);
    };
  }

  /** Read the session's rooms again; a failure keeps what is shown. */
  async refresh(): Promise<void> {
    const rooms = await myRooms().catch(() => undefined);
    if (rooms === undefined) return;
    const ordered = [...rooms].sort((a, b) => Number(a.room.closedAt !== null) - Number(b.room.closedAt !== null));
    this.#list.replaceChildren(...ordered.map((r) => this.#item(r)));
  }

  #item({ room, unread, lastActivityAt }: MyRoom): HTMLElement {
    const current = room.id === this.#currentId;
    const shown = current ? 0 : unread;
    const link = el(
      'a',
      { href: `/rooms/${encodeURIComponent(room.id)}`, ...(current ? { 'aria-current': 'page' } : {}) },
      el('span', { class: 'room-name' }, room.name),
      el('time', { class: 'last-activity', datetime: new Date(lastActivityAt).toISOString(), title: `Last activity ${whenText(lastActivityAt)}` }, shortWhen(lastActivityAt)),
    );
    if (room.closedAt !== null) link.append(el('span', { class: 'closed-mark' }, 'closed'));
    if (shown > 0) link.append(el('span', { class: 'badge', 'aria-label': `${shown} unread` }, shown >= 999 ? '999+' : String(shown)));
    link.addEventListener('click', (event) => {
      event.preventDefault();
      if (!current) this.#navigate(link.pathname);
    });
    return el('li', { class: [room.closedAt === null ? 'open' : 'closed', ...(shown > 0 ? ['unread'] : [])].join(' '), 'data-room-id': room.id }, link);
  }
}
