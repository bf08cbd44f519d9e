/**
 * The join page: room id (or a pasted link), join code and display name. Prefilled from
 * `/?room=ID&code=CODE`; on success it goes to `/rooms/:roomId`.
 */
import { el, mount } from './elements.ts';
import { joinRoom } from './api.ts';

/** Accept a bare room id or a pasted link containing `room=` or `/rooms/<id>`. */
export function parseRoomInput(value: string): { roomId: string; code?: string } {
  const text = value.trim();
  try {
    const url = new URL(text);
    const fromPath = /\/rooms\/([A-Za-z0-9_-]+)/.exec(url.pathname)?.[1];
    const roomId = url.searchParams.get('room') ?? fromPath ?? text;
    const code = url.searchParams.get('code') ?? undefined;
    return code === undefined ? { roomId } : { roomId, code };
  } catch {
    return { roomId: text };
  }
}

export function showJoinPage(prefill: { roomId?: string; code?: string; error?: string }): void {
  const room = el('input', { id: 'room-id', name: 'room', required: '', autocomplete: 'off', placeholder: 'room id or link' });
  const code = el('input', { id: 'join-code', name: 'code', autocomplete: 'off', placeholder: 'join code' });
  const name = el('input', { id: 'name', name: 'name', required: '', maxlength: '64', autocomplete: 'nickname', placeholder: 'how others see you' });
  room.value = prefill.roomId ?? '';
  code.value = prefill.code ?? '';
  name.value = localStorage.getItem('parley.name') ?? '';
  const error = el('p', { class: 'error', id: 'join-error', role: 'alert' }, prefill.error ?? '');
  const submit = el('button', { type: 'submit', id: 'join-button' }, 'Join');
  const form = el(
    'form',
    { class: 'join', id: 'join-form' },
    el('h1', {}, 'Join a room'),
    el('label', { for: 'room-id' }, 'Room'),
    room,
    el('label', { for: 'join-code' }, 'Join code'),
    code,
    el('label', { for: 'name' }, 'Your name'),
    name,
    submit,
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parsed = parseRoomInput(room.value);
    submit.disabled = true;
    error.textContent = '';
    joinRoom(parsed.roomId, (parsed.code ?? code.value).trim(), name.value)
      .then(({ room: joined }) => {
        localStorage.setItem('parley.name', name.value.trim());
        history.pushState(null, '', `/rooms/${encodeURIComponent(joined.id)}`);
        window.dispatchEvent(new PopStateEvent('popstate'));
      })
      .catch((err: unknown) => {
        error.textContent = err instanceof Error ? err.message : String(err);
        submit.disabled = false;
      });
  });
  mount(form);
  (room.value === '' ? room : name.value === '' ? name : submit).focus();
}
