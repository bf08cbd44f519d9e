/**
 * Room settings for its owners (issue 12): rename the room, replace its join code (the old one stops
 * working; the new link is offered to copy) and close it (asked twice: a closed room takes no new
 * messages or members). The server applies the API's own checks; refusals go to `onError`.
 */
import { joinLink, manageRoom } from './api.ts';
import { el } from './elements.ts';
import { sharePanel } from './share.ts';

/** The settings panel for `room`; `place` shows a panel (the new code's link) next to it. */
export function roomSettings(room: { id: string; name: string }, place: (panel: HTMLElement) => void, onError: (err: unknown) => void): HTMLElement {
  const name = el('input', { id: 'settings-name', maxlength: '100', 'aria-label': 'Room name' });
  name.value = room.name;
  const rename = el('form', { class: 'settings-row' }, name, el('button', { type: 'submit', id: 'settings-rename' }, 'Rename'));
  rename.addEventListener('submit', (event) => {
    event.preventDefault();
    if (name.value.trim() !== '') manageRoom(room.id, 'PATCH', '', { name: name.value.trim() }).catch(onError);
  });
  const rotate = el('button', { type: 'button', id: 'settings-new-code', class: 'secondary' }, 'New join code');
  rotate.addEventListener('click', () => {
    manageRoom<{ joinCode: string }>(room.id, 'POST', '/join-code').then(({ joinCode }) => {
      document.getElementById('share')?.remove();
      place(sharePanel(joinLink(room.id, { code: joinCode }), 'A new join code: the old one no longer lets anyone in. Share this link instead:'));
    }, onError);
  });
  const close = el('button', { type: 'button', id: 'settings-close-room', class: 'secondary danger' }, 'Close the room');
  close.addEventListener('click', () => {
    if (close.dataset.confirm === undefined) {
      close.dataset.confirm = '';
      close.textContent = 'Close it for good';
      return;
    }
    manageRoom(room.id, 'POST', '/close').catch(onError);
  });
  const panel = el('section', { id: 'settings', class: 'share', 'aria-label': 'Room settings' }, rename, el('div', { class: 'settings-row' }, rotate, close));
  return panel;
}
