/**
 * The room page: the room's timeline with "load older" — messages with reply quotes, "(edited)"
 * marks, tombstones and reactions, and system lines for joins, leaves, moderation and room changes —
 * the user's own messages while sending, a composer that can reply to a message and has an emoji
 * picker, who is online and how far each member has read, unread count, a typing indicator, and a
 * connection status line.
 * Built on the client SDK, which reconnects, resumes by seq, resends unacked commands and folds the
 * timeline into the room's state; this page only renders what the SDK delivers. Entries on screen
 * are marked read while the tab is visible. The header's role-dependent actions (invite, audit log,
 * settings, leave, sign out) are `room-actions.ts`.
 */
import { CLOSE_CODES, ParleyClient, type HistoryPage, type JoinResult, type MemberInfo, type MemberRole, type MessageEvent, type RoomInfo, type TimelineEvent } from '../../client/src/index.ts';
import { currentSession, members as fetchMembers, type User } from './api.ts';
import { sharePanel, takeOffer } from './share.ts';
import { RoomNav } from './room-nav.ts';
import { RoomActions } from './room-actions.ts';
import { el, mount } from './elements.ts';
import { describe } from './error-text.ts';
import { whenText } from './event-lines.ts';
import { loadDraft, saveDraft } from './drafts.ts';
import { EmojiPicker } from './emoji-picker.ts';
import { MemberList } from './member-list.ts';
import { MessageList, excerpt } from './message-list.ts';
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
  /** Names seen so far by user id (members, senders, joins), for system lines and reaction tooltips. */
  const names = new Map<string, string>([[me.id, me.name]]);
  let myRole: MemberRole | undefined;
  let roomName = room.name;
  /** The message the composer answers, if any. */
  let replyTo: MessageEvent | undefined;
  let readSeq = 0;
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  let muteTimer: ReturnType<typeof setTimeout> | undefined;
  let countdown: ReturnType<typeof setInterval> | undefined;
  let sessionCheckedAt = 0;

  const status = el('span', { id: 'status', role: 'status', 'data-state': 'connecting' }, STATUS_TEXT.connecting);
  const unread = el('span', { id: 'unread', class: 'badge', title: 'unread messages' });
  const retryNow = el('button', { type: 'button', id: 'retry-now', class: 'secondary', hidden: '' }, 'Retry now');
  const online = el('span', { id: 'online', class: 'muted' });
  const error = el('p', { id: 'room-error', class: 'error', role: 'alert' });
  const members = new MemberList(me, { roomId: room.id, userId: me.id, role: () => myRole, onError: showError });
  const knownName = (userId: string) => members.nameOf(userId) ?? client.roomState(room.id)?.members.get(userId)?.name ?? names.get(userId);
  const nameOf = (userId: string) => knownName(userId) ?? 'someone';
  const messages = new MessageList(me, {
    message: (seq) => client.roomState(room.id)?.messages.get(seq),
    nameOf,
    canModerate: () => myRole === 'owner' || myRole === 'moderator',
    reply: startReply,
    edit: (seq, body) => client.edit(room.id, seq, body),
    delete: (seq) => void client.delete(room.id, seq).catch(showError),
    react: (seq, key, active) => void client.react(room.id, seq, key, active).catch(showError),
    loadOlder,
    seen: scheduleRead,
  });
  const typing = new TypingIndicator(me.id);
  const reporter = new TypingReporter((active) => client.typing(room.id, active));
  const input = el('textarea', { id: 'message-input', rows: '1', placeholder: 'Write a message…', 'aria-label': 'Message', 'aria-describedby': 'room-error' });
  const sendButton = el('button', { type: 'submit', id: 'send-button' }, 'Send');
  const emoji = new EmojiPicker({ userId: me.id, pick: insertIntoComposer, returnFocus: () => input.focus() });
  const replyText = el('span', { class: 'reply-text' });
  const cancelReply = el('button', { type: 'button', id: 'cancel-reply', class: 'secondary', 'aria-label': 'Cancel reply', title: 'Cancel reply' }, '×');
  const replyBar = el('div', { id: 'reply-bar', hidden: '' }, replyText, cancelReply);
  const composer = el('form', { id: 'composer' }, replyBar, el('div', { class: 'composer-row' }, input, emoji.element, sendButton));
  const roomTitle = el('h1', { id: 'room-name' }, room.name);
  // The rooms sidebar, except inside an integrator's embed (one room there). On a phone it folds away behind "Rooms".
  const nav = options.token === undefined ? new RoomNav(room.id, navigate) : undefined;
  const roomsToggle = nav === undefined ? undefined : el('button', { type: 'button', id: 'rooms-toggle', class: 'secondary', 'aria-controls': 'rooms-nav', 'aria-expanded': 'false' }, 'Rooms');
  // On a phone the members panel folds away behind "Members", as the sidebar does behind "Rooms".
  const membersToggle = el('button', { type: 'button', id: 'members-toggle', class: 'secondary', 'aria-controls': 'members-panel', 'aria-expanded': 'false' }, 'Members');
  const membersPanel = el('aside', { id: 'members-panel', 'aria-label': 'Members' }, el('h2', {}, 'Members'), members.element);
  const actions = new RoomActions({
    roomId: room.id,
    roomName: () => roomName,
    embedded: options.token !== undefined,
    knownName,
    place: (panel) => header.append(panel),
    say: (text) => (error.textContent = text),
    onError: showError,
    navigate,
  });
  const header = el(
    'header',
    {},
    ...(roomsToggle === undefined ? [] : [roomsToggle]),
    roomTitle,
    unread,
    status,
    retryNow,
    online,
    membersToggle,
    actions.element,
  );

  mount(
    el(
      'div',
      { class: nav === undefined ? 'room' : 'room with-nav' },
      ...(nav === undefined ? [] : [nav.element]),
      header,
      messages.element,
      membersPanel,
      typing.element,
      composer,
      error,
    ),
  );

  function showError(err: unknown): void {
    // Once removed, banned or closed, that explanation stays: a request still on its way when it
    // happened (a read marker, a member list) fails because of it and has nothing to add.
    if (status.dataset.state === 'closed' && input.disabled) return;
    error.textContent = describe(err);
  }

  /** While reconnecting: "Reconnecting in N s" each second until the next attempt, with "Retry now". */
  function countDown(retryInMs: number): void {
    if (countdown !== undefined) clearInterval(countdown);
    countdown = undefined;
    retryNow.hidden = retryInMs < 1000;
    if (retryNow.hidden) return;
    const at = Date.now() + retryInMs;
    const tick = () => {
      const left = Math.ceil((at - Date.now()) / 1000);
      if (left > 0) status.textContent = `Reconnecting in ${left} s`;
      else {
        status.textContent = STATUS_TEXT.reconnecting;
        retryNow.hidden = true;
        clearInterval(countdown);
      }
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  /** The composer grows with its text, up to its CSS max-height (then it scrolls). */
  function fitComposer(): void {
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight + 2}px`;
  }

  /**
   * Put `text` at the composer's caret, replacing its selection, as typing it would: the input event
   * saves the draft, reports typing, checks the length and fits the height.
   */
  function insertIntoComposer(text: string): void {
    input.focus();
    input.setRangeText(text, input.selectionStart, input.selectionEnd, 'end');
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  /**
   * Whether the composer's text fits the server's message limit (`client.limits`, UTF-8 bytes). A
   * text over it is marked invalid and the error names the limit; one back under it clears that.
   */
  function checkLength(): boolean {
    const bytes = utf8.encode(input.value).length;
    const limit = client.limits.messageMaxBytes;
    const fits = bytes <= limit;
    if (fits && input.getAttribute('aria-invalid') === 'true') error.textContent = '';
    input.setAttribute('aria-invalid', String(!fits));
    if (!fits) error.textContent = `This message is too long to send: ${bytes.toLocaleString('en')} bytes of text, and a message may have at most ${limit.toLocaleString('en')}. Shorten it or send it in parts.`;
    return fits;
  }

  function renderUnread(): void {
    const count = messages.unreadCount;
    unread.textContent = count === 0 ? '' : `${count} unread`;
    document.title = `${count === 0 ? '' : `(${count}) `}${roomName} — Parley`;
  }

  /** The composer answers `message`: "Replying to …" above the input, until sent or cancelled. */
  function startReply(message: MessageEvent): void {
    replyTo = message;
    replyText.textContent = `Replying to ${message.senderName}: ${excerpt(message)}`;
    replyBar.hidden = false;
    input.focus();
  }

  function stopReply(): void {
    replyTo = undefined;
    replyText.textContent = '';
    replyBar.hidden = true;
  }

  function setMembers(list: readonly MemberInfo[]): void {
    for (const m of list) names.set(m.userId, m.name);
    members.set(list);
    myRole = members.roleOf(me.id) ?? myRole;
    actions.setRole(myRole);
    renderOnline();
  }

  /** Remember the names a page of history shows (senders, joins), so lines about people who have left can name them. */
  function learnNames(page: HistoryPage): HistoryPage {
    for (const event of page.events) {
      names.set(event.senderId, event.senderName);
      if (event.type === 'member_joined') names.set(event.userId, event.name);
    }
    return page;
  }

  function reloadMembers(): void {
    fetchMembers(room.id).then(setMembers, showError);
  }

  /** The room no longer takes messages from this user: say why (`status`, and `explanation` in full) and disable the composer. */
  function stopComposing(why: string, explanation: string): void {
    status.dataset.state = 'closed';
    status.textContent = why;
    error.textContent = explanation;
    input.disabled = sendButton.disabled = emoji.disabled = true;
  }

  /** This user is muted until `until` (Unix ms): the composer says so and waits; it opens again at that time or when unmuted. */
  function muteUntil(until: number | undefined): void {
    if (muteTimer !== undefined) clearTimeout(muteTimer);
    if (countdown !== undefined) clearInterval(countdown);
    muteTimer = undefined;
    const muted = until !== undefined && until > Date.now();
    if (input.disabled && status.dataset.state === 'closed') return; // removed, banned, or the room closed: that stays
    input.disabled = sendButton.disabled = emoji.disabled = muted;
    input.placeholder = muted ? `You are muted in this room until ${whenText(until)}` : 'Write a message…';
    if (muted) muteTimer = setTimeout(() => muteUntil(undefined), Math.min(until - Date.now(), 2 ** 31 - 1));
  }

  /** A timeline event, in seq order: show it, and apply what it means for this page. */
  function onEvent(event: TimelineEvent): void {
    names.set(event.senderId, event.senderName);
    switch (event.type) {
      case 'message':
        typing.clear(event.senderId);
        messages.add(client.roomState(room.id)?.messages.get(event.seq) ?? event, event.seq > readSeq && event.senderId !== me.id);
        renderSeen();
        break;
      case 'message_edited':
      case 'message_deleted':
      case 'reaction_added':
      case 'reaction_removed':
        messages.update(event.target);
        if (replyTo?.seq === event.target) {
          const current = client.roomState(room.id)?.messages.get(event.target);
          if (current?.deletedAt !== undefined) stopReply();
          else if (current !== undefined) startReply(current);
        }
        break;
      default:
        if (event.type === 'member_joined') names.set(event.userId, event.name);
        messages.line(event);
        if (event.type === 'room_updated' && event.name !== undefined) {
          roomName = event.name;
          roomTitle.textContent = roomName;
        }
        if (event.type === 'room_closed') stopComposing('Room closed', `${event.senderName} closed this room: it takes no new messages.`);
        if (event.type === 'member_removed' && event.userId === me.id) return stopComposing('Removed from the room', `${event.senderName} removed you from this room.`);
        if (event.type === 'member_banned' && event.userId === me.id) {
          const reason = event.reason === null || event.reason === '' ? '' : `: “${event.reason}”`;
          return stopComposing('Banned from the room', `${event.senderName} banned you from this room${reason}. You cannot rejoin unless a moderator lifts the ban.`);
        }
        if (event.type === 'member_muted' && event.userId === me.id) muteUntil(event.until);
        if (event.type === 'member_unmuted' && event.userId === me.id) muteUntil(undefined);
        if (event.type === 'member_role_changed' && event.userId === me.id) {
          myRole = event.role;
          actions.setRole(myRole);
          for (const seq of client.roomState(room.id)?.messages.keys() ?? []) messages.update(seq);
        }
        if (event.type !== 'room_updated' && event.type !== 'room_closed' && event.type !== 'system') reloadMembers();
    }
    renderUnread();
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

  function loadOlder(): Promise<void> {
    const before = messages.oldestSeq;
    if (before === undefined) return Promise.resolve();
    // The events before the oldest shown, older system lines included.
    return client.history(room.id, { before, limit: PAGE_SIZE }).then((page) => messages.prepend(learnNames(page)), showError);
  }

  function onJoined(result: JoinResult): void {
    setMembers(result.members);
    if (result.room.closedAt !== null) stopComposing('Room closed', 'This room is closed: it takes no new messages.');
    readSeq = Math.max(readSeq, result.lastReadSeq);
    if (result.resume === 'fresh') {
      client.history(room.id, { limit: PAGE_SIZE }).then((page) => {
        messages.load(learnNames(page), readSeq);
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
    messages.reset(learnNames(page), readSeq);
    renderSeen();
    renderUnread();
  });
  client.on('event', (event) => event.roomId === room.id && onEvent(event));
  client.on('restart', ({ roomId }) => {
    if (roomId !== room.id) return;
    // A relay room started over: its seqs begin again at 1, so what is shown (and read) belongs to the old numbering.
    readSeq = 0;
    messages.reset({ events: [], hasMore: false }, readSeq);
    renderSeen();
    renderUnread();
  });
  client.on('typing', (push) => push.roomId === room.id && typing.update(push));
  // One push carries the room's changes of a flush window; one about someone not listed yet (a new member) reloads the list once.
  client.on('presence', (push) => {
    if (push.roomId !== room.id) return;
    if (!members.presence(push)) reloadMembers();
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
  client.on('gap', (gap) => {
    if (gap.roomId !== room.id) return;
    const missed = gap.to - gap.from + 1;
    showError(`${missed === 1 ? 'A message' : `${missed} messages`} sent while you were away could not be delivered: this room keeps only recent messages.`);
  });
  client.on('state', ({ state, close }) => {
    if (input.disabled && status.dataset.state === 'closed' && state !== 'closed') return; // removed, or the room closed
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state];
    retryNow.textContent = 'Retry now';
    countDown(state === 'reconnecting' ? (close?.retryInMs ?? 0) : 0);
    if (state === 'open') error.textContent = '';
    if (state === 'reconnecting') checkSession(false);
    if (state === 'closed' && close !== undefined && close.code >= 4400 && close.code < 4500) checkSession(true, close.code === CLOSE_CODES.UNAUTHENTICATED);
    else if (state === 'closed' && close !== undefined && close.code !== 1000) offerReconnect();
  });
  client.on('error', showError);
  retryNow.addEventListener('click', () => {
    if (status.dataset.state === 'closed') client.connect().catch(showError);
    else client.reconnectNow();
  });

  /**
   * The server closed the socket for good for a reason no new session fixes (a frame it refused,
   * a protocol error): the SDK does not reconnect by itself, so the person may, at once.
   */
  function offerReconnect(): void {
    retryNow.textContent = 'Reconnect';
    retryNow.hidden = false;
    showError('The connection was closed. Messages not sent yet can be retried once you reconnect.');
  }

  input.addEventListener('input', () => {
    reporter.changed(input.value.trim() !== '');
    checkLength();
    saveDraft(me.id, room.id, input.value);
    fitComposer();
  });
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
    // Refused here, before anything is sent: the text stays in the composer to shorten or split.
    if (!checkLength()) return input.focus();
    const clientId = newClientId();
    const answering = replyTo?.seq;
    input.value = '';
    saveDraft(me.id, room.id, '');
    fitComposer();
    reporter.reset();
    stopReply();
    messages.sending(clientId, body, answering);
    const send = (): void =>
      void client.send(room.id, body, answering === undefined ? { clientId } : { clientId, replyTo: answering }).then(
        (ack) => {
          messages.acked(clientId, ack.seq);
          error.textContent = '';
        },
        (err: unknown) => messages.failed(clientId, describe(err), send),
      );
    send();
  });
  cancelReply.addEventListener('click', () => {
    stopReply();
    input.focus();
  });
  input.addEventListener('keydown', (event) => event.key === 'Escape' && replyTo !== undefined && stopReply());
  membersToggle.addEventListener('click', () => {
    membersToggle.setAttribute('aria-expanded', String(membersPanel.classList.toggle('open')));
  });
  roomsToggle?.addEventListener('click', () => {
    const open = nav?.element.classList.toggle('open') === true;
    roomsToggle.setAttribute('aria-expanded', String(open));
  });
  const unfollowNav = nav?.follow();
  const offered = takeOffer(room.id);
  if (offered !== undefined) header.append(sharePanel(offered, 'Your room is ready. Invite people with this link:'));
  const onVisibility = () => {
    scheduleRead();
    renderUnread();
  };
  document.addEventListener('visibilitychange', onVisibility);

  client.connect().catch(showError);
  client.join(room.id).catch(showError);
  input.value = loadDraft(me.id, room.id);
  fitComposer();
  input.focus();

  return () => {
    client.close();
    emoji.close(false);
    messages.dispose();
    typing.dispose();
    reporter.reset();
    if (readTimer !== undefined) clearTimeout(readTimer);
    if (muteTimer !== undefined) clearTimeout(muteTimer);
    document.removeEventListener('visibilitychange', onVisibility);
    unfollowNav?.();
    document.title = 'Parley';
  };
}

const utf8 = new TextEncoder();

/** A clientId for a send; `randomUUID` exists only in secure contexts, `getRandomValues` everywhere. */
function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
