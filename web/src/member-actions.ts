/**
 * Moderation from the members panel (issue 12): for a moderator or owner, each member with a lower
 * role gets a menu — mute for 10 minutes or an hour, unmute, remove, ban — and for an owner, making
 * a member a moderator or back. A native disclosure (`<details>`), so it works from the keyboard.
 * The server applies the API's own checks; a refusal is shown in words by `onError`.
 */
import type { MemberInfo, MemberRole } from '../../client/src/index.ts';
import { manageRoom } from './api.ts';
import { el } from './elements.ts';

const RANK: Record<MemberRole, number> = { guest: 0, member: 1, moderator: 2, owner: 3 };

/** Who acts, and where the results go. */
export interface Moderator {
  readonly roomId: string;
  readonly userId: string;
  /** The acting user's role now. */
  role(): MemberRole | undefined;
  /** A change was refused or failed. */
  onError(err: unknown): void;
}

/** The menu for `member`, or undefined when `by` may not act on them (themselves, or an equal or higher role). */
export function memberActions(member: MemberInfo, by: Moderator): HTMLElement | undefined {
  const role = by.role();
  if (role === undefined || member.userId === by.userId || RANK[role] < RANK.moderator || RANK[member.role] >= RANK[role]) return undefined;
  const menu = el('div', { class: 'menu', role: 'group', 'aria-label': `Manage ${member.name}` });
  const details = el('details', { class: 'member-actions' }, el('summary', { 'aria-label': `Manage ${member.name}`, title: `Manage ${member.name}` }, '⋯'), menu);
  const path = `/members/${encodeURIComponent(member.userId)}`;
  const action = (name: string, label: string, run: () => Promise<unknown>) => {
    const button = el('button', { type: 'button', class: 'secondary', 'data-action': name }, label);
    button.addEventListener('click', () => {
      details.open = false;
      run().catch(by.onError);
    });
    menu.append(button);
  };
  action('mute-10m', 'Mute for 10 minutes', () => manageRoom(by.roomId, 'PUT', `${path}/mute`, { until: Date.now() + 10 * 60_000 }));
  action('mute-1h', 'Mute for an hour', () => manageRoom(by.roomId, 'PUT', `${path}/mute`, { until: Date.now() + 60 * 60_000 }));
  action('unmute', 'Unmute', () => manageRoom(by.roomId, 'DELETE', `${path}/mute`));
  if (role === 'owner') {
    if (member.role === 'moderator') action('make-member', 'Make a member', () => manageRoom(by.roomId, 'PUT', `${path}/role`, { role: 'member' }));
    else action('make-moderator', 'Make a moderator', () => manageRoom(by.roomId, 'PUT', `${path}/role`, { role: 'moderator' }));
  }
  action('remove', 'Remove from the room', () => manageRoom(by.roomId, 'DELETE', path));
  action('ban', 'Ban from the room', () => manageRoom(by.roomId, 'PUT', `/bans/${encodeURIComponent(member.userId)}`, {}));
  return details;
}
