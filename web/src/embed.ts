/**
 * The embed page's entry (issue: identity — signed embed tickets): the room page inside an
 * integrator's iframe. `GET /embed` hands this page its embed session, or why the ticket was
 * refused, in the `<meta name="parley-embed">` tag (the CSP forbids inline scripts). The session's
 * token stays in this page's memory and goes out as a bearer token, never as a cookie, so the embed
 * works where the browser blocks third-party cookies. There is no sign-out: the host page owns the
 * session, and a new page view needs a new ticket.
 */
import './strict-csp.ts';
import { EMBED_PAGE_META, EmbedPage } from '../../src/protocol/embed.ts';
import { useBearerToken } from './api.ts';
import { el, mount } from './elements.ts';
import { showRoomPage } from './room-page.ts';

/** Show why the chat cannot be shown (`code` is the server's stable error code, when there is one). */
function showRefusal(message: string, code?: string): void {
  mount(el('div', { class: 'card' }, el('p', { id: 'embed-error', class: 'error', role: 'alert', 'data-code': code ?? '' }, message)));
}

function start(): void {
  const content = document.querySelector(`meta[name="${EMBED_PAGE_META}"]`)?.getAttribute('content');
  let data: unknown;
  try {
    data = content === null || content === undefined ? undefined : JSON.parse(content);
  } catch {
    data = undefined;
  }
  const page = EmbedPage.safeParse(data);
  if (!page.success) return showRefusal('This page opens only through a signed embed link.');
  if ('error' in page.data) return showRefusal(page.data.error.message, page.data.error.code);
  const { token, user, room } = page.data;
  // The ticket is spent: keep it out of the frame's address, where it would only confuse a reload.
  history.replaceState(null, '', '/embed');
  useBearerToken(token);
  const leave = showRoomPage(room, user, () => {
    leave();
    showRefusal('Your chat session has ended: reload the page to open it again.', 'UNAUTHENTICATED');
  }, { token });
}

start();
