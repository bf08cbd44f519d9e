/**
 * The join page: a room id (or a pasted invite link), the join code and a display name, prefilled
 * from `/?room=ID&code=CODE`. On success it opens `/rooms/:roomId`. With a session already, it
 * also lists the rooms the session belongs to, and joining adds the room to the same user. Signed
 * in to an account, the user joins as the account (no name to give); otherwise a link leads to
 * the sign-in and registration pages.
 */
import type { RoomInfo } from '../../client/src/index.ts';
import { joinRoom, logout, type Account, type User } from './api.ts';
import { el, mount } from './elements.ts';
import { describe } from './error-text.ts';
import { createRoomCard } from './create-room.ts';

const NAME_KEY = 'parley.name';

/** What the page starts with. */
export interface JoinPrefill {
  readonly roomId?: string;
  readonly code?: string;
  /** A single-use invite from the link (`?invite=`): used instead of a join code. */
  readonly invite?: string;
  /** Shown under the form, e.g. why the user was sent back here. */
  readonly error?: string;
  /** The current session, if any. */
  readonly session?: { user: User; rooms: RoomInfo[] } | undefined;
  /** The signed-in account, if any. */
  readonly account?: Account | undefined;
}

/**
 * Read a room id, and a join code when present, from what the user typed or pasted: a bare id,
 * an invite link `…/?room=ID&code=CODE`, or a room link `…/rooms/ID`.
 */
export function parseRoomInput(value: string): { roomId: string; code?: string } {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { roomId: text };
  }
  const roomId = url.searchParams.get('room') ?? /\/rooms\/([A-Za-z0-9_-]+)/.exec(url.pathname)?.[1] ?? text;
  const code = url.searchParams.get('code');
  return code === null ? { roomId } : { roomId, code };
}

/** Show the join page; `navigate` opens a path within the app. */
export function showJoinPage(prefill: JoinPrefill, navigate: (path: string) => void): void {
  const room = el('input', { id: 'room-id', name: 'room', required: '', autocomplete: 'off', spellcheck: 'false', placeholder: 'room id or invite link' });
  const code = el('input', { id: 'join-code', name: 'code', autocomplete: 'off', spellcheck: 'false', placeholder: 'from your invite' });
  const name = el('input', { id: 'name', name: 'name', required: '', maxlength: '64', autocomplete: 'nickname', placeholder: 'how others see you' });
  room.value = prefill.roomId ?? '';
  code.value = prefill.code ?? '';
  name.value = prefill.session?.user.name ?? localStorage.getItem(NAME_KEY) ?? '';
  const error = el('p', { class: 'error', id: 'join-error', role: 'alert' }, prefill.error ?? '');
  const submit = el('button', { type: 'submit', id: 'join-button' }, 'Join');

  // A pasted invite link fills the code field too.
  room.addEventListener('change', () => {
    const parsed = parseRoomInput(room.value);
    room.value = parsed.roomId;
    if (parsed.code !== undefined) code.value = parsed.code;
  });

  const form = el(
    'form',
    { class: 'card join', id: 'join-form' },
    el('h1', {}, 'Join a room'),
    el('label', { for: 'room-id' }, 'Room'),
    room,
    ...(prefill.invite === undefined || prefill.invite === '' ? [el('label', { for: 'join-code' }, 'Join code'), code] : [el('p', { class: 'muted', id: 'invite-note' }, 'You were invited: this link lets one person in.')]),
    ...(prefill.account === undefined ? [el('label', { for: 'name' }, 'Your name'), name] : []),
    submit,
    error,
    accountLine(prefill.account, navigate),
  );
  if (prefill.account !== undefined) name.value = prefill.account.name;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parsed = parseRoomInput(room.value);
    submit.disabled = true;
    error.textContent = '';
    const admission = prefill.invite !== undefined && prefill.invite !== '' ? { invite: prefill.invite } : { code: (parsed.code ?? code.value).trim() };
    joinRoom(parsed.roomId, admission, name.value.trim())
      .then(({ room: joined }) => {
        localStorage.setItem(NAME_KEY, name.value.trim());
        navigate(`/rooms/${encodeURIComponent(joined.id)}`);
      })
      .catch((err: unknown) => {
        error.textContent = describe(err);
        submit.disabled = false;
      });
  });

  const page = el('div', { class: 'join-page' }, form);
  const rooms = prefill.session?.rooms ?? [];
  if (prefill.session !== undefined && rooms.length > 0) {
    const list = el('ul', { id: 'my-rooms' });
    for (const r of rooms) {
      const link = el('a', { href: `/rooms/${encodeURIComponent(r.id)}` }, r.name);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        navigate(link.pathname);
      });
      list.append(el('li', {}, link));
    }
    page.append(el('section', { class: 'card' }, el('h2', {}, `Your rooms, ${prefill.session.user.name}`), list));
  }
  if (prefill.session !== undefined || prefill.account !== undefined) page.append(createRoomCard(navigate));
  mount(page);
  (room.value === '' ? room : name.value === '' ? name : submit).focus();
}

/** "Signed in as …" with a sign-out button, or the link to sign in or register (keeping `?room=&code=`). */
function accountLine(account: Account | undefined, navigate: (path: string) => void): HTMLElement {
  if (account !== undefined) {
    const signOut = el('button', { type: 'button', id: 'account-sign-out', class: 'secondary' }, 'Sign out');
    signOut.addEventListener('click', () => void logout().then(() => navigate('/'), () => navigate('/')));
    return el('p', { class: 'account-links', id: 'account-status' }, `Signed in as ${account.name} (${account.username}) `, signOut);
  }
  const link = el('a', { id: 'sign-in-link', href: `/login${location.search}` }, 'Sign in / Register');
  link.addEventListener('click', (event) => {
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
  return el('p', { class: 'account-links' }, link);
}
