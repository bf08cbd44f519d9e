/**
 * The composer's emoji picker (issue 12): an "Emoji" button opening a popover with a search box
 * (filters by name), the emoji in categories — the user's recently used ones first — as a listbox
 * navigable with the arrow keys, and a row of category tabs that jump to a category. Enter, Space or
 * a click picks the emoji under focus and closes the popover; Escape closes it; both give focus back
 * to the composer. Nothing is fetched: the emoji come from `emoji-data.ts`.
 *
 * The popover opens above the button, right-aligned in the nearest positioned ancestor (the
 * composer), at most that ancestor's width, and its height is capped to the room above it, so it
 * stays inside the viewport on a phone (375×667) and inside an embedding iframe.
 */
import { EMOJI_CATEGORIES, type Emoji, type EmojiCategory } from './emoji-data.ts';
import { el } from './elements.ts';
import { recentEmoji, rememberEmoji } from './recent-emoji.ts';

/** The popover's greatest height (px), and the gap it keeps to the top of the viewport (px). */
const MAX_HEIGHT_PX = 400;
const VIEWPORT_MARGIN_PX = 8;

/** Every emoji of the set by its text, to show a stored recent one only if the set still has it. */
const BY_CHAR = new Map(EMOJI_CATEGORIES.flatMap((category) => category.emoji.map((emoji) => [emoji.char, emoji] as const)));

/** What the picker does with a pick, for whom. */
export interface EmojiPickerOptions {
  /** Whose recently used emoji are shown first and kept (`recent-emoji.ts`). */
  readonly userId: string;
  /** The user picked `emoji`: insert it. Called after the popover closed and {@link returnFocus} ran. */
  pick(emoji: string): void;
  /** The popover closed by a pick or Escape: put focus back where the user types. */
  returnFocus(): void;
}

