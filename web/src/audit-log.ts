/**
 * The room's audit log for its moderators and owners (issue 12: "moderation for moderators (… audit
 * log)"): a panel listing what was done and refused, newest first, in words — "Ada muted Bob until
 * 14:05", "Ada deleted a message by Bob", "Carol was refused entry: banned from the room" — with when
 * it happened in the browser's time. No ids, UTC stamps or field names are shown. "Load older
 * entries" pages back with the API's cursor. The server applies the API's own checks (`audit` in
 * `src/core/permissions.ts`); refusals go to `onError`. Opening moves focus into the panel; Close
 * and Escape close it and hand focus back to the page.
 */
import type { AuditEntry } from '../../src/protocol/moderation.ts';
import type { MemberRole } from '../../client/src/index.ts';
import { auditLog } from './api.ts';
import { el } from './elements.ts';
import { ROLE_TEXT, whenText, type NameOf } from './event-lines.ts';

/** Entries per page (the API's default). */
const PAGE_SIZE = 50;

const EMPTY_TEXT = 'Nothing recorded yet. Moderation in this room, and messages or joins it refused, will be listed here.';

/** What the panel needs from the room page. */
export interface AuditHost {
  readonly roomId: string;
  /** The current name of a user the page knows (a member, or someone seen on the timeline), else undefined. */
  knownName(userId: string): string | undefined;
  /** A page of the log was refused or failed. */
  onError(err: unknown): void;
  /** The panel was closed with Close or Escape: the page puts focus back on its button. */
  onClose(): void;
}

/** `value` if it is a finite number (a detail read from the wire), else undefined. */
const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
/** `value` if it is a non-empty string, else undefined. */
const textOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
/** `value` if it names a room role, else undefined. */
const roleOf = (value: unknown) => (typeof value === 'string' && Object.hasOwn(ROLE_TEXT, value) ? (value as MemberRole) : undefined);

/**
 * What `entry` says, in words: who did what to whom (`nameOf` names the target), with a mute's end
 * as a local time. An action this page does not know yet still gets a readable line.
 */
export function auditLine(entry: AuditEntry, nameOf: NameOf): string {
  const actor = entry.actorName;
  const target = entry.targetId === null ? 'someone' : nameOf(entry.targetId);
  const details = entry.details;
  switch (entry.action) {
    case 'message_deleted':
      return `${actor} deleted a message by ${target}`;
    case 'member_muted': {
      const until = numberOf(details.mutedUntil);
      return until === undefined ? `${actor} muted ${target}` : `${actor} muted ${target} until ${whenText(until)}`;
    }
    case 'member_unmuted':
      return `${actor} unmuted ${target}`;
    case 'member_kicked':
      return `${actor} removed ${target} from the room`;
    case 'member_banned': {
      const reason = textOf(details.reason);
      return `${actor} banned ${target}${details.wasMember === false ? ', who was not in the room' : ''}${reason === undefined ? '' : `: “${reason}”`}`;
    }
    case 'member_unbanned':
      return `${actor} lifted the ban on ${target}`;
    case 'role_changed': {
      const to = roleOf(details.to);
      const from = roleOf(details.from);
      if (to === undefined) return `${actor} changed the role of ${target}`;
      return `${actor} made ${target} ${ROLE_TEXT[to]}${from === undefined || from === to ? '' : ` (was ${ROLE_TEXT[from]})`}`;
    }
    case 'room_closed':
      return `${actor} closed the room`;
    case 'message_refused': {
      const until = numberOf(details.mutedUntil);
      if (details.reason === 'word_filter') return `A message by ${actor} was refused: it had a word on the filter list`;
      if (details.reason === 'muted') return `A message by ${actor} was refused: muted${until === undefined ? '' : ` until ${whenText(until)}`}`;
      return `A message by ${actor} was refused`;
    }
    case 'join_refused':
      return `${actor} was refused entry${details.reason === 'banned' ? ': banned from the room' : ''}`;
    default:
      // A newer server's action: say who acted, and on whom.
      return `${actor} took a moderation action${entry.targetId === null ? '' : ` on ${target}`}`;
  }
}

/**
 * Open the audit log panel of `host.roomId`: `place` puts it on the page, then focus moves into it
 * and its newest page loads. The page removes it (`#audit-log`) when the user may no longer read it.
 */
export function openAuditLog(host: AuditHost, place: (panel: HTMLElement) => void): void {
  /** Names of the people who acted in the entries loaded so far: the target of a later entry may be one of them. */
  const actors = new Map<string, string>();
  const nameOf: NameOf = (userId) => host.knownName(userId) ?? actors.get(userId) ?? 'someone';
  const title = el('h2', { id: 'audit-log-title' }, 'Audit log');
  const close = el('button', { type: 'button', id: 'audit-log-close', class: 'secondary', 'aria-label': 'Close the audit log', title: 'Close' }, '×');
  const status = el('p', { id: 'audit-log-status', class: 'muted', role: 'status' }, 'Loading…');
  // Focusable, so a long list scrolls from the keyboard.
  const list = el('ol', { id: 'audit-log-entries', tabindex: '0', 'aria-label': 'Entries, newest first', hidden: '' });
  const older = el('button', { type: 'button', id: 'audit-log-older', class: 'secondary older', hidden: '' }, 'Load older entries');
  const panel = el('section', { id: 'audit-log', class: 'share audit-log', tabindex: '-1', 'aria-labelledby': 'audit-log-title' }, el('div', { class: 'panel-head' }, title, close), status, list, older);
  let before: string | undefined;
  /** A page is on its way: another press of "Load older entries" waits for it (the button keeps focus meanwhile). */
  let loading = false;

  const dismiss = () => {
    panel.remove();
    host.onClose();
  };
  const load = () => {
    if (loading) return;
    loading = true;
    auditLog(host.roomId, before === undefined ? { limit: PAGE_SIZE } : { before, limit: PAGE_SIZE }).then(
      ({ entries, hasMore }) => {
        for (const entry of entries) if (!actors.has(entry.actorId)) actors.set(entry.actorId, entry.actorName);
        list.append(...entries.map((entry) => line(entry, nameOf)));
        before = entries.at(-1)?.id ?? before;
        loading = false;
        const hadFocus = document.activeElement === older;
        older.hidden = !hasMore;
        list.hidden = list.childElementCount === 0;
        status.textContent = list.hidden ? EMPTY_TEXT : '';
        if (hadFocus && older.hidden) list.focus();
      },
      (err: unknown) => {
        loading = false;
        status.textContent = list.childElementCount === 0 ? 'The audit log could not be loaded.' : '';
        host.onError(err);
      },
    );
  };
  close.addEventListener('click', dismiss);
  older.addEventListener('click', load);
  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    dismiss();
  });
  place(panel);
  panel.focus();
  load();
}

/** One entry of the list: its line, and when (local time today, else date and time; the exact moment as a tooltip). */
function line(entry: AuditEntry, nameOf: NameOf): HTMLElement {
  const at = new Date(entry.at);
  return el(
    'li',
    { class: 'audit-entry', 'data-action': entry.action },
    el('span', { class: 'text' }, auditLine(entry, nameOf)),
    el('time', { datetime: at.toISOString(), title: at.toLocaleString() }, whenText(entry.at)),
  );
}
