/**
 * The rooms sidebar (issue 12): every room the session belongs to, the open one marked, each with
 * its unread count and closed rooms marked, and a way to make a new room. Read when the page opens
 * and again whenever the window regains focus (the page follows only the open room live).
 */
import type { RoomInfo } from '../../client/src/index.ts';
import { currentSession, roomStatus } from './api.ts';
import { el } from './elements.ts';

/** Most rooms whose unread count is asked for; past it the rest are listed without one. */
const UNREAD_ROOMS_MAX = 50;

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

  /** Read the session's rooms and their unread counts again; failures keep what is shown. */
  async refresh(): Promise<void> {
    const session = await currentSession().catch(() => undefined);
    if (session === undefined) return;
    const rooms = [...session.rooms].sort((a, b) => Number(a.closedAt !== null) - Number(b.closedAt !== null) || a.name.localeCompare(b.name));
    const unread = await Promise.all(rooms.map((r, i) => (i < UNREAD_ROOMS_MAX && r.id !== this.#currentId ? roomStatus(r.id).then((s) => s.unread, () => 0) : Promise.resolve(0))));
    this.#list.replaceChildren(...rooms.map((r, i) => this.#item(r, unread[i] ?? 0)));
  }

  #item(room: RoomInfo, unread: number): HTMLElement {
    const current = room.id === this.#currentId;
    const link = el('a', { href: `/rooms/${encodeURIComponent(room.id)}`, ...(current ? { 'aria-current': 'page' } : {}) }, el('span', { class: 'room-name' }, room.name));
    if (room.closedAt !== null) link.append(el('span', { class: 'closed-mark' }, 'closed'));
    if (unread > 0) link.append(el('span', { class: 'badge', 'aria-label': `${unread} unread` }, unread > 999 ? '999+' : String(unread)));
    link.addEventListener('click', (event) => {
      event.preventDefault();
      if (!current) this.#navigate(link.pathname);
    });
    return el('li', { class: room.closedAt === null ? 'open' : 'closed', 'data-room-id': room.id }, link);
  }
}