/** The picker: place {@link element} next to the send button, inside a positioned composer. */
export class EmojiPicker {
  /** The button, followed by its popover (hidden while closed). */
  readonly element: HTMLElement;
  readonly #options: EmojiPickerOptions;
  readonly #button = el('button', { type: 'button', id: 'emoji-button', class: 'secondary', 'aria-label': 'Emoji', title: 'Emoji', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', 'aria-controls': 'emoji-picker' }, '🙂');
  readonly #search = el('input', { type: 'search', id: 'emoji-search', placeholder: 'Search emoji', 'aria-label': 'Search emoji', autocomplete: 'off', 'aria-controls': 'emoji-list' });
  readonly #list = el('div', { id: 'emoji-list', role: 'listbox', 'aria-label': 'Emoji' });
  readonly #tabs = el('div', { class: 'emoji-tabs', role: 'group', 'aria-label': 'Emoji categories' });
  readonly #empty = el('p', { class: 'emoji-empty', role: 'status' });
  readonly #popover = el('div', { id: 'emoji-picker', role: 'dialog', 'aria-label': 'Emoji', hidden: '' }, this.#search, this.#empty, this.#list, this.#tabs);
  /** The option holding the listbox's one tab stop (roving tabindex). */
  #active: HTMLElement | undefined;
  readonly #onOutside = (event: Event) => {
    if (!this.element.contains(event.target as Node)) this.close(false);
  };
  readonly #onResize = () => this.#fit();

  constructor(options: EmojiPickerOptions) {
    this.#options = options;
    this.element = el('div', { class: 'emoji-picker' }, this.#button, this.#popover);
    this.#button.addEventListener('click', () => (this.isOpen ? this.close(true) : this.open()));
    this.#search.addEventListener('input', () => this.#filter());
    this.#search.addEventListener('keydown', (event) => {
      // The popover sits in the composer's form: Enter here must not send the message.
      if (event.key === 'Enter') {
        event.preventDefault();
        if (this.#active !== undefined) this.#pick(this.#active);
      } else if (event.key === 'ArrowDown' && this.#active !== undefined) {
        event.preventDefault();
        this.#activate(this.#active, true);
      }
    });
    this.#list.addEventListener('keydown', (event) => this.#onListKey(event));
    this.#list.addEventListener('click', (event) => {
      const option = (event.target as Element).closest<HTMLElement>('[role="option"]');
      if (option !== null) this.#pick(option);
    });
    // Escape closes from anywhere in the picker, its button included.
    this.element.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || !this.isOpen) return;
      event.preventDefault();
      event.stopPropagation();
      this.close(true);
    });
    // Tabbing out of the popover closes it (focus moving inside it, or to nowhere on a click inside it, does not).
    this.#popover.addEventListener('focusout', (event) => {
      const to = event.relatedTarget as Node | null;
      if (to !== null && !this.element.contains(to)) this.close(false);
    });
  }

  /** Whether the popover is shown. */
  get isOpen(): boolean {
    return !this.#popover.hidden;
  }

  /** A disabled picker (the composer is disabled: muted, removed, room closed) is closed and cannot open. */
  set disabled(disabled: boolean) {
    this.#button.disabled = disabled;
    if (disabled) this.close(false);
  }

  /** Open the popover with an empty search, the recently used emoji first, focus in the search box. */
  open(): void {
    if (this.isOpen || this.#button.disabled) return;
    this.#render();
    this.#search.value = '';
    this.#filter();
    this.#popover.hidden = false;
    this.#button.setAttribute('aria-expanded', 'true');
    this.#fit();
    this.#list.scrollTop = 0;
    this.#search.focus();
    document.addEventListener('pointerdown', this.#onOutside, true);
    window.addEventListener('resize', this.#onResize);
  }

  /** Close the popover; with `returnFocus`, focus goes back to the composer. Closing a closed picker does nothing. */
  close(returnFocus: boolean): void {
    if (!this.isOpen) return;
    this.#popover.hidden = true;
    this.#button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', this.#onOutside, true);
    window.removeEventListener('resize', this.#onResize);
    if (returnFocus) this.#options.returnFocus();
  }

  /** The groups as of now: "Recently used" (when there are any), then every category. */
  #render(): void {
    const recent = recentEmoji(this.#options.userId).flatMap((char) => BY_CHAR.get(char) ?? []);
    const groups: EmojiCategory[] = [...(recent.length === 0 ? [] : [{ name: 'Recently used', icon: '🕘', emoji: recent }]), ...EMOJI_CATEGORIES];
    this.#list.replaceChildren(...groups.map((group) => el('div', { role: 'group', class: 'emoji-group', 'aria-label': group.name, 'data-recent': String(group.emoji === recent) }, el('div', { class: 'emoji-heading', 'aria-hidden': 'true' }, group.name), ...group.emoji.map(option))));
    this.#tabs.replaceChildren(
      ...groups.map((group, index) => {
        const tab = el('button', { type: 'button', class: 'emoji-tab', 'aria-label': group.name, title: group.name }, group.icon);
        tab.addEventListener('click', () => this.#jumpTo(index));
        return tab;
      }),
    );
  }

  /** Show only the emoji whose name holds every word of the search (no "Recently used" while searching: they would show twice). */
  #filter(): void {
    const query = this.#search.value.trim().toLowerCase();
    const words = query.split(/\s+/).filter((word) => word !== '');
    for (const group of this.#groups()) {
      let shown = 0;
      for (const item of group.querySelectorAll<HTMLElement>('[role="option"]')) {
        item.hidden = !words.every((word) => (item.getAttribute('aria-label') ?? '').toLowerCase().includes(word));
        if (!item.hidden) shown++;
      }
      group.hidden = shown === 0 || (query !== '' && group.dataset.recent === 'true');
    }
    const [first] = this.#visible();
    this.#empty.textContent = first === undefined ? `No emoji named “${query}”.` : '';
    this.#activate(first, false);
    this.#list.scrollTop = 0;
  }

  /** Clear the search, scroll group `index` to the top of the list and focus its first emoji. */
  #jumpTo(index: number): void {
    if (this.#search.value !== '') {
      this.#search.value = '';
      this.#filter();
    }
    const group = this.#groups()[index];
    if (group === undefined) return;
    this.#list.scrollTop = group.offsetTop;
    this.#activate(group.querySelector<HTMLElement>('[role="option"]') ?? undefined, true);
  }

  #onListKey(event: KeyboardEvent): void {
    const current = this.#active;
    if (current === undefined) return;
    const visible = this.#visible();
    const at = visible.indexOf(current);
    let next: HTMLElement | undefined;
    switch (event.key) {
      case 'ArrowLeft':
        next = visible[Math.max(0, at - 1)];
        break;
      case 'ArrowRight':
        next = visible[Math.min(visible.length - 1, at + 1)];
        break;
      case 'ArrowUp':
        next = nearestInRow(current, visible, -1) ?? current;
        break;
      case 'ArrowDown':
        next = nearestInRow(current, visible, 1) ?? current;
        break;
      case 'Home':
        next = visible[0];
        break;
      case 'End':
        next = visible.at(-1);
        break;
      case 'Enter':
      case ' ':
        // Without preventDefault the key would also reach the composer, which gets focus during this event.
        event.preventDefault();
        this.#pick(current);
        return;
      default:
        return;
    }
    event.preventDefault();
    this.#activate(next, true);
  }

  /** Give `option` the listbox's tab stop and mark it selected; with `focus`, focus it (which scrolls it into view). */
  #activate(option: HTMLElement | undefined, focus: boolean): void {
    if (this.#active !== undefined && this.#active !== option) {
      this.#active.tabIndex = -1;
      this.#active.setAttribute('aria-selected', 'false');
    }
    this.#active = option;
    if (option === undefined) return;
    option.tabIndex = 0;
    option.setAttribute('aria-selected', 'true');
    if (focus) option.focus();
  }

  #pick(option: HTMLElement): void {
    const emoji = option.dataset.emoji;
    if (emoji === undefined) return;
    rememberEmoji(this.#options.userId, emoji);
    this.close(true);
    this.#options.pick(emoji);
  }

  /** Cap the popover's height to the room between its bottom edge and the top of the viewport. */
  #fit(): void {
    const room = Math.floor(this.#popover.getBoundingClientRect().bottom) - VIEWPORT_MARGIN_PX;
    this.#popover.style.maxHeight = `${Math.max(0, Math.min(MAX_HEIGHT_PX, room))}px`;
  }

  #groups(): HTMLElement[] {
    return [...this.#list.querySelectorAll<HTMLElement>('[role="group"]')];
  }

  /** The options shown now, in order. */
  #visible(): HTMLElement[] {
    return this.#groups().filter((group) => !group.hidden).flatMap((group) => [...group.querySelectorAll<HTMLElement>('[role="option"]')].filter((item) => !item.hidden));
  }
}

