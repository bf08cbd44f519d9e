/**
 * The room page: history with "load older", live messages, the user's own messages while sending,
 * who is online and how far each member has read, unread count, a typing indicator, tombstones of
 * messages a moderator deleted, and a connection status line. Built on the client SDK, which reconnects, resumes by seq and resends unacked
 * messages; this page only renders what the SDK delivers. Messages on screen are marked read while
 * the tab is visible.
 */
import { CLOSE_CODES, ParleyClient, type JoinResult, type RoomInfo } from '../../client/src/index.ts';
import { currentSession, logout, members as fetchMembers, type User } from './api.ts';
import { describe, el, mount } from './elements.ts';
import { MemberList } from './member-list.ts';
import { MessageList } from './message-list.ts';
import { TypingIndicator, TypingReporter } from './typing.ts';

/** Messages per history page. */
const PAGE_SIZE = 50;
/** Wait this long (ms) after messages come into view before moving the read marker. */
const READ_DELAY_MS = 250;
/** While reconnecting, check at most this often (ms) whether the session itself has ended. */
const SESSION_CHECK_MS = 10_000;

const STATUS_TEXT = { idle: 'Connecting…', connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected' } as const;

/** How the room page authenticates. */
export interface RoomPageOptions {
  /**
   * A bearer token held in memory (the embed page; `api.ts` must use it too), instead of the session
   * cookie. Such a page has no sign-out button: its host page owns the session.
   */
  readonly token?: string;
}

/** Show a room the session belongs to. Returns the function that closes it. */
export function showRoomPage(room: RoomInfo, me: User, navigate: (path: string, notice?: string) => void, options: RoomPageOptions = {}): () => void {
  const client = new ParleyClient({ url: location.origin, token: options.token });
  let readSeq = 0;
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  let sessionCheckedAt = 0;

  const status = el('span', { id: 'status', role: 'status', 'data-state': 'connecting' }, STATUS_TEXT.connecting);
  const unread = el('span', { id: 'unread', class: 'badge', title: 'unread messages' });
  const online = el('span', { id: 'online', class: 'muted' });
  const signOut = options.token === undefined ? el('button', { type: 'button', id: 'sign-out', class: 'secondary' }, 'Sign out') : undefined;
  const error = el('p', { id: 'room-error', class: 'error', role: 'alert' });
  const messages = new MessageList(me, loadOlder, scheduleRead);
  const members = new MemberList(me);
  const typing = new TypingIndicator(me.id);
  const reporter = new TypingReporter((active) => client.typing(room.id, active));
  const input = el('textarea', { id: 'message-input', rows: '1', placeholder: 'Write a message…', 'aria-label': 'Message' });
  const sendButton = el('button', { type: 'submit', id: 'send-button' }, 'Send');
  const composer = el('form', { id: 'composer' }, input, sendButton);

  mount(
    el(
      'div',
      { class: 'room' },
      el('header', {}, el('h1', { id: 'room-name' }, room.name), unread, status, online, ...(signOut === undefined ? [] : [signOut])),
      messages.element,
      el('aside', { 'aria-label': 'Members' }, el('h2', {}, 'Members'), members.element),
      typing.element,
      composer,
      error,
    ),
  );

  function showError(err: unknown): void {
    error.textContent = describe(err);
  }

  function renderUnread(): void {
    const count = Math.max(0, client.lastSeq(room.id) - readSeq);
    unread.textContent = count === 0 ? '' : `${count} unread`;
    document.title = `${count === 0 ? '' : `(${count}) `}${room.name} — Parley`;
  }

  function renderSeen(): void {
    messages.seenBy(members.readers(messages.newestSeq, messages.newestSenderId ?? ''));
  }

  function renderOnline(): void {
    online.textContent = `${members.online} online`;
  }

  /** Move the read marker to the newest message on screen, shortly after it appeared, if the tab is visible. */
  function scheduleRead(): void {
    if (readTimer !== undefined || document.visibilityState !== 'visible' || messages.seenSeq <= readSeq) return;
    readTimer = setTimeout(() => {
      readTimer = undefined;
      const seq = messages.seenSeq;
      if (seq <= readSeq || document.visibilityState !== 'visible') return;
      client.markRead(room.id, seq).then((marker) => {
        readSeq = Math.max(readSeq, marker);
        messages.markRead(readSeq);
        renderUnread();
      }, showError);
    }, READ_DELAY_MS);
  }

  function loadOlder(): void {
    const before = messages.oldestSeq;
    if (before === undefined) return;
    client.history(room.id, { before, limit: PAGE_SIZE }).then((page) => messages.prepend(page), showError);
  }

  function onJoined(result: JoinResult): void {
    members.set(result.members);
    renderOnline();
    readSeq = Math.max(readSeq, result.lastReadSeq);
    if (result.resume === 'fresh') {
      client.history(room.id, { limit: PAGE_SIZE }).then((page) => {
        messages.load(page, readSeq);
        renderSeen();
        renderUnread();
      }, showError);
    }
    renderUnread();
  }

  /**
   * The connection is down or closed: if the session itself ended, go back to the join page. With
   * `reopen` (the socket's credential expired), a session that is still valid (an account's access
   * cookie was just renewed) opens the room again on a new socket.
   */
  function checkSession(force: boolean, reopen = false): void {
    if (!force && Date.now() - sessionCheckedAt < SESSION_CHECK_MS) return;
    sessionCheckedAt = Date.now();
    currentSession().then(
      (session) => {
        if (session === undefined || !session.rooms.some((r) => r.id === room.id)) navigate(`/?room=${encodeURIComponent(room.id)}`, 'Your session has ended: join again.');
        else if (reopen) navigate(location.pathname);
      },
      () => undefined,
    );
  }

  client.on('joined', ({ roomId, result }) => roomId === room.id && onJoined(result));
  client.on('resync', ({ roomId, page }) => {
    if (roomId !== room.id) return;
    messages.reset(page, readSeq);
    renderSeen();
    renderUnread();
  });
  client.on('message', (message) => {
    if (message.roomId !== room.id) return;
    typing.clear(message.senderId);
    messages.add(message, message.seq > readSeq && message.senderId !== me.id);
    renderSeen();
    renderUnread();
  });
  client.on('message_deleted', (push) => push.roomId === room.id && messages.markDeleted(push.seq));
  client.on('typing', (push) => push.roomId === room.id && typing.update(push));
  client.on('presence', (push) => {
    if (push.roomId !== room.id) return;
    if (!members.presence(push)) fetchMembers(room.id).then((list) => (members.set(list), renderOnline()), showError);
    renderOnline();
  });
  client.on('read', (push) => {
    if (push.roomId !== room.id) return;
    members.read(push);
    if (push.userId === me.id && push.seq > readSeq) {
      readSeq = push.seq;
      messages.markRead(readSeq);
      renderUnread();
    }
    renderSeen();
  });
  client.on('gap', (gap) => gap.roomId === room.id && showError(`Messages #${gap.from}–#${gap.to} could not be delivered.`));
  client.on('member', (push) => {
    if (push.roomId !== room.id) return;
    if (push.removed && push.userId === me.id) {
      status.dataset.state = 'closed';
      status.textContent = 'Removed from the room';
      input.disabled = sendButton.disabled = true;
      return;
    }
    fetchMembers(room.id).then((list) => (members.set(list), renderOnline()), showError);
  });
  client.on('room_closed', (push) => {
    if (push.roomId !== room.id) return;
    status.dataset.state = 'closed';
    status.textContent = 'Room closed';
    input.disabled = sendButton.disabled = true;
  });
  client.on('state', ({ state, close }) => {
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state];
    if (state === 'open') error.textContent = '';
    if (state === 'reconnecting') checkSession(false);
    if (state === 'closed' && close !== undefined && close.code >= 4400 && close.code < 4500) checkSession(true, close.code === CLOSE_CODES.UNAUTHENTICATED);
  });
  client.on('error', showError);

  input.addEventListener('input', () => reporter.changed(input.value.trim() !== ''));
  input.addEventListener('blur', () => reporter.stopped());
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = input.value;
    if (body.trim() === '') return;
    const clientId = newClientId();
    input.value = '';
    reporter.reset();
    messages.sending(clientId, body);
    client.send(room.id, body, { clientId }).then(
      (ack) => {
        messages.acked(clientId, ack.seq);
        error.textContent = '';
      },
      (err: unknown) => messages.failed(clientId, describe(err)),
    );
  });
  signOut?.addEventListener('click', () => {
    logout().then(() => navigate('/'), showError);
  });
  const onVisibility = () => {
    scheduleRead();
    renderUnread();
  };
  document.addEventListener('visibilitychange', onVisibility);

  client.connect().catch(showError);
  client.join(room.id).catch(showError);
  input.focus();

  return () => {
    client.close();
    messages.dispose();
    typing.dispose();
    reporter.reset();
    if (readTimer !== undefined) clearTimeout(readTimer);
    document.removeEventListener('visibilitychange', onVisibility);
    document.title = 'Parley';
  };
}

/** A clientId for a send; `randomUUID` exists only in secure contexts, `getRandomValues` everywhere. */
function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
