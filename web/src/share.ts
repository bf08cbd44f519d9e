/**
 * Inviting people (issue 12): a panel with a link to copy — the new room's join link right after it
 * is created, or a single-use invite an owner or moderator asks for. The join link of a new room is
 * handed to its page through `sessionStorage`, once.
 */
import { el } from './elements.ts';

const key = (roomId: string) => `parley:share:${roomId}`;

/** Have the room page of `roomId` offer `link` when it opens (once). */
export function offerShare(roomId: string, link: string): void {
  try {
    sessionStorage.setItem(key(roomId), link);
  } catch {
    // No storage: the room opens without the panel; its owner can still make an invite.
  }
}

/** The link offered for `roomId`, taken (a second call answers undefined). */
export function takeOffer(roomId: string): string | undefined {
  try {
    const link = sessionStorage.getItem(key(roomId)) ?? undefined;
    sessionStorage.removeItem(key(roomId));
    return link;
  } catch {
    return undefined;
  }
}

/** A panel showing `link` with Copy and Close; `note` says what the link does. */
export function sharePanel(link: string, note: string): HTMLElement {
  const field = el('input', { id: 'share-link', readonly: '', 'aria-label': 'Invitation link' });
  field.value = link;
  const copy = el('button', { type: 'button', id: 'share-copy' }, 'Copy link');
  const close = el('button', { type: 'button', id: 'share-close', class: 'secondary', 'aria-label': 'Close' }, '×');
  const status = el('span', { class: 'muted', role: 'status', id: 'share-status' });
  const panel = el('section', { id: 'share', class: 'share', 'aria-label': 'Invite people' }, el('p', {}, note), el('div', { class: 'share-row' }, field, copy, close), status);
  field.addEventListener('focus', () => field.select());
  copy.addEventListener('click', () => {
    navigator.clipboard.writeText(link).then(
      () => (status.textContent = 'Copied.'),
      () => {
        field.select();
        status.textContent = 'Press Ctrl+C (⌘C on a Mac) to copy the selected link.';
      },
    );
  });
  close.addEventListener('click', () => panel.remove());
  return panel;
}