/** One emoji of the listbox: its name is its accessible name and its tooltip. */
function option(emoji: Emoji): HTMLElement {
  return el('div', { role: 'option', class: 'emoji-option', tabindex: '-1', 'aria-selected': 'false', 'aria-label': emoji.name, title: emoji.name, 'data-emoji': emoji.char }, emoji.char);
}

/**
 * The option in the nearest row above (`direction` -1) or below (1) `from`, closest to it
 * horizontally: rows are as the browser laid them out, so this follows the grid across the
 * category headings and the shorter last row of a category.
 */
function nearestInRow(from: HTMLElement, options: readonly HTMLElement[], direction: -1 | 1): HTMLElement | undefined {
  const origin = from.getBoundingClientRect();
  const centre = origin.left + origin.width / 2;
  let best: HTMLElement | undefined;
  let bestDy = Infinity;
  let bestDx = Infinity;
  for (const candidate of options) {
    const box = candidate.getBoundingClientRect();
    const dy = (box.top - origin.top) * direction;
    if (dy < origin.height / 2) continue;
    const dx = Math.abs(box.left + box.width / 2 - centre);
    if (dy < bestDy - 1 || (Math.abs(dy - bestDy) <= 1 && dx < bestDx)) {
      best = candidate;
      bestDy = dy;
      bestDx = dx;
    }
  }
  return best;
}
