/**
 * The room page: history with "load older", live messages, who is online, read markers and unread
 * count, a typing indicator, and a connection status line. Built on the client SDK, which reconnects
 * and resumes by seq; the page only renders what the SDK delivers. Text is rendered as text.
 */
import { ParleyClient, type JoinResult, type MemberInfo, type Message, type RoomInfo } from '../../client/src/index.ts';
import { el, mount } from './elements.ts';
import { members as fetchMembers } from './api.ts';

const PAGE = 50;
const TYPING_REPEAT_MS = 2000;

/** Show a room the session belongs to. Returns a function that closes the connection. */
export function showRoomPage(room: RoomInfo, me: { id: string; name: string }): () => void {
  const status = el('span', { id: 'status', 'data-state': 'connecting' }, 'connecting…');
  const unread = el('span', { class: 'unread', id: 'unread', title: 'unread messages' });
  const older = el('button', { class: 'older secondary', id: 'load-older', type: 'button', hidden: '' }, 'Load older messages');
  const list = el('div', { id: 'message-list' });
  const messagesPane = el('section', { id: 'messages', 'aria-live': 'polite' }, older, list);
  const memberList = el('ul', { id: 'members' });
  const typingLine = el('div', { id: 'typing' });
  const input = el('input', { id: 'message-input', autocomplete: 'off', placeholder: 'Write a message…', maxlength: '4000' });
  const sendButton = el('button', { type: 'submit', id: 'send-button' }, 'Send');
  const composer = el('form', { id: 'composer' }, input, sendButton);
  const error = el('p', { class: 'error', id: 'room-error', role: 'alert' });
  mount(
    el(
      'div',
      { class: 'room' },
      el('header', {}, el('h1', { id: 'room-name' }, room.name), status, unread, error),
      messagesPane,
      el('aside', {}, el('h2', {}, 'Members'), memberList),
      typingLine,
      composer,
    ),
  );

  const client = new ParleyClient({ url: location.origin });
  const shown = new Map<number, HTMLElement>();
  const members = new Map<string, MemberInfo>();
  const typers = new Map<string, { name: string; until: number }>();
  let oldestSeq = Number.POSITIVE_INFINITY;
  let lastTypingSent = 0;
  let readTimer: ReturnType<typeof setTimeout> | undefined;

  const renderMessage = (message: Message) => {
    if (shown.has(message.seq)) return;
    const time = new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const node = el(
      'div',
      { class: message.senderId === me.id ? 'message mine' : 'message', 'data-seq': String(message.seq) },
      el('div', { class: 'meta' }, el('span', { class: 'sender' }, message.senderName), time),
      el('div', { class: 'body' }, message.body),
    );
    shown.set(message.seq, node);
    const after = [...shown.keys()].filter((seq) => seq > message.seq).sort((a, b) => a - b)[0];
    const atBottom = messagesPane.scrollHeight - messagesPane.scrollTop - messagesPane.clientHeight < 40;
    list.insertBefore(node, after === undefined ? null : (shown.get(after) as HTMLElement));
    oldestSeq = Math.min(oldestSeq, message.seq);
    if (atBottom || message.senderId === me.id) messagesPane.scrollTop = messagesPane.scrollHeight;
  };

  const renderMembers = () => {
    const items = [...members.values()].sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));
    memberList.replaceChildren(
      ...items.map((m) =>
        el(
          'li',
          { class: m.online ? 'online' : 'offline', 'data-user-id': m.userId },
          el('span', { class: 'name' }, m.userId === me.id ? `${m.name} (you)` : m.name),
          el('span', { class: 'read' }, m.lastReadSeq > 0 ? `read #${m.lastReadSeq}` : ''),
        ),
      ),
    );
  };

  const renderTyping = () => {
    const now = Date.now();
    for (const [id, t] of typers) if (t.until <= now) typers.delete(id);
    const names = [...typers.values()].map((t) => t.name);
    typingLine.textContent = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
  };
  const typingSweep = setInterval(renderTyping, 500);

  const markRead = () => {
    if (readTimer !== undefined || document.visibilityState !== 'visible') return;
    readTimer = setTimeout(() => {
      readTimer = undefined;
      const seq = client.lastSeq(room.id);
      if (seq > 0) client.markRead(room.id, seq).then(() => (unread.textContent = ''), () => undefined);
    }, 300);
  };

  const loadHistory = async (before?: number) => {
    const page = await client.history(room.id, before === undefined ? { limit: PAGE } : { before, limit: PAGE });
    for (const message of page.messages) renderMessage(message);
    older.hidden = !page.hasMore;
  };

  const onJoined = async (result: JoinResult) => {
    members.clear();
    for (const m of result.members) members.set(m.userId, m);
    renderMembers();
    unread.textContent = result.unread > 0 ? `${result.unread} unread` : '';
    if (result.resume === 'fresh' || result.resume === 'resync') {
      shown.clear();
      list.replaceChildren();
      oldestSeq = Number.POSITIVE_INFINITY;
      await loadHistory();
    }
    markRead();
  };

  client.on('joined', ({ roomId, result }) => void (roomId === room.id && onJoined(result).catch(showError)));
  client.on('message', (message) => {
    if (message.roomId !== room.id) return;
    typers.delete(message.senderId);
    renderTyping();
    renderMessage(message);
    markRead();
  });
  client.on('typing', (t) => {
    if (t.roomId !== room.id || t.userId === me.id) return;
    if (t.active) typers.set(t.userId, { name: t.name, until: Date.now() + t.ttlMs });
    else typers.delete(t.userId);
    renderTyping();
  });
  client.on('presence', (p) => {
    if (p.roomId !== room.id) return;
    const known = members.get(p.userId);
    if (known === undefined) return void fetchMembers(room.id).then((list) => (list.forEach((m) => members.set(m.userId, m)), renderMembers()), showError);
    members.set(p.userId, { ...known, online: p.online });
    renderMembers();
  });
  client.on('read', (r) => {
    const known = members.get(r.userId);
    if (r.roomId !== room.id || known === undefined) return;
    members.set(r.userId, { ...known, lastReadSeq: r.seq });
    renderMembers();
  });
  client.on('state', ({ state }) => {
    status.dataset.state = state;
    status.textContent = state === 'open' ? 'connected' : state === 'reconnecting' ? 'reconnecting…' : state;
  });
  client.on('room_closed', () => {
    status.dataset.state = 'closed';
    status.textContent = 'room closed';
    input.disabled = true;
    sendButton.disabled = true;
  });
  client.on('error', showError);

  older.addEventListener('click', () => void loadHistory(oldestSeq).catch(showError));
  input.addEventListener('input', () => {
    const now = Date.now();
    if (input.value === '' || now - lastTypingSent < TYPING_REPEAT_MS) return;
    lastTypingSent = now;
    client.typing(room.id, true);
  });
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = input.value;
    if (body.trim() === '') return;
    input.value = '';
    lastTypingSent = 0;
    client.send(room.id, body).catch((err: unknown) => {
      input.value = body;
      showError(err);
    });
  });
  document.addEventListener('visibilitychange', markRead);

  function showError(err: unknown): void {
    error.textContent = err instanceof Error ? err.message : String(err);
  }

  client
    .connect()
    .then(() => client.join(room.id))
    .catch(showError);
  input.focus();

  return () => {
    clearInterval(typingSweep);
    document.removeEventListener('visibilitychange', markRead);
    client.close();
  };
}
