/**
 * The browser UI's entry and router. `/rooms/:roomId` opens the room when the cookie session
 * belongs to it (so a reload goes straight back in, with the history); `/login` and `/register`
 * show the account pages; any other path, or a room the session has not joined, shows the join
 * page (prefilled from `?room=&code=`).
 */
import './strict-csp.ts';
import { currentAccount, currentSession } from './api.ts';
import { showAccountPage } from './account-page.ts';
import { el, mount } from './elements.ts';
import { describe } from './error-text.ts';
import { showJoinPage } from './join-page.ts';
import { showRoomPage } from './room-page.ts';

const ROOM_PATH = /^\/rooms\/([A-Za-z0-9_-]{1,64})\/?$/;

/** Closes the room page shown, if any. */
let leaveRoom: (() => void) | undefined;

/** Open `path` within the app, with an optional message for the join page. */
function navigate(path: string, notice?: string): void {
  history.pushState(notice === undefined ? null : { notice }, '', path);
  void route();
}

async function route(): Promise<void> {
  leaveRoom?.();
  leaveRoom = undefined;
  const notice = (history.state as { notice?: string } | null)?.notice;
  const params = new URLSearchParams(location.search);
  if (location.pathname === '/login' || location.pathname === '/register') return showAccountPage(location.pathname === '/login' ? 'login' : 'register', navigate);
  const roomId = ROOM_PATH.exec(location.pathname)?.[1];
  const [session, account] = await Promise.all([currentSession(), currentAccount()]);
  const room = roomId === undefined ? undefined : session?.rooms.find((r) => r.id === roomId);
  if (session === undefined || room === undefined) {
    const prefill = { roomId: roomId ?? params.get('room') ?? '', code: params.get('code') ?? '', invite: params.get('invite') ?? '', session, account };
    return showJoinPage(notice === undefined ? prefill : { ...prefill, error: notice }, navigate);
  }
  leaveRoom = showRoomPage(room, session.user, navigate);
}

window.addEventListener('popstate', () => void route());
route().catch((err: unknown) => mount(el('p', { class: 'error card' }, `Parley could not start: ${describe(err)}`)));
