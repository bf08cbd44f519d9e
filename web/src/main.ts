/**
 * The browser UI's entry: `/rooms/:roomId` shows the room when the session belongs to it (a reload
 * goes straight back in), everything else shows the join page.
 */
import { currentSession } from './api.ts';
import { showJoinPage } from './join-page.ts';
import { showRoomPage } from './room-page.ts';

let leave: (() => void) | undefined;

async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  const params = new URLSearchParams(location.search);
  const roomId = /^\/rooms\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname)?.[1];
  if (roomId === undefined) return showJoinPage({ roomId: params.get('room') ?? '', code: params.get('code') ?? '' });
  const session = await currentSession();
  const room = session?.rooms.find((r) => r.id === roomId);
  if (session === undefined || room === undefined) return showJoinPage({ roomId });
  leave = showRoomPage(room, session.user);
}

window.addEventListener('popstate', () => void route());
void route();
