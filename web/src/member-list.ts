/**
 * Who is in the room: online first, owners and moderators marked; when more than
 * {@link OFFLINE_LISTED} are offline they fold behind "Show N offline" (issue 12: the panel shows
 * who is here; guests who sign out leave their rooms, so they are not listed at all). Read markers are kept (from the
 * join result and the `read` events) for the "Seen by" line, never shown as numbers (issue 12).
 * Kept current from the join result and the `presence` and `read` events. Names are set with
 * `textContent` only.
 */
import type { MemberInfo, PresencePush, ReadPush } from '../../client/src/index.ts';
import type { User } from './api.ts';
import { el } from './elements.ts';
import { memberActions, type Moderator } from './member-actions.ts';

/** Most offline members listed as they are; past it they fold behind "Show N offline". */
const OFFLINE_LISTED = 8;

/** `node` as a list of children: empty when undefined. */
const optional = (node: HTMLElement | undefined): HTMLElement[] => (node === undefined ? [] : [node]);

/** What the list says of a role: nothing for members and guests. */
const ROLE_TEXT: Record<MemberInfo['role'], string> = { owner: 'owner', moderator: 'moderator', member: '', guest: '' };

export class MemberList {
  /** The list to place in the page. */
  readonly element = el('ul', { id: 'members' });
  readonly #members = new Map<string, MemberInfo>();
  readonly #me: User;
  readonly #moderator: Moderator;
  /** Whether the offline members are listed although there are more than {@link OFFLINE_LISTED}. */
  #offlineShown = false;

  /** `moderator`: who acts from the list (moderation menus, shown when their role allows). */
  constructor(me: User, moderator: Moderator) {
    this.#me = me;
    this.#moderator = moderator;
  }

  /** How many members are online. */
  get online(): number {
    return [...this.#members.values()].filter((m) => m.online).length;
  }

  /** A listed member's name, or undefined. */
  nameOf(userId: string): string | undefined {
    return this.#members.get(userId)?.name;
  }

  /** A listed member's role, or undefined. */
  roleOf(userId: string): MemberInfo['role'] | undefined {
    return this.#members.get(userId)?.role;
  }

  /** Replace the members shown. */
  set(members: readonly MemberInfo[]): void {
    this.#members.clear();
    for (const member of members) this.#members.set(member.userId, member);
    this.#render();
  }

  /** Apply a presence push's changes, in order. Returns false when one is about someone not listed yet (a new member: reload the list). */
  presence(push: PresencePush): boolean {
    let complete = true;
    for (const change of push.changes) {
      const known = this.#members.get(change.userId);
      if (known === undefined) complete = false;
      else this.#members.set(change.userId, { ...known, online: change.online });
    }
    this.#render();
    return complete;
  }

  /** Apply a read marker move. */
  read(push: ReadPush): void {
    const known = this.#members.get(push.userId);
    if (known === undefined || push.seq <= known.lastReadSeq) return;
    this.#members.set(push.userId, { ...known, lastReadSeq: push.seq });
    this.#render();
  }

  /** Names of the other members (not the user, not `exceptUserId`) who have read up to `seq`. */
  readers(seq: number, exceptUserId: string): string[] {
    if (seq === 0) return [];
    return [...this.#members.values()].filter((m) => m.userId !== this.#me.id && m.userId !== exceptUserId && m.lastReadSeq >= seq).map((m) => m.name);
  }

  /** The line that shows or folds the offline members. */
  #offlineToggle(offline: number): HTMLElement {
    const button = el('button', { type: 'button', class: 'link-button', 'aria-expanded': String(this.#offlineShown) }, this.#offlineShown ? 'Hide offline members' : `Show ${offline} offline`);
    button.addEventListener('click', () => {
      this.#offlineShown = !this.#offlineShown;
      this.#render();
      this.element.querySelector<HTMLElement>('.offline-toggle button')?.focus();
    });
    return el('li', { class: 'offline-toggle' }, button);
  }

  #render(): void {
    // A menu open (and the focus in it) stays open across the re-render a presence or read push causes.
    const openFor = this.element.querySelector<HTMLElement>('li:has(details[open])')?.dataset.userId;
    const focused = openFor !== undefined && this.element.querySelector('details[open]')?.contains(document.activeElement) === true;
    const sorted = [...this.#members.values()].sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
    const offline = sorted.filter((m) => !m.online).length;
    const folded = offline > OFFLINE_LISTED && !this.#offlineShown;
    const listed = folded ? sorted.filter((m) => m.online || m.userId === this.#me.id) : sorted;
    this.element.replaceChildren(
      ...listed.map((m) =>
        el(
          'li',
          { class: m.online ? 'online' : 'offline', 'data-user-id': m.userId, title: m.online ? 'online' : 'offline' },
          el('span', { class: 'name' }, m.userId === this.#me.id ? `${m.name} (you)` : m.name),
          el('span', { class: 'role' }, ROLE_TEXT[m.role]),
          ...optional(memberActions(m, this.#moderator)),
        ),
      ),
      ...(offline > OFFLINE_LISTED ? [this.#offlineToggle(offline)] : []),
    );
    if (openFor === undefined) return;
    const reopened = this.element.querySelector<HTMLDetailsElement>(`li[data-user-id="${CSS.escape(openFor)}"] details`);
    if (reopened === null) return;
    reopened.open = true;
    if (focused) reopened.querySelector('summary')?.focus();
  }
}
